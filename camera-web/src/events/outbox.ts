/**
 * The camera's outbox: events and clips wait here (IndexedDB through protocol/object-store.ts) until a desktop has
 * confirmed them, so nothing is lost while no desktop is connected or the page reloads. It holds at most
 * `quotaBytes`; when a new item does not fit, the oldest clips go first (an event without its clip still tells the
 * owner something happened), then the oldest events, and every drop is recorded so the owner is told what is
 * missing. Rows read back are checked: the origin's storage is shared with every script the origin serves.
 */
import * as v from 'valibot';
import {
  EventMessageSchema,
  MAX_DROPPED_ITEMS,
  sha256Hex,
  type CameraEventKind,
  type CameraEventMessage,
  type DropReason,
  type DroppedItem,
  type DroppedNoticeMessage,
  type EventEndMessage,
} from '../../../protocol/event-messages.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { ObjectStore, ObjectStoreSpec } from '../../../protocol/object-store.ts';
import { parseWith } from '../../../protocol/schema.ts';

const log = createLogger('outbox');

/** Where the outbox lives (its own database, so pair-key storage upgrades never touch it). */
export const OUTBOX_STORE: ObjectStoreSpec = { dbName: 'pawcam-outbox', version: 1, store: 'items', keyPath: 'key' };

/** Default quota: what an old phone's browser grants a page without asking, with room to spare. */
export const DEFAULT_OUTBOX_QUOTA_BYTES = 200 * 1024 * 1024;

/** An event (or the message that ends it) waiting for the desktop's ack. */
export interface OutboxEvent {
  type: 'event';
  seq: number;
  message: CameraEventMessage | EventEndMessage;
  /** The event's kind and time (an end message does not carry them; drop notices need them). */
  kind: CameraEventKind;
  at: number;
  bytes: number;
}

/** A clip waiting to be delivered; `acked` bytes of it are already stored on the desktop. */
export interface OutboxClip {
  type: 'clip';
  seq: number;
  eventId: string;
  kind: CameraEventKind;
  at: number;
  mimeType: string;
  startedAt: number;
  sha256: string;
  total: number;
  acked: number;
  attempts: number;
}

/** One item in delivery order. */
export type OutboxItem = OutboxEvent | OutboxClip;

const Seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const EventRowSchema = v.object({
  key: v.string(),
  type: v.literal('event'),
  seq: Seq,
  message: v.pipe(
    EventMessageSchema,
    v.check((m) => m.t === 'event' || m.t === 'event-end', 'not an event'),
  ),
  kind: v.string(),
  at: v.number(),
  bytes: Seq,
});
const ClipRowSchema = v.object({
  key: v.string(),
  type: v.literal('clip'),
  seq: Seq,
  eventId: v.string(),
  kind: v.string(),
  at: v.number(),
  mimeType: v.string(),
  startedAt: v.number(),
  sha256: v.string(),
  total: Seq,
  acked: Seq,
  attempts: Seq,
});
const DataRowSchema = v.object({ key: v.string(), type: v.literal('clip-data'), seq: Seq, data: v.instance(Uint8Array) });
const DroppedRowSchema = v.object({
  key: v.literal('dropped'),
  type: v.literal('dropped'),
  items: v.array(v.object({ n: Seq, item: v.any() })),
  count: Seq,
});

type DroppedEntry = { n: number; item: DroppedItem };

const eventKey = (seq: number): string => `e:${String(seq).padStart(12, '0')}`;
const clipKey = (seq: number): string => `c:${String(seq).padStart(12, '0')}`;
const dataKey = (seq: number): string => `d:${String(seq).padStart(12, '0')}`;

/** A clip as the recorder hands it over. */
export interface NewClip {
  eventId: string;
  kind: CameraEventKind;
  at: number;
  mimeType: string;
  startedAt: number;
  bytes: Uint8Array;
}

/** Events and clips kept until a desktop confirms them, within a quota. */
export class Outbox {
  readonly #store: ObjectStore;
  readonly #quota: number;
  readonly #items: OutboxItem[] = [];
  #nextSeq = 0;
  #dropped: DroppedEntry[] = [];
  #dropCount = 0;
  #ackedUpTo = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #onChange: () => void = () => undefined;

  private constructor(store: ObjectStore, quotaBytes: number) {
    this.#store = store;
    this.#quota = quotaBytes;
  }

  /** Load what a previous page left (malformed rows are deleted and logged). */
  static async open(store: ObjectStore, options: { quotaBytes?: number } = {}): Promise<Outbox> {
    const outbox = new Outbox(store, options.quotaBytes ?? DEFAULT_OUTBOX_QUOTA_BYTES);
    await outbox.#load();
    return outbox;
  }

  /** Called whenever an item is added (the sender starts pumping). */
  set onChange(fn: () => void) {
    this.#onChange = fn;
  }

  /** Items in delivery order, oldest first. */
  get items(): readonly OutboxItem[] {
    return this.#items;
  }

