/** A SignalTransport for unit tests: records what is sent and lets a test play the server. */
import type { Envelope } from '../envelope.ts';
import { TypedEmitter } from '../events.ts';
import type { SignalTransport, TransportEvents, TransportState, TransportStateDetail } from '../transport.ts';

/** What a test sees of one sent envelope. */
export interface Sent {
  dst: string;
  envelope: Envelope;
}

/** A SignalTransport that records what is sent and lets a test deliver, expire and change state. */
export class FakeTransport extends TypedEmitter<TransportEvents> implements SignalTransport {
  readonly id: string;
  state: TransportState;
  readonly sent: Sent[] = [];
  /** Called on every send (a test can answer as the other end). */
  onSend: (dst: string, envelope: Envelope) => void = () => undefined;
  started = 0;
  closed = 0;

  constructor(state: TransportState = 'open', id = 'viewer-test') {
    super();
    this.state = state;
    this.id = id;
  }

  send(dst: string, envelope: Envelope): void {
    this.sent.push({ dst, envelope });
    this.onSend(dst, envelope);
  }

  start(): void {
    this.started++;
  }

  close(): void {
    this.closed++;
    this.state = 'closed';
  }

  /** The server relays `envelope` from `from` (typed loosely: tests also push garbage through). */
  deliver(from: string, envelope: unknown): void {
    this.emit('message', from, envelope as Envelope);
  }

  /** The server says `peerId` could not be reached. */
  expire(peerId: string): void {
    this.emit('expire', peerId);
  }

  /** The connection to the server changes state. */
  setState(state: TransportState, detail: TransportStateDetail = {}): void {
    this.state = state;
    this.emit('state', state, detail);
  }

  /** Sent envelopes of one kind. */
  sentOf<K extends Envelope['kind']>(kind: K): { dst: string; envelope: Extract<Envelope, { kind: K }> }[] {
    return this.sent.filter((s): s is { dst: string; envelope: Extract<Envelope, { kind: K }> } => s.envelope.kind === kind);
  }
}
