/**
 * Delivers the outbox to a connected desktop over the data channel, oldest item first, one item at a time: an
 * event waits for its `event-ack`; a clip goes in chunks with a small window of unacknowledged bytes, and the
 * desktop's acks say how much it holds — so after a break (either side crashed, the link dropped) delivery resumes
 * from what the desktop really has, not from what the camera last sent. Dropped-item notices go first.
 */
import { CLIP_CHUNK_BYTES, encodeBase64, type EventMessage } from '../../../protocol/event-messages.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { Timers } from '../../../protocol/timers.ts';
import type { Outbox, OutboxClip, OutboxItem } from './outbox.ts';

const log = createLogger('outbox-sender');

/** Options of OutboxSender. */
export interface OutboxSenderOptions {
  outbox: Outbox;
  /** Sends one message; throws when the channel is gone. */
  send(message: EventMessage): void;
  timers: Timers;
  /** Resend what is unacknowledged after this long (default 15 s). */
  ackTimeoutMs?: number;
  /** Chunks in flight at once (default 4). */
  windowChunks?: number;
  /** A clip the desktop found corrupt this many times is dropped (default 3). */
  maxAttempts?: number;
}

interface Current {
  item: OutboxItem;
  bytes: Uint8Array | null;
  sent: number;
  /** A `resume` to this offset was already followed; more of them are echoes of chunks still in flight. */
  resyncAt: number | null;
}

/** Pumps the outbox into a data channel while a desktop is connected. */
export class OutboxSender {
  readonly #o: Required<Omit<OutboxSenderOptions, 'outbox' | 'send' | 'timers'>> & OutboxSenderOptions;
  #connected = false;
  #current: Current | null = null;
  #noticeSentUpTo = -1;
  #timer: unknown = null;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: OutboxSenderOptions) {
    this.#o = { ackTimeoutMs: 15_000, windowChunks: 4, maxAttempts: 3, ...options };
    options.outbox.onChange = () => this.#enqueue(() => this.#pump());
  }

  /** A desktop is connected: start delivering. */
  connect(): Promise<void> {
    this.#connected = true;
    this.#noticeSentUpTo = -1;
    this.#current = null;
    return this.#enqueue(() => this.#pump());
  }

  /** The channel closed: stop (what was not acknowledged stays in the outbox). */
  disconnect(): void {
    this.#connected = false;
    this.#current = null;
    this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Everything queued so far has been handled (for tests and shutdown). */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** An ack from the desktop (already parsed). Other message types are ignored. */
  handle(message: EventMessage): Promise<void> {
    return this.#enqueue(() => this.#handle(message));
  }

  async #handle(message: EventMessage): Promise<void> {
    const { outbox } = this.#o;
    const current = this.#current;
    switch (message.t) {
      case 'event-ack':
        // Only the item in flight can be acknowledged: an event and its end share an id, and a stale ack for the
        // first must not remove the second.
        if (current?.item.type !== 'event' || current.item.message.id !== message.id) return;
        await outbox.ackEvent(current.item);
        this.#next();
        return this.#pump();
      case 'events-dropped-ack':
        await outbox.ackDropped(message.upTo);
        return;
      case 'clip-ack': {
        if (current?.item.type !== 'clip' || current.item.eventId !== message.eventId) return;
        const clip = current.item;
        switch (message.status) {
          case 'complete':
            await outbox.completeClip(clip.eventId);
            this.#next();
            return this.#pump();
          case 'stored':
            if (message.offset > clip.acked) {
              current.resyncAt = null;
              await outbox.clipProgress(clip.eventId, message.offset);
            }
            if (current.sent < clip.acked) current.sent = clip.acked;
            return this.#sendChunks(current, clip);
          case 'resume':
            if (current.resyncAt === message.offset) return;
            current.resyncAt = message.offset;
            current.sent = Math.min(message.offset, clip.total);
            await outbox.clipProgress(clip.eventId, current.sent);
            return this.#sendChunks(current, clip);
          case 'corrupt': {
            const attempts = clip.attempts + 1;
            if (attempts >= this.#o.maxAttempts) {
              log.warn('clip dropped: the desktop found it corrupt every time', { eventId: clip.eventId, attempts });
              await outbox.dropClip(clip.eventId, 'corrupt');
              this.#next();
              return this.#pump();
            }
            current.sent = 0;
            current.resyncAt = 0;
            await outbox.clipProgress(clip.eventId, 0, attempts);
            return this.#sendChunks(current, clip);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  #next(): void {
    this.#current = null;
    this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #pump(): Promise<void> {
    if (!this.#connected) return;
    const notice = this.#o.outbox.droppedNotice();
    if (notice && notice.upTo !== this.#noticeSentUpTo && this.#send(notice)) this.#noticeSentUpTo = notice.upTo;
    if (this.#current) return;
    const item = this.#o.outbox.items[0];
    if (!item) return;
    const current: Current = { item, bytes: null, sent: 0, resyncAt: null };
    this.#current = current;
    if (item.type === 'event') {
      this.#send(item.message);
      this.#armTimeout();
      return;
    }
    current.bytes = await this.#o.outbox.clipBytes(item);
    if (!current.bytes) {
      await this.#o.outbox.dropClip(item.eventId, 'corrupt');
      this.#next();
      return this.#pump();
    }
    this.#restart(current, item);
  }

  /**
   * Send again from what the desktop holds. When it holds everything but its `complete` was lost, the last chunk
   * goes once more: the desktop answers a chunk of a finished clip with `complete`.
   */
  #restart(current: Current, clip: OutboxClip): void {
    current.sent = clip.acked < clip.total ? clip.acked : Math.max(0, clip.total - CLIP_CHUNK_BYTES);
    current.resyncAt = null;
    this.#sendChunks(current, clip);
  }

  #sendChunks(current: Current, clip: OutboxClip): void {
    const bytes = current.bytes;
    if (!bytes || this.#current !== current || !this.#connected) return;
    const window = this.#o.windowChunks * CLIP_CHUNK_BYTES;
    while (current.sent < clip.total && current.sent - clip.acked < window) {
      const end = Math.min(clip.total, current.sent + CLIP_CHUNK_BYTES);
      const ok = this.#send({
        t: 'clip-chunk',
        eventId: clip.eventId,
        offset: current.sent,
        total: clip.total,
        sha256: clip.sha256,
        mimeType: clip.mimeType,
        startedAt: clip.startedAt,
        data: encodeBase64(bytes.subarray(current.sent, end)),
      });
      if (!ok) return;
      current.sent = end;
    }
    this.#armTimeout();
  }

  #armTimeout(): void {
    this.#o.timers.clearTimeout(this.#timer);
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = null;
      void this.#enqueue(async () => {
        const current = this.#current;
        if (!current || !this.#connected) return;
        log.info('no ack in time: sending again', { type: current.item.type });
        if (current.item.type === 'event') {
          this.#send(current.item.message);
          this.#armTimeout();
        } else {
          this.#restart(current, current.item);
        }
      });
    }, this.#o.ackTimeoutMs);
  }

  #send(message: EventMessage): boolean {
    try {
      this.#o.send(message);
      return true;
    } catch (error) {
      log.info('event channel closed while sending', { error: String(error) });
      this.disconnect();
      return false;
    }
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op).catch((error: unknown) => log.error('outbox delivery failed', { error: String(error) }));
    this.#queue = run;
    return run;
  }
}
