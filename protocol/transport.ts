/**
 * SignalTransport: how both apps reach each other through the PeerServer. The PeerJS client is used only for
 * registration, heartbeats and as the socket; it sits behind this interface so it can be swapped, and so the
 * reconnect logic is unit-tested with a fake peer.
 */
import { Backoff } from './backoff.ts';
import { relayTypeOf, parseEnvelope, type Envelope } from './envelope.ts';
import { PawcamError } from './errors.ts';
import { TypedEmitter } from './events.ts';
import { createLogger } from './log.ts';
import type { EnrollOutcome } from './enrollment.ts';
import { parseServerMessage, serverRefusal } from './server-messages.ts';
import { realTimers, type Timers } from './timers.ts';

const log = createLogger('transport');

/**
 * Where the transport is: connecting, open, waiting to retry, refused for good, or closed by us. `id-taken` is every
 * refusal a retry cannot fix; its error's code says which: `id-taken` (another device holds the ID), `not-enrolled`
 * (a closed server, and no enrollment that works), `superseded` (this ID connected again from another tab or device).
 */
export type TransportState = 'connecting' | 'open' | 'retrying' | 'id-taken' | 'closed';

/** Extra facts with a state change. */
export interface TransportStateDetail {
  /** Epoch ms of the next attempt (state `retrying`). */
  retryAt?: number;
  /** What went wrong, when something did. */
  error?: PawcamError;
}

/** Events of a SignalTransport. */
export type TransportEvents = {
  state: (state: TransportState, detail: TransportStateDetail) => void;
  /** A well-formed envelope from peer `from` (the server stamps `from`; nothing else in it is trusted). */
  message: (from: string, envelope: Envelope) => void;
  /** The server could not deliver our messages to `peerId`: it is not connected. */
  expire: (peerId: string) => void;
};

/** The interface both apps program against. */
export interface SignalTransport extends TypedEmitter<TransportEvents> {
  /** Our registered ID. */
  readonly id: string;
  readonly state: TransportState;
  /** Send an envelope to `dst`; queued (bounded) while not open. */
  send(dst: string, envelope: Envelope): void;
  /** Disconnect for good. */
  close(): void;
}

/** The part of a PeerJS `Peer` we use (structural, so protocol/ needs no DOM or peerjs import). */
export interface PeerLike {
  readonly socket: {
    on(event: 'message', fn: (data: unknown) => void): unknown;
    send(data: object): void;
  };
  on(event: 'open' | 'disconnected' | 'close' | 'error', fn: (arg?: unknown) => void): unknown;
  destroy(): void;
}

/** Make a PeerJS peer registering `id` with `token` (the app passes `(id, token) => new Peer(id, {...})`). */
export type PeerFactory = (id: string, token: string) => PeerLike;

export type { Timers } from './timers.ts';

/** Options of PeerjsTransport. */
export interface PeerjsTransportOptions {
  id: string;
  /** Kept with the ID across reconnects so the server lets us reclaim it. */
  token: string;
  createPeer: PeerFactory;
  backoff?: Backoff;
  timers?: Timers;
  /** Most envelopes kept while not open; older ones are dropped first. */
  maxQueue?: number;
  /** Give up on a connection attempt that has not opened after this long, and retry. */
  openTimeoutMs?: number;
  /**
   * Enroll the ID at a closed server (peer-server's `POST /enroll`) when the server says it is not enrolled; the
   * transport then connects again. Without it, or when it is refused, "not enrolled" is final.
   */
  enroll?: () => Promise<EnrollOutcome>;
}

