/**
 * One attempt to watch one camera: the viewer dials with simple-peer as the initiator and the camera answers. Every
 * signal of the attempt carries its session ID, and only signals from that camera with that ID are accepted. The
 * offer is signed with the pair key and the camera's answer must verify against it before simple-peer sees
 * anything from the camera: a server that rewrites the SDP (to sit in the middle) or replays an old answer gets
 * the session refused, not connected. A session ends exactly once, with a reason that says whether dialling again
 * could help — the seam for automatic re-dial.
 */
import { signOffer, verifyAnswer, type AuthFailure } from '../../../../protocol/auth.ts';
import { fromWireSignal, toWireSignal, type Envelope, type PeerSignal, type SignalEnvelope } from '../../../../protocol/envelope.ts';
import { PawcamError, toPawcamError } from '../../../../protocol/errors.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { LAN_ONLY, type RtcConfig } from '../../../../protocol/ice.ts';
import { newSessionId } from '../../../../protocol/ids.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { encodeDataMessage, parseDataMessage, type CameraStatus, type DataMessage } from '../../../../protocol/messages.ts';
import type { SignalTransport } from '../../../../protocol/transport.ts';
import { summarizeStats, type ConnectionStats, type StatsSample } from './connection-stats.ts';
import { globalTimers, type Timers } from '../timers.ts';

const log = createLogger('watch-session');

/** Where a watch is. */
export type WatchPhase = 'idle' | 'connecting' | 'live' | 'ended';

/** Why a watch ended. */
export type EndCode =
  /** The user stopped watching. */
  | 'stopped'
  /** The camera sent a hangup. */
  | 'camera-hung-up'
  /** The camera is answering as many viewers as it can. */
  | 'camera-busy'
  /** The server could not deliver our offer: the camera is not connected. */
  | 'camera-offline'
  /** The peer connection closed (the camera page closed, or the network went away). */
  | 'connection-closed'
  /** The connection was lost and did not come back in time. */
  | 'connection-lost'
  /** WebRTC failed (ICE, SDP, data channel, relay). */
  | 'connection-failed'
  /** No connection within the time allowed. */
  | 'timeout'
  /** The camera's answer did not verify, or the camera says our offer did not: someone changed or replayed them. */
  | 'tampered'
  /** The clocks of the two devices are too far apart for signed messages to count as fresh. */
  | 'clock-skew'
  /** This viewer has no pair key for the camera. */
  | 'not-paired'
  /** "Always relay" is on and the camera's server has no TURN relay. */
  | 'relay-unavailable';

/** The reason a watch ended, in words, and whether a re-dial might succeed. */
export interface EndReason {
  readonly code: EndCode;
  /** A human sentence for the UI. */
  readonly message: string;
  /** Dialling again could help. */
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
  /** A data-channel message other than hello (status, control results). */
  message: (message: DataMessage) => void;
  /** A re-dialling watch lost its session and will dial again (never emitted by a single session). */
  reconnecting: (reason: EndReason) => void;
  /** Something else the UI shows changed (talking). */
  change: () => void;
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
  /** Send a data-channel message; false when there is no open channel. */
  send(message: DataMessage): boolean;
  /** How the connection runs now (route, round trip, bitrate); null when there is no connection to ask. */
  stats(): Promise<ConnectionStats | null>;
  /** A re-dialling watch: healing after a drop. */
  readonly reconnecting?: boolean;
  /** A re-dialling watch: the camera's latest status. */
  readonly status?: CameraStatus | null;
  /** A re-dialling watch: the microphone for talk-back. */
  readonly mic?: MicState;
  readonly talking?: boolean;
  /** Turn talk-back on/off; false when there is no microphone. */
  setTalking?(on: boolean): boolean;
  /** A session dialled with talk-back: send this microphone track on its talk-back audio line (now or once dialled). */
  setMic?(track: MediaStreamTrack | null): void;
  /** Presence saw the camera online (a re-dialling watch dials at once). */
  cameraOnline?(): void;
}

