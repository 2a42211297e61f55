/**
 * The answering side of watch sessions: viewers dial, the camera answers each offer with its stream over
 * simple-peer. One session per viewer ID, several viewers at once. Everything arriving here comes from the network
 * (through the transport, which has already parsed it against the envelope schema) and is handled without ever
 * throwing back into the transport.
 */
import { encodeDataMessage, parseDataMessage, type DataMessage } from '../../protocol/messages.ts';
import { fromWireSignal, toWireSignal, type Envelope, type SignalEnvelope } from '../../protocol/envelope.ts';
import { missingCase } from '../../protocol/errors.ts';
import { TypedEmitter } from '../../protocol/events.ts';
import { createLogger } from '../../protocol/log.ts';
import type { SignalTransport, Timers } from '../../protocol/transport.ts';

const log = createLogger('camera-sessions');

/** The part of a simple-peer instance the camera uses (tests hand in fakes). */
export interface AnsweringPeer {
  on(event: 'signal' | 'data', listener: (data: unknown) => void): unknown;
  on(event: 'connect' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  signal(data: object): void;
  send(data: string): void;
  destroy(): void;
}

/** What the camera passes to the simple-peer constructor. */
export interface AnsweringPeerOptions {
  initiator: false;
  trickle: true;
  stream: MediaStream;
  config: RTCConfiguration;
}

/** A simple-peer-like constructor (`SimplePeer` from 'simple-peer/simplepeer.min.js' in the page). */
export type AnsweringPeerConstructor = new (options: AnsweringPeerOptions) => AnsweringPeer;

/** Events of CameraSessions. */
export type CameraSessionsEvents = {
  /** The number of viewers with a live connection changed. */
  viewers: (count: number) => void;
  /** A well-formed data-channel message from a connected viewer. */
  message: (viewerId: string, message: DataMessage) => void;
};

/** Options of CameraSessions. */
export interface CameraSessionsOptions {
  transport: Pick<SignalTransport, 'on' | 'send'>;
  stream: MediaStream;
  SimplePeer: AnsweringPeerConstructor;
  /** The camera's display name (sent in pongs and the data-channel hello). */
  name: string;
  /** RTC configuration; no ICE servers by default, so no third party is contacted. */
  rtcConfig?: RTCConfiguration;
  /** Most sessions at once; offers beyond it are refused (an old phone cannot encode for a crowd). */
  maxSessions?: number;
  /** A session that has not connected after this many ms is dropped (the viewer vanished mid-handshake). */
  connectTimeoutMs?: number;
  timers?: Timers;
}

interface Session {
  readonly viewerId: string;
  readonly sid: string;
  readonly peer: AnsweringPeer;
  connected: boolean;
  ended: boolean;
  timer: unknown;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** Answers viewers' offers with the camera's stream; emits the live viewer count. */
export class CameraSessions extends TypedEmitter<CameraSessionsEvents> {
  readonly #transport: Pick<SignalTransport, 'on' | 'send'>;
  readonly #stream: MediaStream;
  readonly #SimplePeer: AnsweringPeerConstructor;
  readonly #rtcConfig: RTCConfiguration;
  readonly #maxSessions: number;
  readonly #connectTimeoutMs: number;
  readonly #timers: Timers;
  /** Keyed by viewer ID: one session per viewer. */
  readonly #sessions = new Map<string, Session>();
  readonly #unsubscribe: (() => void)[];
  #name: string;
  #viewerCount = 0;
  #closed = false;

  constructor(options: CameraSessionsOptions) {
    super();
    this.#transport = options.transport;
    this.#stream = options.stream;
    this.#SimplePeer = options.SimplePeer;
    this.#name = options.name;
    this.#rtcConfig = options.rtcConfig ?? { iceServers: [] };
    this.#maxSessions = options.maxSessions ?? 8;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#timers = options.timers ?? realTimers;
    this.#unsubscribe = [
      this.#transport.on('message', (from, envelope) => this.#guard('envelope', () => this.#onEnvelope(from, envelope))),
      this.#transport.on('expire', (peerId) => this.#guard('expire', () => this.#onExpire(peerId))),
    ];
  }

  /** Viewers with a live connection. */
  get viewerCount(): number {
    return this.#viewerCount;
  }