/** SignalTransport over a PeerJS client, reconnecting with backoff for as long as it is not closed. */
export class PeerjsTransport extends TypedEmitter<TransportEvents> implements SignalTransport {
  readonly id: string;
  readonly #token: string;
  readonly #createPeer: PeerFactory;
  readonly #backoff: Backoff;
  readonly #timers: Timers;
  readonly #maxQueue: number;
  readonly #openTimeoutMs: number;
  readonly #enroll: (() => Promise<EnrollOutcome>) | null;
  /** Enrolled since the last refusal: a second "not enrolled" right after is final (no loop). */
  #enrolled = false;
  readonly #queue: { dst: string; envelope: Envelope }[] = [];
  #state: TransportState = 'closed';
  #peer: PeerLike | null = null;
  #retryTimer: unknown = null;
  #openTimer: unknown = null;

  constructor(options: PeerjsTransportOptions) {
    super();
    this.id = options.id;
    this.#token = options.token;
    this.#createPeer = options.createPeer;
    this.#backoff = options.backoff ?? new Backoff();
    this.#timers = options.timers ?? realTimers;
    this.#maxQueue = options.maxQueue ?? 64;
    this.#openTimeoutMs = options.openTimeoutMs ?? 10_000;
    this.#enroll = options.enroll ?? null;
  }

  get state(): TransportState {
    return this.#state;
  }

  /** Connect (and keep reconnecting). */
  start(): void {
    if (this.#state !== 'closed') return;
    this.#connect();
  }

  /** Give up any wait and connect now (e.g. the page came back to the foreground). */
  retryNow(): void {
    if (this.#state !== 'retrying') return;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#connect();
  }

  send(dst: string, envelope: Envelope): void {
    if (this.#state === 'open' && this.#peer) {
      this.#peer.socket.send({ type: relayTypeOf(envelope), dst, payload: envelope });
      return;
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#queue.shift();
      log.warn('send queue full; dropped the oldest message');
    }
    this.#queue.push({ dst, envelope });
  }

  close(): void {
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#dropPeer();
    this.#queue.length = 0;
    this.#setState('closed', {});
  }

  #connect(): void {
    this.#dropPeer();
    this.#setState('connecting', {});
    let peer: PeerLike;
    try {
      peer = this.#createPeer(this.id, this.#token);
    } catch (error) {
      this.#scheduleRetry(new PawcamError('server-unreachable', 'could not open the signaling socket', { cause: error }));
      return;
    }
    this.#peer = peer;
    const current = (): boolean => this.#peer === peer;
    // A socket can stay up without ever getting OPEN (PeerServer silently swaps sockets when a client reclaims
    // its ID while the server still holds the old one); never wait on it forever.
    this.#openTimer = this.#timers.setTimeout(() => {
      this.#openTimer = null;
      if (current()) this.#scheduleRetry(new PawcamError('server-unreachable', 'the server did not answer the registration'));
    }, this.#openTimeoutMs);
    peer.socket.on('message', (data) => {
      if (current()) this.#onServerMessage(data);
    });
    peer.on('open', () => {
      if (!current()) return;
      this.#clearOpenTimer();
      this.#backoff.reset();
      this.#enrolled = false;
      this.#setState('open', {});
      this.#flush();
    });
    peer.on('error', (err) => {
      if (!current()) return;
      const type = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
      // EXPIRE arrives on the socket too and is handled there; PeerJS also raises it as an error.
      if (type === 'peer-unavailable') return;
      if (type === 'unavailable-id') {
        this.#dropPeer();
        this.#setState('id-taken', { error: new PawcamError('id-taken', `the ID ${this.id} is registered by another device`) });
        return;
      }
      const message = err instanceof Error ? err.message : String(type ?? err);
      // Our server's refusals arrive as PeerServer ERROR messages, which PeerJS raises as 'server-error'.
      const refusal = type === 'server-error' ? serverRefusal(message) : null;
      if (refusal === 'superseded') {
        // Reclaiming would supersede the other tab in turn, and the two would take the ID from each other forever.
        this.#refuse(new PawcamError('superseded', 'this ID connected again from another tab or device, so the server closed this connection'));
        return;
      }
      if (refusal === 'not-enrolled') {
        this.#dropPeer();
        if (!this.#enroll || this.#enrolled) {
          this.#refuse(new PawcamError('not-enrolled', 'the server does not know this device: it needs an enrollment from the server’s owner (scan a pairing QR code)'));
          return;
        }
        void this.#enrollThenConnect(peer);
        return;
      }
      this.#scheduleRetry(new PawcamError('server-unreachable', `signaling server: ${message}`, { cause: err }));
    });
    peer.on('disconnected', () => {
      if (current()) this.#scheduleRetry(new PawcamError('server-unreachable', 'lost the connection to the server'));
    });
    peer.on('close', () => {
      if (current()) this.#scheduleRetry(new PawcamError('server-unreachable', 'the signaling connection closed'));
    });
  }

