import { describe, expect, it } from 'vitest';
import { decodeBase64, sha256Hex, type CameraEventMessage, type EventMessage } from '../../../protocol/event-messages.ts';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';
import { Outbox, type NewClip } from './outbox.ts';
import type { OutboxSender } from './outbox-sender.ts';
import { MemoryStore, detachedSender } from './testing/outbox-fixtures.ts';
import { seededRandom } from './testing/synthetic.ts';

/** The desktop end, as far as the camera can tell: stores events and clip bytes, and acks like the real one. */
class FakeDesktop {
  readonly events: string[] = [];
  readonly clips = new Map<string, { data: Uint8Array; length: number; sha256: string; done: boolean }>();
  readonly chunkOffsets: number[] = [];
  dropNotices: EventMessage[] = [];
  corruptNext = 0;
  /** Lose this many `complete` acks (the desktop crashed right after saving). */
  loseCompletes = 0;

  async receive(m: EventMessage): Promise<EventMessage | null> {
    switch (m.t) {
      case 'event':
        if (!this.events.includes(m.id)) this.events.push(m.id);
        return { t: 'event-ack', id: m.id };
      case 'events-dropped':
        this.dropNotices.push(m);
        return { t: 'events-dropped-ack', upTo: m.upTo };
      case 'clip-chunk': {
        this.chunkOffsets.push(m.offset);
        let clip = this.clips.get(m.eventId);
        if (!clip) {
          clip = { data: new Uint8Array(m.total), length: 0, sha256: m.sha256, done: false };
          this.clips.set(m.eventId, clip);
        }
        if (clip.done) return { t: 'clip-ack', eventId: m.eventId, offset: m.total, status: 'complete' };
        if (m.offset !== clip.length) return { t: 'clip-ack', eventId: m.eventId, offset: clip.length, status: 'resume' };
        const bytes = decodeBase64(m.data);
        clip.data.set(bytes, m.offset);
        clip.length += bytes.length;
        if (clip.length < m.total) return { t: 'clip-ack', eventId: m.eventId, offset: clip.length, status: 'stored' };
        if (this.corruptNext > 0 || (await sha256Hex(clip.data)) !== m.sha256) {
          this.corruptNext--;
          clip.length = 0;
          return { t: 'clip-ack', eventId: m.eventId, offset: 0, status: 'corrupt' };
        }
        clip.done = true;
        if (this.loseCompletes-- > 0) return null;
        return { t: 'clip-ack', eventId: m.eventId, offset: m.total, status: 'complete' };
      }
      default:
        return null;
    }
  }
}

const AT = 1_800_000_000_000;
let n = 0;
function event(kind: CameraEventMessage['kind'] = 'motion'): CameraEventMessage {
  n++;
  return { t: 'event', id: n.toString(16).padStart(16, '0'), kind, at: AT + n * 1000, durationMs: 1000, strength: 0.5, levelDbfs: null, thumbnail: null, clip: true };
}
function clipFor(e: CameraEventMessage, size: number): NewClip {
  const random = seededRandom(size);
  const bytes = new Uint8Array(size).map(() => Math.floor(random() * 256));
  return { eventId: e.id, kind: e.kind, at: e.at, mimeType: 'video/webm;codecs=vp8,opus', startedAt: e.at - 3000, bytes };
}

/** A link between a sender and a desktop; messages cross it only when the test runs it. */
function link(sender: OutboxSender, desktop: FakeDesktop) {
  const inFlight: EventMessage[] = [];
  const sent: EventMessage[] = [];
  let up = true;
  const send = (m: EventMessage): void => {
    if (!up) throw new Error('channel closed');
    // The wire carries JSON: what arrives is a copy.
    const copy = JSON.parse(JSON.stringify(m)) as EventMessage;
    inFlight.push(copy);
    sent.push(copy);
  };
  /** Deliver messages both ways until nothing moves (bounded); `limit` stops after that many camera messages. */
  const run = async (limit = 10_000): Promise<void> => {
    for (let i = 0; i < limit && inFlight.length > 0; i++) {
      const m = inFlight.shift()!;
      const reply = await desktop.receive(m);
      if (reply && up) await sender.handle(reply);
      await sender.idle();
    }
  };
  return { send, run, sent, inFlight, cut: () => ((up = false), sender.disconnect(), inFlight.splice(0)), restore: () => (up = true) };
}