/** The talk-back microphone: none asked for, being asked for, ready, or blocked/missing. */
export type MicState = 'none' | 'pending' | 'ready' | 'blocked';

/** The options the viewer gives simple-peer. */
export interface DialOptions {
  initiator: true;
  trickle: true;
  config: RtcConfig;
  offerOptions: { offerToReceiveAudio: true; offerToReceiveVideo: true };
  /**
   * Add one sendrecv audio line for talk-back before the first offer, with no track yet: the dial does not wait for
   * the microphone, and the track is put on its sender later (no renegotiation to talk).
   */
  talkBack?: true;
}

/** A sender whose track can be swapped without renegotiation (an RTCRtpSender). */
export interface TrackSender {
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
}

/** A dialled simple-peer, with the sender of its talk-back audio line when one was asked for. */
export interface DialedPeer {
  peer: SimplePeerLike;
  talkSender: TrackSender | null;
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
  send(data: string): void;
  destroy(): void;
}

/** Makes the simple-peer instance for a session. */
export type CreatePeer = (options: DialOptions) => DialedPeer;

/** What a session hears from the RTCPeerConnection itself (simple-peer does not pass these on). */
export interface PeerObserver {
  /** A STUN/TURN server failed us: `errorCode` 401/403 from a TURN server means it refused our credentials. */
  candidateError(errorCode: number, url: string): void;
  /** Candidate gathering finished. */
  gatheringComplete(): void;
}

/** Reaches the RTCPeerConnection behind a simple-peer instance (rtc.ts); absent in unit tests. */
export interface PeerInspector {
  /** The connection's stats records, or null when there is no connection to ask. */
  stats(peer: SimplePeerLike): Promise<Iterable<Record<string, unknown>> | null>;
  /** Listen to what simple-peer does not report; returns the unsubscribe. */
  observe(peer: SimplePeerLike, observer: PeerObserver): () => void;
}

/** Options of WatchSession. */
export interface WatchSessionOptions {
  cameraId: string;
  /** The ID this viewer is registered with (its MACs cover it; a mini window's is a sub-ID). */
  viewerId: string;
  transport: SignalTransport;
  createPeer: CreatePeer;
  /** The pair key of the camera, null when this viewer is not paired with it. */
  key: () => Promise<CryptoKey | null>;
  /** The RTCPeerConnection configuration; rejects when it cannot be honoured (relay-only without TURN). */
  rtcConfig?: () => Promise<RtcConfig>;
  inspector?: PeerInspector;
  /** Offer a talk-back audio line (the microphone track is given with setMic, before or after dialling). */
  talkBack?: boolean;
  /** Session ID (fresh by default). */
  sid?: string;
  timers?: Timers;
  /** Give up when not connected after this long, ms. */
  connectTimeoutMs?: number;
  /** How long an ICE 'disconnected' may last before the session counts as lost, ms. */
  disconnectGraceMs?: number;
}

const CONNECT_TIMEOUT_MS = 20_000;
const DISCONNECT_GRACE_MS = 8000;
/** Most remote signals held while the answer is being checked (a browser trickles a dozen candidates at most). */
const MAX_HELD_SIGNALS = 64;

/** The words for a refused or tampered session. */
export const TAMPERED_ANSWER_MESSAGE =
  "The camera's answer was altered in transit — someone may be tampering with the server. Not connected.";
const TAMPERED_OFFER_MESSAGE =
  'The camera refused the connection because our request arrived altered — someone may be tampering with the server. Not connected.';
const REPLAYED_OFFER_MESSAGE =
  'The camera refused the connection because our request arrived twice (replayed) — someone may be tampering with the server. Not connected.';
const CAMERA_CLOCK_MESSAGE =
  'The camera refused the connection: the clocks of this computer and the phone differ by more than 2 minutes. Set both to the network time.';
const ANSWER_CLOCK_MESSAGE =
  "The camera's answer could not be trusted: the clocks of this computer and the phone differ by more than 2 minutes. Set both to the network time.";
const NOT_PAIRED_MESSAGE = 'This viewer is not paired with that camera. Forget it and pair it again with Add camera.';

