/**
 * The answering side of watch sessions: viewers dial, the camera answers each offer with its stream over an answering
 * peer (AnsweringRtcPeer in the page: simple-peer 9's answering side on RTCPeerConnection). One session per viewer ID,
 * several viewers at once. Only paired viewers are answered: an offer or a ping must carry a MAC made with the pair
 * key (protocol/auth.ts). Everything arriving here comes from the network (through the transport, which has already
 * parsed it against the envelope schema) and is handled without ever throwing back into the transport.
 */
import { ReplayGuard, signAnswer, signPong, verifyOffer, verifyPing, type AuthFailure } from '../../../protocol/auth.ts';
import { parseChannelMessage } from '../../../protocol/channel.ts';
import { encodeEventMessage, type EventMessage } from '../../../protocol/event-messages.ts';
import { encodeDataMessage, type DataMessage, type LinkMode } from '../../../protocol/messages.ts';
import {
  fromWireSignal,
  toWireSignal,
  type Envelope,
  type PeerSignal,
  type SignalEnvelope,
} from '../../../protocol/envelope.ts';
import { missingCase } from '../../../protocol/errors.ts';
import { refusal, type KnownHangupReason } from '../../../protocol/hangup.ts';
import { LAN_ONLY } from '../../../protocol/ice.ts';
import { viewerBaseId } from '../../../protocol/ids.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { Timers } from '../../../protocol/timers.ts';
import type { SignalTransport } from '../../../protocol/transport.ts';
import type { IceChoice, IceSource } from './ice-keeper.ts';
import type { ViewerKeyring } from '../pairing/paired-viewers.ts';
import { onRemoteTrack, peerConnectionOf } from '../media/peer-media.ts';
import { realTimers } from '../../../protocol/timers.ts';

export type { ViewerKeyring } from '../pairing/paired-viewers.ts';

const log = createLogger('camera-sessions');