  async #enrollThenConnect(refusedBy: PeerLike): Promise<void> {
    this.#peer = refusedBy; // stays "current" while enrolling, so close() or a retry can supersede this attempt
    let outcome: EnrollOutcome;
    try {
      outcome = await this.#enroll!();
    } catch (error) {
      if (this.#peer !== refusedBy) return;
      this.#peer = null;
      this.#scheduleRetry(error instanceof PawcamError ? error : new PawcamError('server-unreachable', 'could not enroll with the server', { cause: error }));
      return;
    }
    if (this.#peer !== refusedBy) return;
    this.#peer = null;
    switch (outcome) {
      case 'enrolled':
        log.info('enrolled with the server; connecting again');
        this.#enrolled = true;
        this.#connect();
        return;
      case 'rate-limited':
        this.#scheduleRetry(new PawcamError('not-enrolled', 'the server is limiting enrollment attempts; trying again shortly'));
        return;
      case 'refused':
        this.#refuse(new PawcamError('not-enrolled', 'the server refused this device’s enrollment (the link or code was used, expired or revoked): ask for a new pairing QR code'));
        return;
    }
  }

  #refuse(error: PawcamError): void {
    this.#dropPeer();
    log.warn('the server refused this connection for good', { code: error.code });
    this.#setState('id-taken', { error });
  }

  #onServerMessage(data: unknown): void {
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      log.warn('dropped a malformed server message', { error: parsed.error });
      return;
    }
    const message = parsed.value;
    switch (message.type) {
      case 'OFFER':
      case 'ANSWER':
      case 'CANDIDATE': {
        const envelope = parseEnvelope(message.payload);
        if (!envelope.ok) {
          log.warn('dropped a malformed envelope', { from: message.src, error: envelope.error });
          return;
        }
        this.emit('message', message.src, envelope.value);
        return;
      }
      case 'EXPIRE':
        this.emit('expire', message.src);
        return;
      default:
        // OPEN, HEARTBEAT, ID-TAKEN, ERROR and LEAVE reach us through the PeerJS client's own events.
        return;
    }
  }

  #flush(): void {
    const pending = this.#queue.splice(0);
    for (const { dst, envelope } of pending) this.send(dst, envelope);
  }

  #scheduleRetry(error: PawcamError): void {
    if (this.#state === 'closed' || this.#state === 'id-taken' || this.#state === 'retrying') return;
    this.#dropPeer();
    const delay = this.#backoff.next();
    const retryAt = this.#timers.now() + delay;
    log.info('signaling disconnected; retrying', { delayMs: delay, error: error.message });
    this.#setState('retrying', { retryAt, error });
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delay);
  }

  #clearOpenTimer(): void {
    if (this.#openTimer !== null) this.#timers.clearTimeout(this.#openTimer);
    this.#openTimer = null;
  }

  #dropPeer(): void {
    this.#clearOpenTimer();
    const peer = this.#peer;
    this.#peer = null;
    if (peer) {
      try {
        peer.destroy();
      } catch (error) {
        log.debug('peer.destroy threw', { error: String(error) });
      }
    }
  }

  #setState(state: TransportState, detail: TransportStateDetail): void {
    this.#state = state;
    this.emit('state', state, detail);
  }
}