async function setup(store = new MemoryStore(), quotaBytes = 10_000_000) {
  const timers = new FakeTimers(AT);
  const outbox = await Outbox.open(store, { quotaBytes });
  const desktop = new FakeDesktop();
  const { sender, attach } = detachedSender(outbox, timers);
  const l = link(sender, desktop);
  attach(l.send);
  return { store, timers, outbox, desktop, sender, ...l };
}

describe('Outbox and OutboxSender', () => {
  it('keeps events and clips while no desktop is there and delivers all, oldest first, when one connects', async () => {
    const { outbox, desktop, sender, run, sent } = await setup();
    const events = [event(), event('barking-like'), event()];
    await outbox.addEvent(events[0]!);
    await outbox.addEvent(events[1]!);
    await outbox.addClip(clipFor(events[0]!, 50_000));
    await outbox.addEvent(events[2]!);
    await outbox.addClip(clipFor(events[1]!, 7));
    await sender.idle();
    expect(sent).toEqual([]);

    await sender.connect();
    await run();
    expect(desktop.events).toEqual(events.map((e) => e.id));
    const order = sent.filter((m) => m.t === 'event' || (m.t === 'clip-chunk' && m.offset === 0)).map((m) => (m.t === 'event' ? `e${m.id}` : m.t === 'clip-chunk' ? `c${m.eventId}` : ''));
    expect(order).toEqual([`e${events[0]!.id}`, `e${events[1]!.id}`, `c${events[0]!.id}`, `e${events[2]!.id}`, `c${events[1]!.id}`]);
    for (const e of events.slice(0, 2)) expect(desktop.clips.get(e.id)?.done).toBe(true);
    expect(desktop.clips.get(events[0]!.id)!.data).toEqual(clipFor(events[0]!, 50_000).bytes);
    expect(outbox.items).toEqual([]);
    expect(outbox.usedBytes).toBe(0);
  });

  it('an item added while connected goes out at once', async () => {
    const { outbox, desktop, sender, run } = await setup();
    await sender.connect();
    const e = event();
    await outbox.addEvent(e);
    await sender.idle();
    await run();
    expect(desktop.events).toEqual([e.id]);
  });

  it('a link cut mid-clip resumes from what the desktop holds, after a page reload too', async () => {
    const first = await setup();
    const e = event();
    await first.outbox.addEvent(e);
    await first.outbox.addClip(clipFor(e, 200_000));
    await first.sender.connect();
    await first.run(8);
    first.cut();
    const held = first.desktop.clips.get(e.id)!.length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(200_000);

    // The page reloads: a new outbox over the same storage, the same desktop.
    const outbox = await Outbox.open(first.store);
    const desktop = first.desktop;
    const { sender, attach } = detachedSender(outbox, first.timers);
    const l2 = link(sender, desktop);
    attach(l2.send);
    await sender.connect();
    desktop.chunkOffsets.length = 0;
    await l2.run();
    expect(desktop.chunkOffsets[0]).toBeGreaterThan(0);
    expect(desktop.chunkOffsets[0]).toBeLessThanOrEqual(held);
    expect(desktop.clips.get(e.id)?.done).toBe(true);
    expect(desktop.clips.get(e.id)!.data).toEqual(clipFor(e, 200_000).bytes);
    expect(outbox.items).toEqual([]);
  });

  it('a desktop that lost bytes it had acked (crash) says where to resume, and the clip still arrives whole', async () => {
    const { outbox, desktop, sender, run, cut, restore } = await setup();
    const e = event();
    await outbox.addEvent(e);
    await outbox.addClip(clipFor(e, 100_000));
    await sender.connect();
    await run(6);
    cut();
    const clip = desktop.clips.get(e.id)!;
    clip.length = Math.max(0, clip.length - 15_000);
    restore();
    await sender.connect();
    await run();
    expect(clip.done).toBe(true);
    expect(clip.data).toEqual(clipFor(e, 100_000).bytes);
  });

  it('a clip whose "complete" was lost is finished after the timeout, not sent forever', async () => {
    const { outbox, desktop, sender, run, timers, sent } = await setup();
    const e = event();
    await outbox.addClip(clipFor(e, 30_000));
    desktop.loseCompletes = 1;
    await sender.connect();
    await run();
    expect(desktop.clips.get(e.id)?.done).toBe(true);
    expect(outbox.items).toHaveLength(1);
    const before = sent.length;
    timers.advance(15_000);
    await flush();
    await sender.idle();
    await run();
    expect(outbox.items).toEqual([]);
    expect(sent.length - before).toBe(1);
  });

  it('resends what was not acknowledged in time', async () => {
    const { outbox, desktop, sender, run, timers, inFlight } = await setup();
    const e = event();
    await outbox.addEvent(e);
    await sender.connect();
    inFlight.splice(0);
    timers.advance(15_000);
    await flush();
    await sender.idle();
    await run();
    expect(desktop.events).toEqual([e.id]);
  });

  it('over the quota, the oldest clips go first, then the oldest events; the owner is told, once acknowledged it is cleared', async () => {
    const { outbox, desktop, sender, run } = await setup(new MemoryStore(), 25_000);
    const a = event();
    const b = event();
    const c = event();
    await outbox.addEvent(a);
    await outbox.addClip(clipFor(a, 10_000));
    await outbox.addEvent(b);
    await outbox.addClip(clipFor(b, 10_000));
    // Needs room: a's clip goes.
    await outbox.addEvent(c);
    await outbox.addClip(clipFor(c, 10_000));
    expect(outbox.usedBytes).toBeLessThanOrEqual(25_000);
    // Bigger than the whole quota: refused, and said so.
    await outbox.addClip(clipFor(c, 30_000));
    // Big events (thumbnails): once no clip is left, the oldest events go.
    for (let i = 0; i < 3; i++) await outbox.addEvent({ ...event(), thumbnail: 'A'.repeat(11_000) });
    const notice = outbox.droppedNotice()!;
    expect(notice.items.slice(0, 3)).toEqual([
      { eventId: a.id, kind: 'motion', at: a.at, what: 'clip', reason: 'quota' },
      { eventId: c.id, kind: 'motion', at: c.at, what: 'clip', reason: 'too-large' },
      { eventId: b.id, kind: 'motion', at: b.at, what: 'clip', reason: 'quota' },
    ]);
    expect(notice.items.some((i) => i.what === 'event' && i.eventId === a.id)).toBe(true);
    expect(outbox.usedBytes).toBeLessThanOrEqual(25_000);

    await sender.connect();
    await run();
    expect(desktop.dropNotices).toHaveLength(1);
    expect(outbox.droppedNotice()).toBeNull();
  });

  it('a clip the desktop finds corrupt is sent again, and dropped (and reported) after three tries', async () => {
    const { outbox, desktop, sender, run } = await setup();
    const e = event();
    await outbox.addClip(clipFor(e, 30_000));
    desktop.corruptNext = 1;
    await sender.connect();
    await run();
    expect(desktop.clips.get(e.id)?.done).toBe(true);

    const f = event();
    await outbox.addClip(clipFor(f, 30_000));
    desktop.corruptNext = 3;
    await sender.idle();
    await run();
    expect(desktop.clips.get(f.id)?.done).toBe(false);
    expect(outbox.items).toEqual([]);
    expect(desktop.dropNotices.at(-1)).toMatchObject({ items: [{ eventId: f.id, what: 'clip', reason: 'corrupt' }] });
  });

  it('removes rows it cannot read, and clips whose bytes are missing', async () => {
    const store = new MemoryStore();
    const { outbox } = await setup(store);
    const e = event();
    await outbox.addEvent(e);
    await outbox.addClip(clipFor(e, 100));
    await store.put({ key: 'junk', type: 'event', seq: -1 });
    await store.put({ key: 'other', hello: 1 });
    store.rows.delete([...store.rows.keys()].find((k) => k.startsWith('d:'))!);
    const reopened = await Outbox.open(store);
    expect(reopened.items.map((i) => i.type)).toEqual(['event']);
    expect([...store.rows.keys()].sort()).toEqual([...store.rows.keys()].filter((k) => k.startsWith('e:')));
  });
});
