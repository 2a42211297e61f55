/**
 * One attempt to watch one camera: the viewer dials with simple-peer as the initiator and the camera answers. Every
 * signal of the attempt carries its session ID, and only signals from that camera with that ID are accepted. A session
 * ends exactly once, with a reason that says whether dialling again could help — the seam for automatic re-dial.
 */
import { fromWireSignal, toWireSignal, type Envelope } from '../../../protocol/envelope.ts';
import { PawcamError, toPawcamError } from '../../../protocol/errors.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import { newSessionId } from '../../../protocol/ids.ts';
import { createLogger } from '../../../protocol/log.ts';
import { parseDataMessage } from '../../../protocol/messages.ts';
import type { SignalTransport } from '../../../protocol/transport.ts';
import { globalTimers, type Timers } from './timers.ts';

const log = createLogger('watch-session');

/** Where a watch is. */
export type WatchPhase = 'idle' | 'connecting' | 'live' | 'ended';

/** Why a watch ended. */
export type EndCode =
  /** The user stopped watching. */
  | 'stopped'
  /** The camera sent a hangup. */
  | 'camera-hung-up'
  /** The server could not deliver our offer: the camera is not connected. */
  | 'camera-offline'
  /** The peer connection closed (the camera page closed, or the network went away). */
  | 'connection-closed'
  /** The connection was lost and did not come back in time. */
  | 'connection-lost'
  /** WebRTC failed (ICE, SDP, data channel). */
  | 'connection-failed'
  /** No connection within the time allowed. */
  | 'timeout';

/** The reason a watch ended, in words, and whether a re-dial might succeed. */
export interface EndReason {
  readonly code: EndCode;
  /** A human sentence for the UI. */
  readonly message: string;
  /** Dialling again could help (false only when the user stopped). */
  readonly retryable: boolean;
  /** The failure behind it, for reasons that are errors. */
  readonly error?: PawcamError;
}

/** Events of a watch. */
export type WatchEvents = {
  connecting: () => void;
  /** The peer connection is up (data channel open). */
  live: () => void;
  /** The camera's media arrived. */
  stream: (stream: MediaStream) => void;
  /** The camera said its name on the data channel. */
  hello: (name: string) => void;
  /** Something failed; an 'ended' follows. */
  error: (error: PawcamError) => void;
  /** The watch is over (emitted once). */
  ended: (reason: EndReason) => void;
};

/**
 * What the viewer needs from a watch. WatchSession is one attempt; a re-dialling watch (issue 5) can implement the
 * same interface on top of a series of sessions.
 */
export interface Watch extends TypedEmitter<WatchEvents> {
  readonly cameraId: string;
  readonly phase: WatchPhase;
  readonly stream: MediaStream | null;
  readonly remoteName: string | null;
  readonly endReason: EndReason | null;
  start(): void;
  stop(): void;
}

/** The options the viewer gives simple-peer. */
export interface DialOptions {
  initiator: true;
  trickle: true;
  config: { iceServers: RTCIceServer[] };
  offerOptions: { offerToReceiveAudio: true; offerToReceiveVideo: true };
}

/** The part of a simple-peer instance a session uses (structural, so tests can hand in a fake). */
export interface SimplePeerLike {
  on(event: 'signal', fn: (data: unknown) => void): unknown;
  on(event: 'connect' | 'close', fn: () => void): unknown;
  on(event: 'stream', fn: (stream: MediaStream) => void): unknown;
  on(event: 'data', fn: (data: unknown) => void): unknown;
  on(event: 'error', fn: (error: unknown) => void): unknown;
  on(event: 'iceStateChange', fn: (iceConnectionState: string) => void): unknown;
  signal(data: object): void;
  destroy(): void;
}

/** Makes the simple-peer instance for a session. */
export type CreatePeer = (options: DialOptions) => SimplePeerLike;

/** Options of WatchSession. */
export interface WatchSessionOptions {
  cameraId: string;
  transport: SignalTransport;
  createPeer: CreatePeer;
  /** Session ID (fresh by default). */
  sid?: string;
  timers?: Timers;
  /** ICE servers; none by default (no third-party STUN). */
  iceServers?: RTCIceServer[];
  /** Give up when not connected after this long, ms. */
  connectTimeoutMs?: number;
  /** How long an ICE 'disconnected' may last before the session counts as lost, ms. */
  disconnectGraceMs?: number;
}