/** The answering peer the camera uses (AnsweringRtcPeer in the page; tests hand in fakes). */
export interface AnsweringPeer {
  on(event: 'signal' | 'data', listener: (data: unknown) => void): unknown;
  on(event: 'connect' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  signal(data: object): void;
  send(data: string): void;
  destroy(): void;
}

/** What the camera passes to the answering peer's constructor. */
export interface AnsweringPeerOptions {
  initiator: false;
  trickle: true;
  stream: MediaStream;
  config: RTCConfiguration;
}

/** The answering peer's constructor (`AnsweringRtcPeer` from answering-peer.ts in the page). */
export type AnsweringPeerConstructor = new (options: AnsweringPeerOptions) => AnsweringPeer;

/**
 * What standby links send, and how a session switches between standby and live (the page's media; fakes in tests).
 * Without it, a standby link gets the camera's own stream like a live watch.
 */
export interface LinkMedia {
  /** The stream a standby session opens with: the slow thumbnail, and the sound line (paused once connected). */
  standbyStream(): MediaStream;
  /** Make `peer` send what `mode` carries: called when it connects, and whenever its viewer switches it. */
  apply(viewerId: string, peer: AnsweringPeer, mode: LinkMode): Promise<void>;
  /** `viewerId`'s session ended. */
  ended(viewerId: string): void;
}

/** Events of CameraSessions. */
export type CameraSessionsEvents = {
  /** The number of viewers watching live (not on standby) changed. */
  viewers: (count: number) => void;
  /** The number of connected standby links (viewers showing a thumbnail in their camera list) changed. */
  standby: (count: number) => void;
  /** A well-formed data-channel message from a connected viewer. */
  message: (viewerId: string, message: DataMessage) => void;
  /** A well-formed event message from a connected viewer (a desktop's acks and detection settings). */
  'event-message': (viewerId: string, message: EventMessage) => void;
  /** A viewer's session connected (its data channel is open). */
  connected: (viewerId: string) => void;
  /** A track the viewer sends: its talk-back microphone. */
  'remote-track': (viewerId: string, track: MediaStreamTrack) => void;
  /** A viewer's session ended (hung up, failed, replaced, revoked or stopped); its resources are released. */
  ended: (viewerId: string) => void;
};

/** Options of CameraSessions. */
export interface CameraSessionsOptions {
  transport: Pick<SignalTransport, 'on' | 'send'>;
  stream: MediaStream;
  Answerer: AnsweringPeerConstructor;
  /** This camera's peer ID (covered by every MAC). */
  cameraId: string;
  /** Pair keys of the paired viewers; a viewer without one gets nothing from this camera. */
  keyring: ViewerKeyring;
  /** Offer nonces already answered (with a store, they survive a reload); a memory-only guard by default. */
  replay?: ReplayGuard;
  /** The camera's display name (sent in pongs and the data-channel hello). */
  name: string;
  /** ICE configuration per session (IceKeeper); host candidates only by default, so no third party is contacted. */
  ice?: IceSource;
  /**
   * Most sessions at once, standby links included; offers beyond it are refused with 'busy' (an old phone cannot
   * encode for a crowd).
   */
  maxSessions?: number;
  /** What standby links send; absent = they get the camera's stream. */
  link?: LinkMedia;
  /** A session that has not connected after this many ms is dropped (the viewer vanished mid-handshake). */
  connectTimeoutMs?: number;
  timers?: Timers;
}

interface Session {
  readonly viewerId: string;
  readonly sid: string;
  readonly peer: AnsweringPeer;
  readonly key: CryptoKey;
  /** Nonce of the latest verified offer; the answer's MAC is bound to it. */
  offerNonce: string;
  /** What the viewer asked this session to carry: the standby thumbnail, or the live picture and sound. */
  mode: LinkMode;
  /** Mode switches run one after another, each applying the mode wanted when it runs (a Watch during the standby set-up wins). */
  switching: Promise<void>;
  /** The mode the media last switched to (null before the first switch). */
  applied: LinkMode | null;
  /** Outgoing signals in order: the answer waits for its MAC, and candidates must not overtake it. */
  outbox: Promise<void>;
  connected: boolean;
  ended: boolean;
  timer: unknown;
}

/** An offer whose MAC is being checked; the viewer's next signals for that sid wait here. */
interface Check {
  readonly viewerId: string;
  readonly sid: string;
  readonly held: PeerSignal[];
  cancelled: boolean;
}

/** Most signals held per offer being checked (a browser trickles a dozen candidates at most). */
const MAX_HELD_SIGNALS = 64;


/** Answers viewers' offers with the camera's stream; emits the live viewer count. */
export class CameraSessions extends TypedEmitter<CameraSessionsEvents> {
  readonly #transport: Pick<SignalTransport, 'on' | 'send'>;
  readonly #stream: MediaStream;
  readonly #Answerer: AnsweringPeerConstructor;
  readonly #ice: IceSource;
  readonly #maxSessions: number;
  readonly #connectTimeoutMs: number;
  readonly #timers: Timers;
  readonly #link: LinkMedia | null;
  readonly #cameraId: string;
  readonly #keyring: ViewerKeyring;
  /** One replay guard for the camera: no offer nonce is ever answered twice. */
  readonly #replay: ReplayGuard;
  /** Keyed by viewer ID: one session per viewer. */
  readonly #sessions = new Map<string, Session>();
  /** Keyed by viewer ID: the offer being checked (a newer offer from the same viewer supersedes it). */
  readonly #checks = new Map<string, Check>();
  /** Bumped when a viewer is revoked, so replies worked out before the revocation are not sent after it. */
  readonly #revocations = new Map<string, number>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #unsubscribe: (() => void)[];
  #name: string;
  #viewerCount = 0;
  #standbyCount = 0;
  #closed = false;

  constructor(options: CameraSessionsOptions) {
    super();
    this.#transport = options.transport;
    this.#stream = options.stream;
    this.#Answerer = options.Answerer;
    this.#name = options.name;
    this.#ice = options.ice ?? { choose: async () => ({ ok: true, config: { ...LAN_ONLY, iceServers: [] } }) };
    this.#maxSessions = options.maxSessions ?? 8;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#timers = options.timers ?? realTimers;
    this.#link = options.link ?? null;
    this.#cameraId = options.cameraId;
    this.#keyring = options.keyring;
    this.#replay = options.replay ?? new ReplayGuard();
    this.#unsubscribe = [
      this.#transport.on('message', (from, envelope) => this.#guard('envelope', () => this.#onEnvelope(from, envelope))),
      this.#transport.on('expire', (peerId) => this.#guard('expire', () => this.#onExpire(peerId))),
    ];
  }

