/**
 * One attempt to watch one camera: the viewer dials with simple-peer as the initiator and the camera answers. Every
 * signal of the attempt carries its session ID, and only signals from that camera with that ID are accepted. The
 * offer is signed with the pair key and the camera's answer must verify against it before simple-peer sees
 * anything from the camera: a server that rewrites the SDP (to sit in the middle) or replays an old answer gets
 * the session refused, not connected. A session ends exactly once, with a reason that says whether dialling again
 * could help — the seam for automatic re-dial.
 */
import type { AuthFailure } from '../../../../protocol/auth.ts';
import { fromWireSignal, toWireSignal, type Envelope, type PeerSignal, type SignalEnvelope } from '../../../../protocol/envelope.ts';
import { PawcamError, missingCase, toPawcamError } from '../../../../protocol/errors.ts';
import type { HangupReason } from '../../../../protocol/hangup.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { LAN_ONLY, type RtcConfig } from '../../../../protocol/ice.ts';
import { newSessionId } from '../../../../protocol/ids.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { parseChannelMessage } from '../../../../protocol/channel.ts';
import { encodeEventMessage, type EventMessage } from '../../../../protocol/event-messages.ts';
import { encodeDataMessage, type DataMessage } from '../../../../protocol/messages.ts';
import type { SignalTransport } from '../../../../protocol/transport.ts';
import { WATCH_MESSAGES } from '../messages.ts';
import { realTimers, type Timers } from '../../../../protocol/timers.ts';
import { summarizeStats, type ConnectionStats, type StatsSample } from './connection-stats.ts';
import * as ends from './end-reasons.ts';
import type { EndReason, SessionEnd } from './end-reasons.ts';
import { SignedDial } from './signed-dial.ts';
import type { CreatePeer, PeerInspector, SimplePeerLike, TrackSender, Watch, WatchEvents, WatchPhase } from './types.ts';

