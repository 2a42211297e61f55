import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIP_CHUNK_BYTES, DEFAULT_DETECTION_SETTINGS, encodeBase64, encodeEventMessage, type CameraEventMessage, type DetectionSettings, type EventMessage } from '../../../protocol/event-messages.ts';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';
import { localDay } from '../../../protocol/local-day.ts';
import { setupEvents, type EventsService } from './setup-events.ts';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 8, 7, 0xff, 0xd9]);
let dir: string;
let timers: FakeTimers;
let shown: { title: string; body: string; icon?: string; onClick?: () => void }[];
let opened: string[];
let settings: DetectionSettings;
let events: EventsService;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-events-'));
  timers = new FakeTimers(new Date(2027, 4, 20, 12, 0, 0).getTime());
  shown = [];
  opened = [];
  settings = { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 60 };
  events = await setupEvents({
    userDataDir: dir,
    clipsDir: () => join(dir, 'clips'),
    cameraName: (id) => (id === 'cam-a' ? 'Hall' : 'Other'),
    settingsFor: () => settings,
    retention: () => ({ maxDays: 30, maxBytes: null }),
    notifier: { show: (m) => void shown.push(m) },
    openEvent: (cameraId, id) => void opened.push(`${cameraId}/${id}`),
    cameraIds: () => ['cam-a', 'cam-b'],
    timers,
  });
});
afterEach(async () => {
  events.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
function event(overrides: Partial<CameraEventMessage> = {}): CameraEventMessage {
  n++;
  return { t: 'event', id: n.toString(16).padStart(16, '0'), kind: 'motion', at: timers.now(), durationMs: 2000, strength: 0.3, levelDbfs: null, thumbnail: encodeBase64(JPEG), clip: false, ...overrides };
}
const send = (m: EventMessage, cameraId = 'cam-a'): Promise<EventMessage | null> => events.handleMessage(cameraId, encodeEventMessage(m));

describe('setupEvents', () => {
  it('stores an event with its thumbnail, notifies with it, and acknowledges; a resent event is acked without a second alert', async () => {
    const e = event();
    expect(await send(e)).toEqual({ t: 'event-ack', id: e.id });
    const [row] = events.listDay('cam-a', localDay(e.at));
    expect(row).toMatchObject({ id: e.id, kind: 'motion', seen: false });
    expect(await readFile(join(dir, 'clips', row!.thumbnail!))).toEqual(JPEG);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ title: 'Hall: Motion', icon: join(dir, 'clips', row!.thumbnail!) });
    shown[0]!.onClick!();
    expect(opened).toEqual([`cam-a/${e.id}`]);
    expect(await send(e)).toEqual({ t: 'event-ack', id: e.id });
    expect(shown).toHaveLength(1);
    expect(events.unseenCounts().get('cam-a')).toBe(1);
    events.markSeen('cam-a', [e.id]);
    expect(events.unseenCounts().get('cam-a')).toBeUndefined();
  });

  it('an event sent when it began gets its duration from its end message', async () => {
    const e = event({ durationMs: 0 });
    await send(e);
    expect(await send({ t: 'event-end', id: e.id, durationMs: 95_000 })).toEqual({ t: 'event-ack', id: e.id });
    // A replayed, older end does not shorten it.
    await send({ t: 'event-end', id: e.id, durationMs: 1000 });
    expect(events.listDay('cam-a', localDay(e.at))[0]!.durationMs).toBe(95_000);
    expect(await send({ t: 'event-end', id: 'f'.repeat(16), durationMs: 5 })).toEqual({ t: 'event-ack', id: 'f'.repeat(16) });
  });

  it('the same event arriving twice at once is stored and notified once', async () => {
    settings = { ...settings, cooldownSec: 0 };
    const e = event();
    const replies = await Promise.all([send(e), send(e)]);
    expect(replies).toEqual([{ t: 'event-ack', id: e.id }, { t: 'event-ack', id: e.id }]);
    expect(shown).toHaveLength(1);
    expect(events.listDay('cam-a', localDay(e.at))).toHaveLength(1);
  });

  it("one camera's clip does not hold up another camera's event; each camera's messages stay in order", async () => {
    const b = event({ clip: true });
    await send(b, 'cam-b');
    const clip = createHash('sha512').update('b').digest();
    const sha256 = createHash('sha256').update(clip).digest('hex');
    const done: string[] = [];
    // The chunk's file write and sync take the disk; the other camera's event needs none (no thumbnail).
    const chunk = send({ t: 'clip-chunk', eventId: b.id, offset: 0, total: clip.length, sha256, mimeType: 'video/webm', startedAt: b.at - 3000, data: encodeBase64(clip) }, 'cam-b');
    const bEnd = send({ t: 'event-end', id: b.id, durationMs: 4000 }, 'cam-b');
    const a = send(event({ thumbnail: null }), 'cam-a');
    await Promise.all([chunk.then(() => done.push('b chunk')), bEnd.then(() => done.push('b end')), a.then(() => done.push('a event'))]);
    expect(done).toEqual(['a event', 'b chunk', 'b end']);
    expect(await chunk).toMatchObject({ t: 'clip-ack', status: 'complete' });
  });

  it('a burst of triggers inside the cooldown gives one notification but keeps every event', async () => {
    for (let i = 0; i < 20; i++) {
      await send(event({ at: timers.now() }));
      timers.advance(2000);
    }
    expect(shown).toHaveLength(1);
    expect(events.listDay('cam-a', localDay(timers.now()))).toHaveLength(20);
    timers.advance(60_000);
    await send(event({ at: timers.now() }));
    expect(shown).toHaveLength(2);
  });

  it('bad input is refused and changes nothing', async () => {
    expect(await events.handleMessage('cam-a', '{"t":"event","id":"zz"}')).toBeNull();
    expect(await events.handleMessage('cam-a', 'x'.repeat(100_000))).toBeNull();
    expect(await send({ ...event(), thumbnail: encodeBase64(Buffer.from('<svg onload=alert(1)>')) })).toMatchObject({ t: 'event-ack' });
    const rows = events.listDay('cam-a', localDay(timers.now()));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.thumbnail).toBeNull();
    expect(await send(DEFAULT_DETECTION_SETTINGS)).toBeNull();
  });

  it('a message still in flight when the store closes (the app quitting) gets no ack, so the camera sends it again', async () => {
    const e = event();
    events.close();
    expect(await send(e)).toBeNull();
    expect(shown).toEqual([]);
  });

  it('a clip sent in chunks ends up on disk, attached to its event', async () => {
    const e = event({ clip: true });
    await send(e);
    const bytes = createHash('sha512').update('clip').digest();
    const clip = Buffer.concat(Array.from({ length: 400 }, () => bytes));
    const sha256 = createHash('sha256').update(clip).digest('hex');
    let reply: EventMessage | null = null;
    for (let offset = 0; offset < clip.length; offset += CLIP_CHUNK_BYTES) {
      reply = await send({ t: 'clip-chunk', eventId: e.id, offset, total: clip.length, sha256, mimeType: 'video/mp4', startedAt: e.at - 3000, data: encodeBase64(clip.subarray(offset, offset + CLIP_CHUNK_BYTES)) });
    }
    expect(reply).toEqual({ t: 'clip-ack', eventId: e.id, offset: clip.length, status: 'complete' });
    const [row] = events.listDay('cam-a', localDay(e.at));
    expect(row!.clip).toMatch(/\.mp4$/);
    expect(await readFile(join(dir, 'clips', row!.clip!))).toEqual(clip);
  });

  it('what the camera dropped is recorded, told once, and acknowledged', async () => {
    const reply = await send({ t: 'events-dropped', items: [{ eventId: 'ab'.repeat(8), kind: 'motion', at: timers.now() - 3_600_000, what: 'clip', reason: 'quota' }], more: 2, upTo: 7 });
    expect(reply).toEqual({ t: 'events-dropped-ack', upTo: 7 });
    expect(shown).toEqual([expect.objectContaining({ title: 'Hall: 3 event(s) could not be kept', body: expect.stringContaining('ran out of room') })]);
  });

  it('the timeline says a clip is still arriving until it is here, dropped by the camera, or given up on', async () => {
    const waiting = event({ clip: true });
    const dropped = event({ clip: true, kind: 'barking-like' });
    const none = event();
    for (const e of [waiting, dropped, none]) await send(e);
    await send({ t: 'events-dropped', items: [{ eventId: dropped.id, kind: dropped.kind, at: dropped.at, what: 'clip', reason: 'quota' }], more: 0, upTo: 1 });
    const pending = () => Object.fromEntries(events.listTimeline('cam-a', localDay(waiting.at)).map((r) => [r.id, r.clipPending]));
    expect(pending()).toEqual({ [waiting.id]: true, [dropped.id]: false, [none.id]: false });
    expect(events.listTimeline('cam-a', localDay(waiting.at), ['barking-like']).map((r) => r.id)).toEqual([dropped.id]);
    // Two days on with nothing of it arrived: the desktop stops waiting (as it abandons a half-received clip).
    timers.advance(2 * 86_400_000);
    expect(pending()[waiting.id]).toBe(false);
  });

  it('a camera offline for 10 minutes is an event and a notification with its last battery level', async () => {
    events.cameraPresence('cam-a', true, 0.37);
    timers.advance(5000);
    events.cameraPresence('cam-a', false);
    timers.advance(9 * 60_000);
    expect(shown).toEqual([]);
    timers.advance(90_000);
    expect(shown).toEqual([expect.objectContaining({ title: 'Hall has been offline for 10 min', body: expect.stringContaining('37 %') })]);
    const rows = events.listDay('cam-a', localDay(timers.now()), ['camera-offline']);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.battery).toBe(0.37);
    timers.advance(3_600_000);
    expect(shown).toHaveLength(1);
  });

  it('a backlog delivered late is one summary notification, not one per event', async () => {
    for (let i = 0; i < 6; i++) await send(event({ at: timers.now() - 3_600_000 + i * 60_000, kind: i % 2 ? 'motion' : 'barking-like' }));
    expect(shown).toEqual([]);
    timers.advance(5000);
    expect(shown).toEqual([expect.objectContaining({ title: 'Hall: 6 earlier event(s)' })]);
  });

  it('after midnight, yesterday’s report is written for cameras that had events, and stale partial clips go', async () => {
    const e = event({ clip: true });
    await send(e);
    await send({ t: 'clip-chunk', eventId: e.id, offset: 0, total: 10, sha256: 'a'.repeat(64), mimeType: 'video/webm', startedAt: e.at, data: encodeBase64(Buffer.from('12345')) });
    const day = localDay(e.at);
    // Four days later (the app ran throughout). The partial clip is stale (2 days) by the third midnight at the latest;
    // the fourth leaves a day of checks after it, so the nightly file work (real disk I/O, slow under load) has settled
    // whatever the time of day the test runs at — with three days an event just after midnight left it two checks.
    for (let i = 0; i < 4 * 24 * 4; i++) {
      timers.advance(15 * 60_000);
      await flush();
    }
    const report = join(dir, 'clips', 'Hall', day, `pawcam-report-Hall-${day}.html`);
    expect(await readFile(report, 'utf8')).toContain('Hall');
    await expect(stat(join(dir, 'clips', 'Other'))).rejects.toThrow();
    await expect(stat(join(dir, 'clips', '.incoming', `cam-a-${e.id}.part`))).rejects.toThrow();
  });

  it('deleting an event removes its files; retention removes old ones; the report is written', async () => {
    const e = event();
    await send(e);
    const [row] = events.listDay('cam-a', localDay(e.at));
    await events.deleteEvent('cam-a', e.id);
    await expect(stat(join(dir, 'clips', row!.thumbnail!))).rejects.toThrow();
    expect(events.listDay('cam-a', localDay(e.at))).toEqual([]);

    await send(event({ at: timers.now() - 40 * 86_400_000 }));
    await send(event());
    const plan = await events.runRetention();
    expect(plan.events).toHaveLength(1);
    const report = await events.writeDailyReport('cam-a', localDay(timers.now()));
    expect(report).toContain(join(dir, 'clips', 'Hall'));
    expect(await readFile(report, 'utf8')).toContain('Hall');
    await flush();
  });
});