/** One dial of one camera. */
export class WatchSession extends TypedEmitter<WatchEvents> implements Watch {
  readonly cameraId: string;
  readonly sid: string;
  readonly #viewerId: string;
  readonly #transport: SignalTransport;
  readonly #createPeer: CreatePeer;
  readonly #getKey: () => Promise<CryptoKey | null>;
  readonly #getRtcConfig: () => Promise<RtcConfig>;
  readonly #inspector: PeerInspector | null;
  readonly #talkBack: boolean;
  readonly #timers: Timers;
  readonly #connectTimeoutMs: number;
  readonly #disconnectGraceMs: number;
  readonly #unsubscribe: (() => void)[] = [];
  #phase: WatchPhase = 'idle';
  #peer: SimplePeerLike | null = null;
  #talkSender: TrackSender | null = null;
  /** The microphone track for talk-back (disabled while not talking), and the one on the sender now. */
  #micTrack: MediaStreamTrack | null = null;
  #sentTrack: MediaStreamTrack | null = null;
  #key: CryptoKey | null = null;
  #relayOnly = false;
  #stream: MediaStream | null = null;
  #remoteName: string | null = null;
  #endReason: EndReason | null = null;
  #connectTimer: unknown = null;
  #graceTimer: unknown = null;
  /** Our signals leave in order: the offer waits for its MAC, and candidates must not overtake it. */
  #outbox: Promise<void> = Promise.resolve();
  /** The camera's signals are handled in order: nothing passes the answer while it is being checked. */
  #inbox: Promise<void> = Promise.resolve();
  /** Nonce of our latest signed offer; the answer's MAC is bound to it. */
  #offerNonce: string | null = null;
  #answerVerified = false;
  /** The camera's signals that came before its answer verified. */
  #held: PeerSignal[] = [];
  #dialing: Promise<void> = Promise.resolve();
  #localCandidates = 0;
  /** A TURN server's refusal (401/403) seen while gathering. */
  #relayRefusal: number | null = null;
  #statsSample: StatsSample | null = null;

