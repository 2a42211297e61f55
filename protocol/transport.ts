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
import { parseServerMessage } from './server-messages.ts';

const log = createLogger('transport');

/** Where the transport is: connecting, open, waiting to retry, refused because the ID is held, or closed by us. */
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

/** Timers, injectable for tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

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
      this.#scheduleRetry(new PawcamError('server-unreachable', `signaling server: ${message}`, { cause: err }));
    });
    peer.on('disconnected', () => {
      if (current()) this.#scheduleRetry(new PawcamError('server-unreachable', 'lost the connection to the server'));
    });
    peer.on('close', () => {
      if (current()) this.#scheduleRetry(new PawcamError('server-unreachable', 'the signaling connection closed'));
    });
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
