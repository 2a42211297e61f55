/** Fakes shared by the viewer's unit tests (no DOM, no network). */
import type { Envelope } from '../../../protocol/envelope.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import type { SignalTransport, TransportEvents, TransportState } from '../../../protocol/transport.ts';

/** A SignalTransport that records what is sent and lets a test play the server. */
export class FakeTransport extends TypedEmitter<TransportEvents> implements SignalTransport {
  readonly id = 'viewer-test';
  state: TransportState;
  readonly sent: { dst: string; envelope: Envelope }[] = [];
  started = 0;
  closed = 0;

  constructor(state: TransportState = 'open') {
    super();
    this.state = state;
  }

  send(dst: string, envelope: Envelope): void {
    this.sent.push({ dst, envelope });
  }

  start(): void {
    this.started++;
  }

  close(): void {
    this.closed++;
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