const CONNECT_TIMEOUT_MS = 20_000;
const DISCONNECT_GRACE_MS = 8000;

/** One dial of one camera. */
export class WatchSession extends TypedEmitter<WatchEvents> implements Watch {
  readonly cameraId: string;
  readonly sid: string;
  readonly #transport: SignalTransport;
  readonly #createPeer: CreatePeer;
  readonly #timers: Timers;
  readonly #iceServers: RTCIceServer[];
  readonly #connectTimeoutMs: number;
  readonly #disconnectGraceMs: number;
  readonly #unsubscribe: (() => void)[] = [];
  #phase: WatchPhase = 'idle';
  #peer: SimplePeerLike | null = null;
  #stream: MediaStream | null = null;
  #remoteName: string | null = null;
  #endReason: EndReason | null = null;
  #connectTimer: unknown = null;
  #graceTimer: unknown = null;

  constructor(options: WatchSessionOptions) {
    super();
    this.cameraId = options.cameraId;
    this.sid = options.sid ?? newSessionId();
    this.#transport = options.transport;
    this.#createPeer = options.createPeer;
    this.#timers = options.timers ?? globalTimers;
    this.#iceServers = options.iceServers ?? [];
    this.#connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.#disconnectGraceMs = options.disconnectGraceMs ?? DISCONNECT_GRACE_MS;
  }

  get phase(): WatchPhase {
    return this.#phase;
  }

  /** The camera's media, once it arrived. */
  get stream(): MediaStream | null {
    return this.#stream;
  }

  /** The name the camera gave in its hello. */
  get remoteName(): string | null {
    return this.#remoteName;
  }

  get endReason(): EndReason | null {
    return this.#endReason;
  }