  /** Viewers watching live (connected, not on standby). */
  get viewerCount(): number {
    return this.#viewerCount;
  }

  /** Connected standby links. */
  get standbyCount(): number {
    return this.#standbyCount;
  }

  /** Most sessions this camera serves at once, standby links included. */
  get maxSessions(): number {
    return this.#maxSessions;
  }

  /** IDs of the viewers watching live. */
  get viewerIds(): string[] {
    return [...this.#sessions.values()].filter((s) => s.connected && s.mode === 'live').map((s) => s.viewerId);
  }

  /** Change the display name; connected viewers are told at once. */
  setName(name: string): void {
    this.#name = name;
    for (const session of this.#sessions.values()) if (session.connected) this.#sendHello(session);
  }

  /**
   * Every session's peer, connected or still connecting (a track switched mid-handshake must reach it too), for
   * the media controls through peer-media.ts.
   */
  peers(): { viewerId: string; peer: AnsweringPeer; connected: boolean; mode: LinkMode }[] {
    return [...this.#sessions.values()].map((s) => ({ viewerId: s.viewerId, peer: s.peer, connected: s.connected, mode: s.mode }));
  }

  /** Send a data-channel message to one connected viewer; false when it has no live session. */
  send(viewerId: string, message: DataMessage): boolean {
    const session = this.#sessions.get(viewerId);
    if (!session?.connected) return false;
    this.#sendData(session, encodeDataMessage(message));
    return true;
  }

  /** Send an event message (events, clip chunks) to one connected viewer; false when it has no live session. */
  sendEvent(viewerId: string, message: EventMessage): boolean {
    const session = this.#sessions.get(viewerId);
    if (!session?.connected) return false;
    this.#sendData(session, encodeEventMessage(message));
    return true;
  }

  /** End one viewer's session, telling it why (it re-dials and gets a fresh one). */
  drop(viewerId: string, reason: KnownHangupReason): void {
    const session = this.#sessions.get(viewerId);
    if (session) this.#end(session, reason);
  }

  /** Send a data-channel message to every connected viewer. */
  broadcast(message: DataMessage): void {
    const text = encodeDataMessage(message);
    for (const session of this.#sessions.values()) if (session.connected) this.#sendData(session, text);
  }

  /**
   * Forget a revoked viewer now: its offer being checked is dropped and its session destroyed, without a word
   * to it (a revoked viewer gets nothing from this camera).
   */
  revoke(viewerId: string): void {
    // Revocation is per pairing: every window of that viewer (its sub-IDs) goes with it.
    const base = viewerBaseId(viewerId);
    this.#revocations.set(base, (this.#revocations.get(base) ?? 0) + 1);
    for (const [id, check] of [...this.#checks]) {
      if (viewerBaseId(id) !== base) continue;
      check.cancelled = true;
      this.#checks.delete(id);
    }
    for (const [id, session] of [...this.#sessions]) {
      if (viewerBaseId(id) !== base) continue;
      log.info('ended the session of a revoked viewer', { viewer: id, sid: session.sid });
      this.#end(session, null);
    }
  }

  /** Resolves once every offer and ping being checked, and every signal being signed, has been handled. */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** End every session (telling each viewer) and stop listening to the transport. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    for (const check of this.#checks.values()) check.cancelled = true;
    this.#checks.clear();
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
        this.#track('ping', this.#onPing(from, envelope));
        return;
      case 'hangup': {
        const check = this.#checks.get(from);
        if (check && check.sid === envelope.sid) {
          check.cancelled = true;
          this.#checks.delete(from);
          return;
        }
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
        // Pairing (pairing-flow.ts) listens to the transport itself, to its rendezvous ID only.
        return;
      default:
        missingCase(envelope);
    }
  }

  #onSignal(from: string, envelope: SignalEnvelope): void {
    const check = this.#checks.get(from);
    if (check && check.sid === envelope.sid) {
      // Verification is async: the viewer's candidates for this sid wait for its outcome.
      if (envelope.signal.type !== 'offer' && check.held.length < MAX_HELD_SIGNALS) check.held.push(envelope.signal);
      else log.debug('dropped a signal while its offer is checked', { from, sid: envelope.sid, type: envelope.signal.type });
      return;
    }
    const existing = this.#sessions.get(from);
    // Every offer is checked, a renegotiation inside a live session too: an injected one could swap the DTLS
    // fingerprint.
    if (existing && existing.sid === envelope.sid && envelope.signal.type !== 'offer') {
      this.#signalPeer(existing, envelope.signal);
      return;
    }
    if (envelope.signal.type !== 'offer') {
      log.debug('dropped a signal for an unknown session', { from, sid: envelope.sid, type: envelope.signal.type });
      return;
    }
    this.#track('offer', this.#checkOffer(from, envelope, envelope.signal.sdp));
  }

  async #checkOffer(from: string, envelope: SignalEnvelope, sdp: string): Promise<void> {
    const superseded = this.#checks.get(from);
    if (superseded) superseded.cancelled = true;
    const check: Check = { viewerId: from, sid: envelope.sid, held: [], cancelled: false };
    this.#checks.set(from, check);
    const finish = (): boolean => {
      if (this.#checks.get(from) === check) this.#checks.delete(from);
      return !check.cancelled && !this.#closed;
    };
    const relayOnly = envelope.relay === true;

    const key = await this.#keyFor(from);
    if (!key) {
      finish();
      // Trust boundary: anyone who knows the camera ID can send offers. An unpaired viewer learns nothing, not
      // even that the camera exists.
      log.debug('ignored an offer from a viewer that is not paired', { from, sid: envelope.sid });
      return;
    }
    const auth = envelope.auth;
    const failure: AuthFailure | null = auth
      ? await verifyOffer(key, { viewerId: from, cameraId: this.#cameraId, sid: envelope.sid, sdp, relayOnly, standbyLink: envelope.standbyLink === true }, auth, this.#timers.now(), this.#replay)
      : 'bad-mac';
    if (failure || !auth) {
      if (!finish()) return;
      // A paired viewer's offer that does not verify was changed or replayed on the way (or its clock is far
      // off): refuse it out loud, so its owner sees an error instead of a hang.
      log.warn('refused an offer that did not verify', { viewer: from, sid: envelope.sid, failure });
      this.#transport.send(from, { v: 1, kind: 'hangup', sid: envelope.sid, reason: refusal(failure ?? 'bad-mac') });
      return;
    }

    const renegotiation = this.#sessions.get(from)?.sid === envelope.sid;
    // The viewer's candidates keep waiting in the check while the ICE servers are looked up.
    const ice = renegotiation ? null : await this.#chooseIce(relayOnly);
    if (!finish()) return;
    if (ice && !ice.ok) {
      // The viewer asked for relay-only ICE (to hide both addresses) and there is no TURN relay: answering with
      // host candidates would expose exactly what it asked to hide.
      log.warn('refused a relay-only offer: the server has no TURN relay', { viewer: from, sid: envelope.sid });
      this.#transport.send(from, { v: 1, kind: 'hangup', sid: envelope.sid, reason: ice.reason });
      return;
    }

    const existing = this.#sessions.get(from);
    if (existing && existing.sid === envelope.sid) {
      log.info('viewer renegotiated', { viewer: from, sid: envelope.sid });
      existing.offerNonce = auth.nonce;
      this.#feed(existing, envelope.signal, check.held);
      return;
    }
    // The viewer re-dialled (reload, retry, healing): its old session is dead to it, so free it before answering.
    // Only now: an offer that does not verify must not cost a paired viewer its live session.
    if (existing) {
      log.info('viewer dialled again; replacing its session', { viewer: from, old: existing.sid, sid: envelope.sid });
      this.#end(existing, null);
    }
    if (this.#sessions.size >= this.#maxSessions) {
      log.warn('too many viewers; refused an offer', { viewer: from, max: this.#maxSessions });
      this.#transport.send(from, { v: 1, kind: 'hangup', sid: envelope.sid, reason: 'busy' });
      return;
    }
    const config = ice?.config ?? { ...LAN_ONLY, iceServers: [] };
    const mode: LinkMode = envelope.standbyLink === true ? 'standby' : 'live';
    this.#feed(this.#answer(from, envelope.sid, key, auth.nonce, config, mode), envelope.signal, check.held);
  }

  async #chooseIce(relayOnly: boolean): Promise<IceChoice> {
    try {
      return await this.#ice.choose(relayOnly);
    } catch (error) {
      log.warn('could not choose ICE servers; host candidates only', { error: String(error) });
      return relayOnly ? { ok: false, reason: 'relay-unavailable' } : { ok: true, config: { ...LAN_ONLY, iceServers: [] } };
    }
  }

  #feed(session: Session, offer: PeerSignal, held: PeerSignal[]): void {
    session.peer.signal(fromWireSignal(offer));
    for (const signal of held) {
      if (session.ended) return;
      this.#signalPeer(session, signal);
    }
  }

  #signalPeer(session: Session, signal: PeerSignal): void {
    // An empty end-of-candidates (Firefox sends one) carries nothing ICE needs, and Safari's addIceCandidate rejects
    // it: webrtc-adapter used to swallow it, and this page does without the adapter (vite.config.ts).
    if (signal.type === 'candidate' && signal.candidate.candidate === '') return;
    session.peer.signal(fromWireSignal(signal));
  }

  async #onPing(from: string, envelope: Extract<Envelope, { kind: 'ping' }>): Promise<void> {
    const revocation = this.#revocations.get(viewerBaseId(from)) ?? 0;
    const key = await this.#keyFor(from);
    const auth = envelope.auth;
    if (!key || !auth) {
      log.debug('ignored a ping from a viewer that is not paired', { from, signed: auth !== undefined });
      return;
    }
    const context = { viewerId: from, cameraId: this.#cameraId, nonce: envelope.nonce };
    const failure = await verifyPing(key, context, auth, this.#timers.now());
    if (failure) {
      log.debug('ignored a ping that did not verify', { from, failure });
      return;
    }
    const name = this.#name;
    const mac = await signPong(key, context, name);
    if (this.#closed || (this.#revocations.get(viewerBaseId(from)) ?? 0) !== revocation) return;
    this.#transport.send(from, { v: 1, kind: 'pong', nonce: envelope.nonce, name, mac });
  }

  async #keyFor(viewerId: string): Promise<CryptoKey | null> {
    try {
      return await this.#keyring.keyFor(viewerBaseId(viewerId));
    } catch (error) {
      log.warn('could not look up a pair key', { viewer: viewerId, error: String(error) });
      return null;
    }
  }

  /** Run an async handler without letting it reject into nowhere; `settled()` waits for it. */
  #track(what: string, work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      log.error(`handling ${what} failed`, { error: error instanceof Error ? error.message : String(error) });
    });
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }

  async #sendSignal(session: Session, signal: PeerSignal): Promise<void> {
    if (session.ended) return;
    const envelope: SignalEnvelope = { v: 1, kind: 'signal', sid: session.sid, signal };
    if (signal.type === 'answer') {
      envelope.auth = await signAnswer(
        session.key,
        { viewerId: session.viewerId, cameraId: this.#cameraId, sid: session.sid, offerNonce: session.offerNonce, sdp: signal.sdp },
        this.#timers.now(),
      );
      if (session.ended) return;
    }
    this.#transport.send(session.viewerId, envelope);
  }

  #answer(viewerId: string, sid: string, key: CryptoKey, offerNonce: string, config: RTCConfiguration, mode: LinkMode): Session {
    const stream = mode === 'standby' && this.#link ? this.#link.standbyStream() : this.#stream;
    const peer = new this.#Answerer({ initiator: false, trickle: true, stream, config });
    const session: Session = { viewerId, sid, peer, key, offerNonce, mode, switching: Promise.resolve(), applied: null, outbox: Promise.resolve(), connected: false, ended: false, timer: null };
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
    const pc = peerConnectionOf(peer);
    if (pc) onRemoteTrack(pc, (track) => live('track', () => this.emit('remote-track', viewerId, track)));
    peer.on('signal', (data) =>
      live('signal', () => {
        const signal = toWireSignal(data);
        if (!signal) {
          log.warn('the peer emitted a signal we do not relay', { sid });
          return;
        }
        const sent = session.outbox.then(() => this.#sendSignal(session, signal));
        session.outbox = sent.catch(() => undefined);
        this.#track('outgoing signal', sent);
      }),
    );
    peer.on('connect', () =>
      live('connect', () => {
        session.connected = true;
        this.#timers.clearTimeout(session.timer);
        session.timer = null;
        log.info('viewer connected', { viewer: viewerId, sid, mode: session.mode });
        this.#sendHello(session);
        this.#applyMode(session);
        this.#updateCount();
        this.emit('connected', viewerId);
      }),
    );
    peer.on('data', (data) =>
      live('data', () => {
        const parsed = parseChannelMessage(data);
        if (!parsed.ok) {
          // A kind only a newer viewer sends is not an error: this camera does not offer it yet.
          if (parsed.newerKind !== undefined) log.debug('ignored a data-channel message of a newer kind', { viewer: viewerId, t: parsed.newerKind });
          else log.warn('dropped a malformed data-channel message', { viewer: viewerId, error: parsed.error });
          return;
        }
        if (parsed.family === 'event') {
          this.emit('event-message', viewerId, parsed.value);
          return;
        }
        if (parsed.value.t === 'link') {
          this.#setMode(session, parsed.value.mode);
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
  #end(session: Session, notify: KnownHangupReason | null): void {
    if (session.ended) return;
    session.ended = true;
    if (this.#sessions.get(session.viewerId) === session) this.#sessions.delete(session.viewerId);
    this.#timers.clearTimeout(session.timer);
    session.timer = null;
    if (notify !== null) this.#transport.send(session.viewerId, { v: 1, kind: 'hangup', sid: session.sid, reason: notify });
    try {
      // Closes the RTCPeerConnection: its senders stop; the camera's own tracks stay up for the other viewers.
      session.peer.destroy();
    } catch (error) {
      log.debug('peer.destroy threw', { error: String(error) });
    }
    this.#updateCount();
    this.#link?.ended(session.viewerId);
    this.emit('ended', session.viewerId);
  }

  /** The viewer switched its session (Watch on a standby link, or Stop back to standby): on the same lines. */
  #setMode(session: Session, mode: LinkMode): void {
    if (session.mode === mode) return;
    log.info(mode === 'live' ? 'viewer raised its standby link' : 'viewer lowered its link to standby', { viewer: session.viewerId, sid: session.sid });
    session.mode = mode;
    this.#applyMode(session);
    this.#updateCount();
  }

  #applyMode(session: Session): void {
    const link = this.#link;
    if (!link) return;
    // Two switches at once could finish in the wrong order (a thumbnail left on a session the viewer watches).
    const switched = session.switching.then(async () => {
      const mode = session.mode;
      if (session.ended || session.applied === mode) return;
      try {
        await link.apply(session.viewerId, session.peer, mode);
        session.applied = mode;
      } catch (error) {
        if (session.ended) return;
        // A session that cannot switch would send the wrong thing (or nothing): end it, and its viewer re-dials.
        log.warn('could not switch a session between standby and live; ending it', { viewer: session.viewerId, error: String(error) });
        this.#end(session, 'media update failed');
      }
    });
    session.switching = switched;
    this.#track('link mode', switched);
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
    let live = 0;
    let standby = 0;
    for (const session of this.#sessions.values()) {
      if (!session.connected) continue;
      if (session.mode === 'live') live++;
      else standby++;
    }
    if (standby !== this.#standbyCount) {
      this.#standbyCount = standby;
      this.emit('standby', standby);
    }
    if (live === this.#viewerCount) return;
    this.#viewerCount = live;
    this.emit('viewers', live);
  }

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      log.error(`handling ${what} failed`, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