  /** IDs of the viewers with a live connection. */
  get viewerIds(): string[] {
    return [...this.#sessions.values()].filter((s) => s.connected).map((s) => s.viewerId);
  }

  /** Change the display name; connected viewers are told at once. */
  setName(name: string): void {
    this.#name = name;
    for (const session of this.#sessions.values()) if (session.connected) this.#sendHello(session);
  }

  /** Send a data-channel message to every connected viewer. */
  broadcast(message: DataMessage): void {
    const text = encodeDataMessage(message);
    for (const session of this.#sessions.values()) if (session.connected) this.#sendData(session, text);
  }

  /** End every session (telling each viewer) and stop listening to the transport. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    for (const session of [...this.#sessions.values()]) this.#end(session, 'camera stopped');
    this.removeAllListeners();
  }

  #onEnvelope(from: string, envelope: Envelope): void {
    if (this.#closed) return;
    switch (envelope.kind) {
      case 'signal':
        this.#onSignal(from, envelope);
        return;
      case 'ping':
        this.#transport.send(from, { v: 1, kind: 'pong', nonce: envelope.nonce, name: this.#name });
        return;
      case 'hangup': {
        const session = this.#sessions.get(from);
        if (session && session.sid === envelope.sid) {
          log.info('viewer hung up', { viewer: from, sid: envelope.sid });
          this.#end(session, null);
        } else {
          log.debug('hangup for an unknown session', { from, sid: envelope.sid });
        }
        return;
      }
      case 'pong':
        log.debug('ignored a pong (cameras do not ping)', { from });
        return;
      case 'pair-request':
      case 'pair-accept':
      case 'pair-done':
      case 'pair-error':
        // Pairing is another module's conversation on the same transport.
        return;
      default:
        missingCase(envelope);
    }
  }

  #onSignal(from: string, envelope: SignalEnvelope): void {
    const existing = this.#sessions.get(from);
    if (existing && existing.sid === envelope.sid) {
      existing.peer.signal(fromWireSignal(envelope.signal));
      return;
    }
    if (envelope.signal.type !== 'offer') {
      log.debug('dropped a signal for an unknown session', { from, sid: envelope.sid, type: envelope.signal.type });
      return;
    }
    // The viewer re-dialled (reload, retry, healing): its old session is dead to it, so free it before answering.
    if (existing) {
      log.info('viewer dialled again; replacing its session', { viewer: from, old: existing.sid, sid: envelope.sid });
      this.#end(existing, null);
    }
    if (this.#sessions.size >= this.#maxSessions) {
      log.warn('too many viewers; refused an offer', { viewer: from, max: this.#maxSessions });
      this.#transport.send(from, { v: 1, kind: 'hangup', sid: envelope.sid, reason: 'busy' });
      return;
    }
    const session = this.#answer(from, envelope.sid);
    session.peer.signal(fromWireSignal(envelope.signal));
  }

  #answer(viewerId: string, sid: string): Session {
    const peer = new this.#SimplePeer({ initiator: false, trickle: true, stream: this.#stream, config: this.#rtcConfig });
    const session: Session = { viewerId, sid, peer, connected: false, ended: false, timer: null };
    this.#sessions.set(viewerId, session);
    log.info('answering a viewer', { viewer: viewerId, sid });
    session.timer = this.#timers.setTimeout(() => {
      session.timer = null;
      if (!session.connected && !session.ended) {
        log.warn('viewer did not connect in time', { viewer: viewerId, sid });
        this.#end(session, 'connect timeout');
      }
    }, this.#connectTimeoutMs);

    const live = (what: string, fn: () => void) =>
      this.#guard(what, () => {
        if (!session.ended) fn();
      });
    peer.on('signal', (data) =>
      live('signal', () => {
        const signal = toWireSignal(data);
        if (!signal) {
          log.warn('simple-peer emitted a signal we do not relay', { sid });
          return;
        }
        this.#transport.send(viewerId, { v: 1, kind: 'signal', sid, signal });
      }),
    );
    peer.on('connect', () =>
      live('connect', () => {
        session.connected = true;
        this.#timers.clearTimeout(session.timer);
        session.timer = null;
        log.info('viewer connected', { viewer: viewerId, sid });
        this.#sendHello(session);
        this.#updateCount();
      }),
    );
    peer.on('data', (data) =>
      live('data', () => {
        const parsed = parseDataMessage(data);
        if (!parsed.ok) {
          log.warn('dropped a malformed data-channel message', { viewer: viewerId, error: parsed.error });
          return;
        }
        this.emit('message', viewerId, parsed.value);
      }),
    );
    peer.on('close', () =>
      live('close', () => {
        log.info('session closed', { viewer: viewerId, sid });
        this.#end(session, null);
      }),
    );
    peer.on('error', (error) =>
      live('error', () => {
        log.warn('session failed', { viewer: viewerId, sid, error: error instanceof Error ? error.message : String(error) });
        this.#end(session, 'connection failed');
      }),
    );
    return session;
  }

  #onExpire(peerId: string): void {
    // The server could not deliver to this viewer: a handshake in progress cannot finish. A connected session
    // runs peer to peer and does not need the server, so it stays.
    const session = this.#sessions.get(peerId);
    if (session && !session.connected) {
      log.info('viewer left the server mid-handshake', { viewer: peerId, sid: session.sid });
      this.#end(session, null);
    }
  }

  /** Free a session; `notify` (a reason) tells the viewer with a hangup, for ends the viewer did not ask for. */
  #end(session: Session, notify: string | null): void {
    if (session.ended) return;
    session.ended = true;
    if (this.#sessions.get(session.viewerId) === session) this.#sessions.delete(session.viewerId);
    this.#timers.clearTimeout(session.timer);
    session.timer = null;
    if (notify !== null) this.#transport.send(session.viewerId, { v: 1, kind: 'hangup', sid: session.sid, reason: notify });
    try {
      session.peer.destroy();
    } catch (error) {
      log.debug('peer.destroy threw', { error: String(error) });
    }
    this.#updateCount();
  }

  #sendHello(session: Session): void {
    this.#sendData(session, encodeDataMessage({ t: 'hello', name: this.#name }));
  }

  #sendData(session: Session, text: string): void {
    try {
      session.peer.send(text);
    } catch (error) {
      log.warn('could not send on the data channel', { viewer: session.viewerId, error: String(error) });
    }
  }

  #updateCount(): void {
    let count = 0;
    for (const session of this.#sessions.values()) if (session.connected) count++;
    if (count === this.#viewerCount) return;
    this.#viewerCount = count;
    this.emit('viewers', count);
  }

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      log.error(`handling ${what} failed`, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