  /** Dial the camera. */
  start(): void {
    if (this.#phase !== 'idle') return;
    this.#phase = 'connecting';
    this.#unsubscribe.push(
      this.#transport.on('message', (from, envelope) => this.#onEnvelope(from, envelope)),
      this.#transport.on('expire', (peerId) => {
        // The server could not deliver to the camera: while dialling that means our offer is lost too.
        if (peerId === this.cameraId && this.#phase === 'connecting') {
          this.#end({ code: 'camera-offline', message: 'The camera is offline.', retryable: true, error: new PawcamError('peer-unavailable', 'the camera is not connected to the server') });
        }
      }),
    );
    this.emit('connecting');
    let peer: SimplePeerLike;
    try {
      peer = this.#createPeer({
        initiator: true,
        trickle: true,
        config: { iceServers: this.#iceServers },
        offerOptions: { offerToReceiveAudio: true, offerToReceiveVideo: true },
      });
    } catch (error) {
      this.#fail(toPawcamError(error, 'unsupported-browser'));
      return;
    }
    this.#peer = peer;
    this.#connectTimer = this.#timers.setTimeout(() => {
      this.#connectTimer = null;
      this.#end({
        code: 'timeout',
        message: 'The camera did not answer in time.',
        retryable: true,
        error: new PawcamError('connection-failed', `no connection after ${Math.round(this.#connectTimeoutMs / 1000)} s`),
      });
    }, this.#connectTimeoutMs);
    peer.on('signal', (data) => this.#onLocalSignal(data));
    peer.on('connect', () => {
      if (this.#peer !== peer || this.#phase !== 'connecting') return;
      this.#timers.clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
      this.#phase = 'live';
      log.info('live', { cameraId: this.cameraId, sid: this.sid });
      this.emit('live');
    });
    peer.on('stream', (stream) => {
      if (this.#peer !== peer) return;
      this.#stream = stream;
      this.emit('stream', stream);
    });
    peer.on('data', (data) => this.#onData(data));
    peer.on('iceStateChange', (state) => this.#onIceState(state));
    peer.on('error', (error) => {
      if (this.#peer !== peer) return;
      this.#fail(new PawcamError('connection-failed', describePeerError(error), { cause: error }));
    });
    peer.on('close', () => {
      if (this.#peer !== peer) return;
      this.#end({ code: 'connection-closed', message: 'The connection to the camera closed.', retryable: true });
    });
  }

  /** Stop watching: tell the camera (so it frees the session) and close the connection. */
  stop(): void {
    if (this.#phase === 'ended') return;
    this.#end({ code: 'stopped', message: 'Stopped.', retryable: false });
  }

  #onLocalSignal(data: unknown): void {
    if (this.#phase === 'ended') return;
    const signal = toWireSignal(data);
    if (!signal) {
      log.warn('simple-peer emitted a signal we do not relay', { sid: this.sid });
      return;
    }
    this.#transport.send(this.cameraId, { v: 1, kind: 'signal', sid: this.sid, signal });
  }

  #onEnvelope(from: string, envelope: Envelope): void {
    // The server stamps `from`; the sid ties the message to this attempt. Anything else is not ours.
    if (from !== this.cameraId) return;
    if (envelope.kind === 'hangup') {
      if (envelope.sid !== this.sid) return;
      this.#end({ code: 'camera-hung-up', message: 'The camera ended the session.', retryable: true });
      return;
    }
    if (envelope.kind !== 'signal') return;
    if (envelope.sid !== this.sid) {
      log.debug('dropped a signal of another session', { sid: envelope.sid });
      return;
    }
    if (envelope.signal.type === 'offer') {
      log.warn('dropped an offer from the camera (the viewer dials)', { sid: this.sid });
      return;
    }
    const peer = this.#peer;
    if (!peer || this.#phase === 'ended') return;
    try {
      peer.signal(fromWireSignal(envelope.signal));
    } catch (error) {
      this.#fail(new PawcamError('connection-failed', 'could not apply the camera\'s signal', { cause: error }));
    }
  }

  #onData(data: unknown): void {
    const parsed = parseDataMessage(data);
    if (!parsed.ok) {
      log.warn('dropped a malformed data-channel message', { error: parsed.error });
      return;
    }
    switch (parsed.value.t) {
      case 'hello':
        this.#remoteName = parsed.value.name;
        this.emit('hello', parsed.value.name);
        return;
      default:
        // A newer camera may send messages this viewer does not know yet; they are not errors.
        log.debug('ignored a data-channel message', { t: (parsed.value as { t: string }).t });
    }
  }

  #onIceState(state: string): void {
    if (this.#phase !== 'live') return;
    if (state === 'disconnected') {
      if (this.#graceTimer !== null) return;
      // Chrome reports 'disconnected' on a brief network hiccup and may recover by itself; give it a moment.
      this.#graceTimer = this.#timers.setTimeout(() => {
        this.#graceTimer = null;
        this.#end({ code: 'connection-lost', message: 'The connection to the camera was lost.', retryable: true });
      }, this.#disconnectGraceMs);
    } else if (state === 'connected' || state === 'completed') {
      this.#timers.clearTimeout(this.#graceTimer);
      this.#graceTimer = null;
    }
  }

  #fail(error: PawcamError): void {
    if (this.#phase === 'ended') return;
    log.warn('watch failed', { cameraId: this.cameraId, sid: this.sid, code: error.code, error: error.message });
    this.emit('error', error);
    this.#end({ code: 'connection-failed', message: `The connection failed: ${error.message}`, retryable: true, error });
  }

  #end(reason: EndReason): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    this.#endReason = reason;
    this.#timers.clearTimeout(this.#connectTimer);
    this.#timers.clearTimeout(this.#graceTimer);
    this.#connectTimer = null;
    this.#graceTimer = null;
    // Tell the camera unless it told us: it frees the phone's encoder and the session.
    if (reason.code !== 'camera-hung-up') {
      this.#transport.send(this.cameraId, { v: 1, kind: 'hangup', sid: this.sid });
    }
    for (const off of this.#unsubscribe.splice(0)) off();
    const peer = this.#peer;
    this.#peer = null;
    if (peer) {
      try {
        peer.destroy();
      } catch (error) {
        log.debug('peer.destroy threw', { error: String(error) });
      }
    }
    log.info('watch ended', { cameraId: this.cameraId, sid: this.sid, code: reason.code });
    this.emit('ended', reason);
    this.removeAllListeners();
  }
}

function describePeerError(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ERR_ICE_CONNECTION_FAILURE':
    case 'ERR_CONNECTION_FAILURE':
      return 'no network path to the camera (ICE failed)';
    case 'ERR_WEBRTC_SUPPORT':
      return 'this browser does not support WebRTC';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
