/** Fakes shared by the viewer's unit tests (no DOM, no network). */
import type { Envelope } from '../../../../protocol/envelope.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import type { SignalTransport, Timers, TransportEvents, TransportState } from '../../../../protocol/transport.ts';

/** A SignalTransport that records what is sent and lets a test play the server. */
export class FakeTransport extends TypedEmitter<TransportEvents> implements SignalTransport {
  readonly id: string;
  state: TransportState;
  readonly sent: { dst: string; envelope: Envelope }[] = [];
  started = 0;
  closed = 0;

  constructor(state: TransportState = 'open', id = 'viewer-test') {
    super();
    this.state = state;
    this.id = id;
  }

  send(dst: string, envelope: Envelope): void {
    this.sent.push({ dst, envelope });
  }

  start(): void {
    this.started++;
  }

  close(): void {
    this.closed++;
    this.state = 'closed';
  }

  /** The server delivers an envelope from `from`. */
  deliver(from: string, envelope: Envelope): void {
    this.emit('message', from, envelope);
  }

  /** The server says `peerId` could not be reached. */
  expire(peerId: string): void {
    this.emit('expire', peerId);
  }

  /** The connection to the server changes state. */
  setState(state: TransportState): void {
    this.state = state;
    this.emit('state', state, {});
  }

  /** Sent envelopes of one kind. */
  sentOf<K extends Envelope['kind']>(kind: K): { dst: string; envelope: Extract<Envelope, { kind: K }> }[] {
    return this.sent.filter((s): s is { dst: string; envelope: Extract<Envelope, { kind: K }> } => s.envelope.kind === kind);
  }
}

/** Timers a test drives by hand, with its own clock (so real awaits still work while time stands still). */
export class ManualTimers implements Timers {
  #now: number;
  #next = 1;
  readonly #due = new Map<number, { at: number; fn: () => void }>();

  constructor(now = 1_800_000_000_000) {
    this.#now = now;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  /** Timers not yet fired or cleared. */
  get pending(): number {
    return this.#due.size;
  }

  /** Move the clock on, firing what falls due in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.#due.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
    }
    this.#now = end;
  }
}