  constructor(options: WatchSessionOptions) {
    super();
    this.cameraId = options.cameraId;
    this.sid = options.sid ?? newSessionId();
    this.#viewerId = options.viewerId;
    this.#transport = options.transport;
    this.#createPeer = options.createPeer;
    this.#getKey = options.key;
    this.#getRtcConfig = options.rtcConfig ?? (async () => ({ iceServers: [], iceTransportPolicy: LAN_ONLY.iceTransportPolicy }));
    this.#inspector = options.inspector ?? null;
    this.#talkBack = options.talkBack ?? false;
    this.#timers = options.timers ?? globalTimers;
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

  /** Checked after every await: a session can end while it waits (a getter, so no narrowing sticks across awaits). */
  get #ended(): boolean {
    return this.#phase === 'ended';
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
    this.#connectTimer = this.#timers.setTimeout(() => {
      this.#connectTimer = null;
      if (this.#relayOnly) {
        this.#end(this.#relayFailure());
        return;
      }
      this.#end({
        code: 'timeout',
        message: 'The camera did not answer in time.',
        retryable: true,
        error: new PawcamError('connection-failed', `no connection after ${Math.round(this.#connectTimeoutMs / 1000)} s`),
      });
    }, this.#connectTimeoutMs);
    this.emit('connecting');
    this.#dialing = this.#dial().catch((error: unknown) => this.#fail(toPawcamError(error)));
  }

  /** Resolves once the dial, and every signal being signed or checked, has been handled (for tests). */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [this.#dialing, this.#outbox, this.#inbox];
      await Promise.allSettled(pending);
      if (pending[0] === this.#dialing && pending[1] === this.#outbox && pending[2] === this.#inbox) return;
    }
  }

  /** Stop watching: tell the camera (so it frees the session) and close the connection. */
  stop(): void {
    if (this.#ended) return;
    this.#end({ code: 'stopped', message: 'Stopped.', retryable: false });
  }

  send(message: DataMessage): boolean {
    const peer = this.#peer;
    if (!peer || this.#phase !== 'live') return false;
    try {
      peer.send(encodeDataMessage(message));
      return true;
    } catch (error) {
      log.debug('data-channel send failed', { error: String(error) });
      return false;
    }
  }

  /** Send `track` on the talk-back line: at once when dialled, else as soon as the peer exists. */
  setMic(track: MediaStreamTrack | null): void {
    this.#micTrack = track;
    this.#attachMic();
  }

  #attachMic(): void {
    const sender = this.#talkSender;
    const track = this.#micTrack;
    if (!sender || this.#ended || track === this.#sentTrack) return;
    this.#sentTrack = track;
    sender.replaceTrack(track).catch((error: unknown) => log.warn('could not attach the microphone', { sid: this.sid, error: String(error) }));
  }

  async stats(): Promise<ConnectionStats | null> {
    const peer = this.#peer;
    if (!peer || !this.#inspector || this.#phase !== 'live') return null;
    const records = await this.#inspector.stats(peer);
    if (!records || this.#peer !== peer) return null;
    const { stats, sample } = summarizeStats(records, this.#statsSample);
    this.#statsSample = sample;
    return stats;
  }

  async #dial(): Promise<void> {
    const key = await this.#getKey();
    if (this.#ended) return;
    if (!key) {
      this.#end({ code: 'not-paired', message: NOT_PAIRED_MESSAGE, retryable: false, error: new PawcamError('not-paired', NOT_PAIRED_MESSAGE) });
      return;
    }
    this.#key = key;
    let config: RtcConfig;
    try {
      config = await this.#getRtcConfig();
    } catch (error) {
      const failure = toPawcamError(error, 'connection-failed');
      if (this.#ended) return;
      this.emit('error', failure);
      this.#end({ code: 'connection-failed', message: failure.message, retryable: false, error: failure });
      return;
    }
    if (this.#ended) return;
    this.#relayOnly = config.iceTransportPolicy === 'relay';
    let peer: SimplePeerLike;
    try {
      const dialed = this.#createPeer({
        initiator: true,
        trickle: true,
        config,
        offerOptions: { offerToReceiveAudio: true, offerToReceiveVideo: true },
        ...(this.#talkBack ? { talkBack: true as const } : {}),
      });
      peer = dialed.peer;
      this.#talkSender = dialed.talkSender;
    } catch (error) {
      this.#fail(toPawcamError(error, 'unsupported-browser'));
      return;
    }
    this.#peer = peer;
    this.#attachMic();
    if (this.#inspector) {
      this.#unsubscribe.push(
        this.#inspector.observe(peer, {
          candidateError: (errorCode, url) => this.#onCandidateError(errorCode, url),
          gatheringComplete: () => this.#onGatheringComplete(),
        }),
      );
    }
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
      if (this.#relayOnly && this.#phase === 'connecting' && isIceFailure(error)) {
        this.#end(this.#relayFailure());
        return;
      }
      this.#fail(new PawcamError('connection-failed', describePeerError(error), { cause: error }));
    });
    peer.on('close', () => {
      if (this.#peer !== peer) return;
      this.#end({ code: 'connection-closed', message: 'The connection to the camera closed.', retryable: true });
    });
  }

  #onLocalSignal(data: unknown): void {
    if (this.#ended) return;
    const signal = toWireSignal(data);
    if (!signal) {
      log.warn('simple-peer emitted a signal we do not relay', { sid: this.sid });
      return;
    }
    if (signal.type === 'candidate') this.#localCandidates++;
    this.#outbox = this.#outbox
      .then(() => this.#sendSignal(signal))
      .catch((error: unknown) => this.#fail(new PawcamError('connection-failed', 'could not sign the offer', { cause: error })));
  }

  async #sendSignal(signal: PeerSignal): Promise<void> {
    if (this.#ended) return;
    const envelope: SignalEnvelope = { v: 1, kind: 'signal', sid: this.sid, signal };
    if (signal.type === 'offer') {
      const key = this.#key;
      if (!key) return;
      // "Always relay" is part of the signed offer: the camera then answers relay-only too, so neither side's address
      // reaches the other, and a server cannot strip the flag without breaking the MAC.
      const relayOnly = this.#relayOnly;
      const auth = await signOffer(
        key,
        { viewerId: this.#viewerId, cameraId: this.cameraId, sid: this.sid, sdp: signal.sdp, ...(relayOnly ? { relayOnly: true } : {}) },
        this.#timers.now(),
      );
      if (this.#ended) return;
      if (relayOnly) envelope.relay = true;
      this.#offerNonce = auth.nonce;
      envelope.auth = auth;
    }
    this.#transport.send(this.cameraId, envelope);
  }

  #onEnvelope(from: string, envelope: Envelope): void {
    // The server stamps `from`; the sid ties the message to this attempt. Anything else is not ours.
    if (from !== this.cameraId) return;
    if (envelope.kind === 'hangup') {
      if (envelope.sid !== this.sid) return;
      this.#onHangup(envelope.reason);
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
    if (!this.#peer || this.#ended) return;
    this.#inbox = this.#inbox
      .then(() => this.#onRemoteSignal(envelope))
      .catch((error: unknown) => this.#fail(new PawcamError('connection-failed', "could not apply the camera's signal", { cause: error })));
  }

  async #onRemoteSignal(envelope: SignalEnvelope): Promise<void> {
    if (this.#ended) return;
    const signal = envelope.signal;
    if (signal.type !== 'answer') {
      if (this.#answerVerified) this.#apply(signal);
      else if (this.#held.length < MAX_HELD_SIGNALS) this.#held.push(signal);
      else log.debug('dropped a signal while waiting for the answer', { sid: this.sid, type: signal.type });
      return;
    }
    // Trust boundary: only an answer MACed with the pair key, over this SDP and bound to our offer's nonce, may reach
    // simple-peer. Anything else would let whoever relays it choose the DTLS fingerprint we connect to.
    const key = this.#key;
    const offerNonce = this.#offerNonce;
    const auth = envelope.auth;
    let failure: AuthFailure | null = 'bad-mac';
    if (key && offerNonce && auth) {
      failure = await verifyAnswer(
        key,
        { viewerId: this.#viewerId, cameraId: this.cameraId, sid: this.sid, sdp: signal.sdp, offerNonce },
        auth,
        this.#timers.now(),
      );
    }
    if (this.#ended) return;
    if (failure) {
      log.warn('refused an answer that did not verify', { cameraId: this.cameraId, sid: this.sid, failure, signed: auth !== undefined });
      this.#refuse(failure, 'answer');
      return;
    }
    this.#answerVerified = true;
    this.#apply(signal);
    for (const held of this.#held.splice(0)) {
      if (this.#ended) return;
      this.#apply(held);
    }
  }

  #apply(signal: PeerSignal): void {
    const peer = this.#peer;
    if (!peer || this.#ended) return;
    peer.signal(fromWireSignal(signal));
  }

  #onHangup(reason: string | undefined): void {
    const refused = reason?.match(/^refused:\s*(\S+)/)?.[1];
    if (refused === 'bad-mac' || refused === 'replay' || refused === 'stale') {
      log.warn('the camera refused our offer', { cameraId: this.cameraId, sid: this.sid, reason });
      this.#refuse(refused, 'offer');
      return;
    }
    if (refused !== undefined) {
      this.#end({ code: 'camera-hung-up', message: `The camera refused the connection (${refused}).`, retryable: true, fromCamera: true });
      return;
    }
    if (reason === 'relay-unavailable') {
      const message = 'The camera cannot use a relay: its server has no TURN relay, and "Always relay" allows no direct connection. Turn off "Always relay" in Settings, or give the pawcam server a TURN relay.';
      this.#end({ code: 'relay-unavailable', message, retryable: false, error: new PawcamError('connection-failed', message), fromCamera: true });
      return;
    }
    if (reason === 'busy') {
      this.#end({ code: 'camera-busy', message: 'The camera is busy: it is already sending to as many viewers as it can.', retryable: true, fromCamera: true });
      return;
    }
    this.#end({ code: 'camera-hung-up', message: 'The camera ended the session.', retryable: true, fromCamera: true });
  }

  /** End the session because a signed message did not verify (ours at the camera, or the camera's here). */
  #refuse(failure: AuthFailure, which: 'offer' | 'answer'): void {
    const fromCamera = which === 'offer';
    if (failure === 'stale') {
      const message = which === 'offer' ? CAMERA_CLOCK_MESSAGE : ANSWER_CLOCK_MESSAGE;
      this.#end({ code: 'clock-skew', message, retryable: false, error: new PawcamError('connection-failed', message), fromCamera });
      return;
    }
    const message = which === 'answer' ? TAMPERED_ANSWER_MESSAGE : failure === 'replay' ? REPLAYED_OFFER_MESSAGE : TAMPERED_OFFER_MESSAGE;
    const error = new PawcamError('tampered', message);
    this.emit('error', error);
    this.#end({ code: 'tampered', message, retryable: false, error, fromCamera });
  }

  #onCandidateError(errorCode: number, url: string): void {
    if (this.#ended) return;
    log.info('ICE candidate error', { sid: this.sid, errorCode, url: url.replace(/\?.*$/, '') });
    if (errorCode === 401 || errorCode === 403) this.#relayRefusal = errorCode;
  }

  #onGatheringComplete(): void {
    // Relay-only with no relay candidate at all cannot connect: say so now instead of waiting out the timeout.
    if (this.#relayOnly && this.#phase === 'connecting' && this.#localCandidates === 0) this.#end(this.#relayFailure());
  }

  #relayFailure(): EndReason & { fromCamera?: boolean } {
    const message =
      this.#relayRefusal !== null
        ? `The relay server refused our credentials (TURN error ${this.#relayRefusal}), and "Always relay" allows no other way to the camera.`
        : 'Could not connect through the relay server: it did not answer or could not reach the camera, and "Always relay" allows no other way.';
    // A refusal of our credentials will not change by dialling again; a relay that did not answer might.
    return { code: 'connection-failed', message, retryable: this.#relayRefusal === null, error: new PawcamError('connection-failed', message) };
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
      case 'status':
      case 'control-result':
        this.emit('message', parsed.value);
        return;
      case 'control':
      case 'talk':
        log.debug('ignored a viewer-only message from the camera', { t: parsed.value.t });
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
    if (this.#ended) return;
    log.warn('watch failed', { cameraId: this.cameraId, sid: this.sid, code: error.code, error: error.message });
    this.emit('error', error);
    this.#end({ code: 'connection-failed', message: `The connection failed: ${error.message}`, retryable: true, error });
  }

  /** `fromCamera`: the camera ended it (its hangup), so it is not told again. */
  #end(reason: EndReason & { fromCamera?: boolean }): void {
    if (this.#ended) return;
    const { fromCamera = false, ...rest } = reason;
    this.#phase = 'ended';
    this.#endReason = rest;
    this.#timers.clearTimeout(this.#connectTimer);
    this.#timers.clearTimeout(this.#graceTimer);
    this.#connectTimer = null;
    this.#graceTimer = null;
    this.#held = [];
    // Tell the camera unless it told us (or we never dialled): it frees the phone's encoder and the session.
    if (!fromCamera && this.#peer) this.#transport.send(this.cameraId, { v: 1, kind: 'hangup', sid: this.sid });
    for (const off of this.#unsubscribe.splice(0)) off();
    const peer = this.#peer;
    this.#peer = null;
    this.#talkSender = null;
    if (peer) {
      try {
        peer.destroy();
      } catch (error) {
        log.debug('peer.destroy threw', { error: String(error) });
      }
    }
    log.info('watch ended', { cameraId: this.cameraId, sid: this.sid, code: rest.code });
    this.emit('ended', rest);
    this.removeAllListeners();
  }
}

function isIceFailure(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'ERR_ICE_CONNECTION_FAILURE' || code === 'ERR_CONNECTION_FAILURE';
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