  /** Bytes held. */
  get usedBytes(): number {
    return this.#items.reduce((sum, item) => sum + sizeOf(item), 0);
  }

  /** Keep an event. */
  addEvent(message: CameraEventMessage): Promise<void> {
    return this.#addEvent(message, message.kind, message.at);
  }

  /** Keep the end of an event sent earlier (its duration). */
  addEventEnd(message: EventEndMessage, event: { kind: CameraEventKind; at: number }): Promise<void> {
    return this.#addEvent(message, event.kind, event.at);
  }

  #addEvent(message: CameraEventMessage | EventEndMessage, kind: CameraEventKind, at: number): Promise<void> {
    return this.#serial(async () => {
      const bytes = JSON.stringify(message).length;
      const seq = this.#nextSeq++;
      if (!(await this.#makeRoom(bytes))) {
        await this.#recordDrops([{ eventId: message.id, kind, at, what: 'event', reason: 'too-large' }]);
        return;
      }
      const item: OutboxEvent = { type: 'event', seq, message, kind, at, bytes };
      await this.#store.put({ key: eventKey(seq), ...item });
      this.#items.push(item);
      this.#onChange();
    });
  }

  /** Keep a clip (its hash is computed here, once). */
  addClip(clip: NewClip): Promise<void> {
    return this.#serial(async () => {
      const seq = this.#nextSeq++;
      if (clip.bytes.length === 0 || !(await this.#makeRoom(clip.bytes.length))) {
        await this.#recordDrops([{ eventId: clip.eventId, kind: clip.kind, at: clip.at, what: 'clip', reason: 'too-large' }]);
        return;
      }
      const item: OutboxClip = {
        type: 'clip',
        seq,
        eventId: clip.eventId,
        kind: clip.kind,
        at: clip.at,
        mimeType: clip.mimeType,
        startedAt: clip.startedAt,
        sha256: await sha256Hex(clip.bytes),
        total: clip.bytes.length,
        acked: 0,
        attempts: 0,
      };
      // Bytes first, then the row that points at them: a crash in between leaves an orphan that #load removes.
      await this.#store.put({ key: dataKey(seq), type: 'clip-data', seq, data: clip.bytes });
      await this.#store.put({ key: clipKey(seq), ...item });
      this.#items.push(item);
      this.#onChange();
    });
  }

  /** The bytes of a clip being delivered. */
  async clipBytes(item: OutboxClip): Promise<Uint8Array | null> {
    const parsed = parseWith(DataRowSchema, await this.#store.get(dataKey(item.seq)));
    return parsed.ok ? parsed.value.data : null;
  }

  /** The desktop stored this event item: forget it. */
  ackEvent(item: OutboxEvent): Promise<void> {
    return this.#serial(async () => {
      if (this.#items.includes(item)) await this.#remove(item);
    });
  }

  /** The desktop holds `acked` bytes of a clip (kept across page reloads, so delivery resumes there). */
  clipProgress(eventId: string, acked: number, attempts?: number): Promise<void> {
    return this.#serial(async () => {
      const item = this.#findClip(eventId);
      if (!item) return;
      item.acked = Math.min(item.total, Math.max(0, acked));
      if (attempts !== undefined) item.attempts = attempts;
      await this.#store.put({ key: clipKey(item.seq), ...item });
    });
  }

  /** The desktop saved a clip: forget it. */
  completeClip(eventId: string): Promise<void> {
    return this.#serial(async () => {
      const item = this.#findClip(eventId);
      if (item) await this.#remove(item);
    });
  }

  /** Give up on a clip (it kept arriving corrupt); the owner is told. */
  dropClip(eventId: string, reason: DropReason): Promise<void> {
    return this.#serial(async () => {
      const item = this.#findClip(eventId);
      if (!item) return;
      await this.#remove(item);
      await this.#recordDrops([{ eventId, kind: item.kind, at: item.at, what: 'clip', reason }]);
    });
  }

  /** The notice of what was dropped and not yet acknowledged, or null. */
  droppedNotice(): DroppedNoticeMessage | null {
    if (this.#dropped.length === 0) return null;
    return {
      t: 'events-dropped',
      items: this.#dropped.map((d) => d.item),
      more: Math.max(0, this.#dropCount - this.#ackedUpTo - this.#dropped.length),
      upTo: this.#dropCount,
    };
  }

  /** The desktop showed drops 1..upTo: forget them. */
  ackDropped(upTo: number): Promise<void> {
    return this.#serial(async () => {
      this.#dropped = this.#dropped.filter((d) => d.n > upTo);
      this.#ackedUpTo = Math.max(this.#ackedUpTo, Math.min(upTo, this.#dropCount));
      await this.#saveDropped();
    });
  }

  #findClip(eventId: string): OutboxClip | undefined {
    return this.#items.find((i): i is OutboxClip => i.type === 'clip' && i.eventId === eventId);
  }

  /** Drop the oldest clips, then the oldest events, until `bytes` more fit. False when they never can. */
  async #makeRoom(bytes: number): Promise<boolean> {
    if (bytes > this.#quota) return false;
    const drops: DroppedItem[] = [];
    let used = this.usedBytes;
    while (used + bytes > this.#quota) {
      const victim = this.#items.find((i) => i.type === 'clip') ?? this.#items[0];
      if (!victim) break;
      used -= sizeOf(victim);
      await this.#remove(victim);
      if (victim.type === 'clip') {
        drops.push({ eventId: victim.eventId, kind: victim.kind, at: victim.at, what: 'clip', reason: 'quota' });
      } else if (victim.message.t === 'event') {
        drops.push({ eventId: victim.message.id, kind: victim.kind, at: victim.at, what: 'event', reason: 'quota' });
      }
      // A lost end message only loses a duration; the event itself was not dropped.
    }
    if (drops.length > 0) {
      log.warn('outbox full: dropped the oldest items', { dropped: drops.length });
      await this.#recordDrops(drops);
    }
    return true;
  }

  async #recordDrops(items: DroppedItem[]): Promise<void> {
    for (const item of items) this.#dropped.push({ n: ++this.#dropCount, item });
    // Bounded: the notice lists the newest drops and counts the rest.
    if (this.#dropped.length > MAX_DROPPED_ITEMS) this.#dropped = this.#dropped.slice(-MAX_DROPPED_ITEMS);
    await this.#saveDropped();
    this.#onChange();
  }

  #saveDropped(): Promise<void> {
    return this.#store.put({ key: 'dropped', type: 'dropped', items: this.#dropped, count: this.#dropCount, ackedUpTo: this.#ackedUpTo });
  }

  async #remove(item: OutboxItem): Promise<void> {
    if (item.type === 'event') {
      await this.#store.delete(eventKey(item.seq));
    } else {
      await this.#store.delete(clipKey(item.seq));
      await this.#store.delete(dataKey(item.seq));
    }
    const i = this.#items.indexOf(item);
    if (i >= 0) this.#items.splice(i, 1);
  }

  async #load(): Promise<void> {
    const rows = await this.#store.getAll();
    const dataSeqs = new Map<number, { key: string; size: number }>();
    const bad: string[] = [];
    for (const row of rows) {
      const key = (row as { key?: unknown } | null)?.key;
      const type = (row as { type?: unknown } | null)?.type;
      if (type === 'clip-data') {
        const parsed = parseWith(DataRowSchema, row);
        if (parsed.ok) dataSeqs.set(parsed.value.seq, { key: parsed.value.key, size: parsed.value.data.length });
        else if (typeof key === 'string') bad.push(key);
      } else if (type === 'event') {
        const parsed = parseWith(EventRowSchema, row);
        if (parsed.ok) {
          const { seq, message, kind, at, bytes } = parsed.value;
          this.#items.push({ type: 'event', seq, message: message as CameraEventMessage | EventEndMessage, kind: kind as CameraEventKind, at, bytes });
        }
        else if (typeof key === 'string') bad.push(key);
      } else if (type === 'clip') {
        const parsed = parseWith(ClipRowSchema, row);
        if (parsed.ok) {
          const { key: _key, ...item } = parsed.value;
          this.#items.push({ ...item, type: 'clip', kind: item.kind as CameraEventKind });
        } else if (typeof key === 'string') bad.push(key);
      } else if (type === 'dropped') {
        const parsed = parseWith(DroppedRowSchema, row);
        if (parsed.ok) {
          this.#dropped = parsed.value.items as DroppedEntry[];
          this.#dropCount = parsed.value.count;
          const acked = (row as { ackedUpTo?: unknown }).ackedUpTo;
          this.#ackedUpTo = typeof acked === 'number' && Number.isInteger(acked) ? acked : 0;
        } else if (typeof key === 'string') bad.push(key);
      } else if (typeof key === 'string') {
        bad.push(key);
      }
    }
    // A clip row whose bytes are missing (or bytes without a row: a crash between the two puts) is useless.
    for (const item of [...this.#items]) {
      if (item.type === 'clip' && dataSeqs.get(item.seq)?.size !== item.total) {
        bad.push(clipKey(item.seq));
        this.#items.splice(this.#items.indexOf(item), 1);
      }
    }
    const clipSeqs = new Set(this.#items.filter((i) => i.type === 'clip').map((i) => i.seq));
    for (const [seq, { key }] of dataSeqs) if (!clipSeqs.has(seq)) bad.push(key);
    for (const key of bad) await this.#store.delete(key);
    if (bad.length > 0) log.warn('outbox: removed unreadable rows', { count: bad.length });
    this.#items.sort((a, b) => a.seq - b.seq);
    this.#nextSeq = this.#items.reduce((max, i) => Math.max(max, i.seq + 1), 0);
  }

  /** One change at a time: IndexedDB transactions and the in-memory list stay in step. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function sizeOf(item: OutboxItem): number {
  return item.type === 'event' ? item.bytes : item.total;
}
