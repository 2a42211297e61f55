/**
 * The camera's outbox and the desktop's events service talking through the real wire format (JSON text, every
 * message parsed from `unknown` on the other side), in Node. The standby data channel will carry exactly
 * these strings; the browser version of this test comes with it. Covers: the desktop away while events happen →
 * all delivered in order when it returns; the desktop crashing mid-clip → the clip resumes and arrives whole.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../camera-web/src/events/outbox.ts';
import type { OutboxSender } from '../camera-web/src/events/outbox-sender.ts';
import { MemoryStore, detachedSender } from '../camera-web/src/events/testing/outbox-fixtures.ts';
import { setupEvents, type EventsService } from '../desktop/main/events/setup-events.ts';
import { DEFAULT_DETECTION_SETTINGS, MAX_EVENT_MESSAGE_CHARS, encodeEventMessage, parseEventMessage, type EventMessage } from '../protocol/event-messages.ts';
import { configureLogging } from '../protocol/log.ts';
import { FakeTimers } from '../protocol/testing/timers.ts';

let dir: string;
let timers: FakeTimers;
const AT = new Date(2027, 5, 1, 10, 0, 0).getTime();

beforeEach(async () => {
  configureLogging({ sink: () => undefined });
  dir = await mkdtemp(join(tmpdir(), 'pawcam-link-'));
  timers = new FakeTimers(AT);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const desktop = (): Promise<EventsService> =>
  setupEvents({
    userDataDir: dir,
    clipsDir: () => join(dir, 'clips'),
    cameraName: () => 'Hall',
    settingsFor: () => DEFAULT_DETECTION_SETTINGS,
    retention: () => ({ maxDays: null, maxBytes: null }),
    notifier: { show: () => undefined },
    openEvent: () => undefined,
    timers,
  });

/** A data channel between the camera's sender and a desktop: text frames only, delivered when `run` says. */
function channel(sender: OutboxSender, service: EventsService) {
  const frames: string[] = [];
  const run = async (limit = 100_000): Promise<number> => {
    let n = 0;
    while (frames.length > 0 && n < limit) {
      const text = frames.shift()!;
      n++;
      expect(text.length).toBeLessThanOrEqual(MAX_EVENT_MESSAGE_CHARS);
      const reply = await service.handleMessage('cam-a', text);
      if (!reply) continue;
      const parsed = parseEventMessage(encodeEventMessage(reply));
      if (!parsed.ok) throw new Error(parsed.error);
      await sender.handle(parsed.value);
      await sender.idle();
    }
    return n;
  };
  return { send: (m: EventMessage) => void frames.push(encodeEventMessage(m)), run, frames };
}

const clipOf = (size: number, seed: number): Uint8Array => new Uint8Array(size).map((_, i) => (i * seed + 7) & 255);

describe('camera outbox ⇄ desktop events (wire format)', () => {
  it('with the desktop away, events and clips wait; when it returns, all arrive in order, clips whole', async () => {
    const outbox = await Outbox.open(new MemoryStore());
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (0xa0 + i).toString(16).padStart(16, '0');
      ids.push(id);
      const at = AT + i * 60_000;
      await outbox.addEvent({ t: 'event', id, kind: i % 2 ? 'barking-like' : 'motion', at, durationMs: 0, strength: 0.3, levelDbfs: null, thumbnail: null, clip: true });
      await outbox.addEventEnd({ t: 'event-end', id, durationMs: 5000 + i }, { kind: 'motion', at });
      await outbox.addClip({ eventId: id, kind: 'motion', at, mimeType: 'video/webm', startedAt: at - 3000, bytes: clipOf(20_000 + i * 7000, i + 3) });
    }
    timers.advance(3_600_000);
    const service = await desktop();
    const { sender, attach } = detachedSender(outbox, timers);
    const link = channel(sender, service);
    attach(link.send);
    await sender.connect();
    await link.run();
    expect(outbox.items).toEqual([]);
    const rows = service.listDay('cam-a', '2027-06-01');
    expect(rows.map((r) => r.id)).toEqual(ids);
    for (const [i, row] of rows.entries()) {
      expect(row.durationMs).toBe(5000 + i);
      expect(await readFile(join(dir, 'clips', row.clip!))).toEqual(Buffer.from(clipOf(20_000 + i * 7000, i + 3)));
    }
    service.close();
  });

  it('the desktop crashing mid-clip loses nothing it confirmed: after a restart the clip resumes and arrives whole', async () => {
    const store = new MemoryStore();
    const outbox = await Outbox.open(store);
    const id = '00000000000000c1';
    const clip = clipOf(150_000, 11);
    await outbox.addEvent({ t: 'event', id, kind: 'motion', at: AT, durationMs: 0, strength: 0.3, levelDbfs: null, thumbnail: null, clip: true });
    await outbox.addClip({ eventId: id, kind: 'motion', at: AT, mimeType: 'video/mp4', startedAt: AT - 3000, bytes: clip });

    let service = await desktop();
    const { sender, attach } = detachedSender(outbox, timers);
    let link = channel(sender, service);
    attach(link.send);
    await sender.connect();
    await link.run(6);
    // Crash: the desktop goes away with frames in flight; the camera notices the channel closing.
    service.close();
    sender.disconnect();
    expect(outbox.items).toHaveLength(1);

    service = await desktop();
    link = channel(sender, service);
    attach(link.send);
    await sender.connect();
    // The camera starts where the crashed desktop had confirmed, not from the beginning.
    const first = parseEventMessage(link.frames[0]);
    expect(first.ok && first.value.t === 'clip-chunk' && first.value.offset > 0).toBe(true);
    await link.run();
    expect(outbox.items).toEqual([]);
    const [row] = service.listDay('cam-a', '2027-06-01');
    expect(row!.clip).toMatch(/\.mp4$/);
    expect(await readFile(join(dir, 'clips', row!.clip!))).toEqual(Buffer.from(clip));
    service.close();
  });
});