const log = createLogger('watch-session');

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
  /** Open the session as a standby link (the camera sends a slow thumbnail and no sound until told `link live`). */
  standbyLink?: boolean;
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
  readonly #standbyLink: boolean;
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
  /** The signing and answer check of this dial, once the pair key is known. */
  #signed: SignedDial | null = null;
  #relayOnly = false;
  #stream: MediaStream | null = null;
  #remoteName: string | null = null;
  /** The camera's hello came before this side counted the session live; it is told once it does. */
  #helloPending = false;
  #endReason: EndReason | null = null;
  #connectTimer: unknown = null;
  #graceTimer: unknown = null;
  /** Our signals leave in order: the offer waits for its MAC, and candidates must not overtake it. */
  #outbox: Promise<void> = Promise.resolve();
  /** The camera's signals are handled in order: nothing passes the answer while it is being checked. */
  #inbox: Promise<void> = Promise.resolve();
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
    this.#standbyLink = options.standbyLink ?? false;
    this.#timers = options.timers ?? realTimers;
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
          this.#end(ends.cameraOffline());
        }
      }),
    );
    this.#connectTimer = this.#timers.setTimeout(() => {
      this.#connectTimer = null;
      this.#end(this.#relayOnly ? ends.relayFailure(this.#relayRefusal) : ends.timedOut(this.#connectTimeoutMs));
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
    this.#end({ code: 'stopped', message: WATCH_MESSAGES.stopped, retryable: false });
  }

  send(message: DataMessage): boolean {
    return this.#sendText(encodeDataMessage(message));
  }

  sendEvent(message: EventMessage): boolean {
    return this.#sendText(encodeEventMessage(message));
  }

  #sendText(text: string): boolean {
    const peer = this.#peer;
    if (!peer || this.#phase !== 'live') return false;
    try {
      peer.send(text);
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
      this.#end(ends.notPaired());
      return;
    }
    this.#signed = new SignedDial({ key, viewerId: this.#viewerId, cameraId: this.cameraId, sid: this.sid, now: () => this.#timers.now() });
    let config: RtcConfig;
    try {
      config = await this.#getRtcConfig();
    } catch (error) {
      const failure = toPawcamError(error, 'connection-failed');
      if (this.#ended) return;
      this.emit('error', failure);
      this.#end(ends.noRtcConfig(failure));
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
      if (this.#helloPending && this.#phase === 'live') {
        this.#helloPending = false;
        this.emit('hello', this.#remoteName ?? '');
      }
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
        this.#end(ends.relayFailure(this.#relayRefusal));
        return;
      }
      this.#fail(new PawcamError('connection-failed', describePeerError(error), { cause: error }));
    });
    peer.on('close', () => {
      if (this.#peer !== peer) return;
      this.#end(ends.connectionClosed());
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
    const signed = this.#signed;
    if (this.#ended || !signed) return;
    const envelope = await signed.seal(signal, this.#relayOnly, this.#standbyLink);
    if (this.#ended) return;
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
    const signed = this.#signed;
    if (this.#ended || !signed) return;
    const admission = await signed.admit(envelope);
    if (this.#ended) return;
    switch (admission.kind) {
      case 'apply':
        for (const signal of admission.signals) {
          if (this.#ended) return;
          this.#apply(signal);
        }
        return;
      case 'held':
        return;
      case 'dropped':
        log.debug('dropped a signal while waiting for the answer', { sid: this.sid, type: envelope.signal.type });
        return;
      case 'refused':
        log.warn('refused an answer that did not verify', { cameraId: this.cameraId, sid: this.sid, failure: admission.failure, signed: envelope.auth !== undefined });
        this.#refuse(admission.failure, 'answer');
        return;
      default:
        missingCase(admission);
    }
  }

  #apply(signal: PeerSignal): void {
    const peer = this.#peer;
    if (!peer || this.#ended) return;
    peer.signal(fromWireSignal(signal));
  }

  #onHangup(reason: HangupReason | undefined): void {
    const end = ends.fromHangup(reason);
    if (end.code === 'tampered' || end.code === 'clock-skew') log.warn('the camera refused our offer', { cameraId: this.cameraId, sid: this.sid, reason });
    if (end.code === 'tampered' && end.error) this.emit('error', end.error);
    this.#end(end);
  }

  /** End the session because a signed message did not verify (ours at the camera, or the camera's here). */
  #refuse(failure: AuthFailure, which: 'offer' | 'answer'): void {
    const end = ends.refused(failure, which);
    if (end.code === 'tampered' && end.error) this.emit('error', end.error);
    this.#end(end);
  }

  #onCandidateError(errorCode: number, url: string): void {
    if (this.#ended) return;
    log.info('ICE candidate error', { sid: this.sid, errorCode, url: url.replace(/\?.*$/, '') });
    if (errorCode === 401 || errorCode === 403) this.#relayRefusal = errorCode;
  }

  #onGatheringComplete(): void {
    // Relay-only with no relay candidate at all cannot connect: say so now instead of waiting out the timeout.
    if (this.#relayOnly && this.#phase === 'connecting' && this.#localCandidates === 0) this.#end(ends.relayFailure(this.#relayRefusal));
  }

  #onData(data: unknown): void {
    const parsed = parseChannelMessage(data);
    if (!parsed.ok) {
      // A kind only a newer camera sends is not an error: this viewer does not use it yet.
      if (parsed.newerKind !== undefined) log.debug('ignored a data-channel message of a newer kind', { t: parsed.newerKind });
      else log.warn('dropped a malformed data-channel message', { error: parsed.error });
      return;
    }
    if (parsed.family === 'event') {
      this.emit('event-message', parsed.value);
      return;
    }
    switch (parsed.value.t) {
      case 'hello':
        this.#remoteName = parsed.value.name;
        // The camera's channel can open, and its hello arrive, before this side counts the session live; nothing can
        // be sent until then. What listeners send in reply to a hello (this viewer's name, the link's mode, the
        // detection settings that make the camera deliver its kept events) would be lost: tell the hello once live.
        // (Seen in the events e2e: a desktop restarted next to a camera never collected its kept events.)
        if (this.#phase === 'live') this.emit('hello', parsed.value.name);
        else this.#helloPending = true;
        return;
      case 'status':
      case 'control-result':
        this.emit('message', parsed.value);
        return;
      case 'control':
      case 'talk':
      case 'viewer-name':
      case 'link':
        log.debug('ignored a viewer-only message from the camera', { t: parsed.value.t });
        return;
      default:
        missingCase(parsed.value);
    }
  }

  #onIceState(state: string): void {
    if (this.#phase !== 'live') return;
    if (state === 'disconnected') {
      if (this.#graceTimer !== null) return;
      // Chrome reports 'disconnected' on a brief network hiccup and may recover by itself; give it a moment.
      this.#graceTimer = this.#timers.setTimeout(() => {
        this.#graceTimer = null;
        this.#end(ends.connectionLost());
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
    this.#end(ends.failed(error));
  }

  /** `fromCamera`: the camera ended it (its hangup), so it is not told again. */
  #end(reason: SessionEnd): void {
    if (this.#ended) return;
    const { fromCamera = false, ...rest } = reason;
    this.#phase = 'ended';
    this.#endReason = rest;
    this.#timers.clearTimeout(this.#connectTimer);
    this.#timers.clearTimeout(this.#graceTimer);
    this.#connectTimer = null;
    this.#graceTimer = null;
    this.#signed?.clear();
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
