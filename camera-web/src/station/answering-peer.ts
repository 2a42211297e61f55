/**
 * The camera's side of a watch session, on the browser's own RTCPeerConnection: it answers a viewer that dials with
 * simple-peer 9 (desktop/renderer), speaking simple-peer's signal objects. It replaces simple-peer on the camera
 * page, whose browser build carries Node stream and Buffer shims (~28 kB gzip) for what is, on an answerer, a few
 * dozen lines. It does only what camera-sessions.ts uses (`AnsweringPeer`), the way simple-peer does it:
 * - signals out: `{type: 'answer', sdp}`, `{type: 'candidate', candidate: {candidate, sdpMLineIndex, sdpMid}}`, and
 *   `{type: 'transceiverRequest', …}` for a local track no offered line took (the initiator adds one and re-offers);
 * - signals in: offers (the first, and re-offers inside the session), candidates (queued until an offer is set);
 *   `renegotiate`/`transceiverRequest` are for an initiator and ignored, as simple-peer's answerer does;
 * - the data channel is the one the initiator creates; 'connect' once ICE is connected and that channel is open;
 * - 'close' when the channel closes; 'error' (then 'close') when ICE or the connection fails or closes, or a step of
 *   the handshake fails.
 * The connection is `_pc`, as simple-peer names it (media/peer-media.ts reaches it there).
 */
import { PawcamError } from '../../../protocol/errors.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { AnsweringPeer, AnsweringPeerOptions } from './camera-sessions.ts';

const log = createLogger('answering-peer');

/** Events of an AnsweringRtcPeer (simple-peer's names). */
export type AnsweringPeerEvents = {
  /** A signal object for the viewer (simple-peer's shapes). */
  signal: (data: object) => void;
  /** A data-channel frame: text as sent, binary as bytes. */
  data: (data: string | Uint8Array) => void;
  /** ICE is connected and the data channel is open. */
  connect: () => void;
  /** The session is over (after 'error' when it failed); emitted once, also after destroy(). */
  close: () => void;
  error: (error: Error) => void;
};

/** Makes the RTCPeerConnection (the browser's; fakes in tests). */
export type CreatePeerConnection = (config: RTCConfiguration) => RTCPeerConnection;

const browserPeerConnection: CreatePeerConnection = (config) => new RTCPeerConnection(config);

/** A signal object as simple-peer's `signal()` takes it (camera-sessions passes protocol/envelope.ts fromWireSignal). */
interface SignalData {
  type?: unknown;
  sdp?: unknown;
  candidate?: RTCIceCandidateInit;
  renegotiate?: unknown;
  transceiverRequest?: unknown;
}

/** The answering peer of one watch session; construct it with the camera-sessions options, then feed it the offer. */
export class AnsweringRtcPeer extends TypedEmitter<AnsweringPeerEvents> implements AnsweringPeer {
  /** The connection, under simple-peer 9's name for it (null only if the browser refused to make one). */
  readonly _pc: RTCPeerConnection | null = null;
  #channel: RTCDataChannel | null = null;
  /** The viewer's candidates that came before its offer was set. */
  #pendingCandidates: RTCIceCandidateInit[] = [];
  /** Local-only transceivers already asked for (Safari reports negotiated ones with a null mid too). */
  readonly #requested = new WeakSet<RTCRtpTransceiver>();
  #iceConnected = false;
  #channelOpen = false;
  #connected = false;
  #destroyed = false;

  constructor(options: AnsweringPeerOptions, createPeerConnection: CreatePeerConnection = browserPeerConnection) {
    super();
    let pc: RTCPeerConnection;
    try {
      pc = createPeerConnection(options.config);
    } catch (error) {
      this.#destroy(failure('could not create the peer connection', error));
      return;
    }
    this._pc = pc;
    pc.addEventListener('iceconnectionstatechange', () => this.#onIceState(pc.iceConnectionState));
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') this.#destroy(failure('the connection failed'));
    });
    pc.addEventListener('icecandidate', (event) => this.#onLocalCandidate((event as RTCPeerConnectionIceEvent).candidate));
    pc.addEventListener('datachannel', (event) => this.#setUpChannel((event as RTCDataChannelEvent).channel));
    // Firefox rejects `peerIdentity` when the remote identity does not check out; unobserved, that rejection would
    // go unhandled (simple-peer PR #783 handles it the same way).
    const identity = (pc as { peerIdentity?: unknown }).peerIdentity;
    if (identity instanceof Promise) identity.catch((error: unknown) => this.#destroy(failure('the peer identity was rejected', error)));
    // Added before the offer is set, so each track lands on the viewer's offered line of its kind (video recvonly,
    // talk-back audio sendrecv) instead of a line of its own.
    for (const track of options.stream.getTracks()) pc.addTrack(track, options.stream);
  }

  /** Take a signal object from the viewer: an offer, or a candidate. */
  signal(data: object): void {
    const pc = this._pc;
    if (this.#destroyed || !pc) return;
    const signal = data as SignalData;
    if (signal.candidate) {
      if (pc.remoteDescription?.type) void this.#addCandidate(pc, signal.candidate);
      else this.#pendingCandidates.push(signal.candidate);
    }
    if (typeof signal.sdp === 'string' && (signal.type === 'offer' || signal.type === 'answer')) {
      void this.#onDescription(pc, { type: signal.type, sdp: signal.sdp });
    } else if (!signal.candidate && !signal.renegotiate && !signal.transceiverRequest) {
      this.#destroy(new PawcamError('malformed-message', 'the viewer sent a signal with no offer and no candidate'));
    }
  }

  /** Send one text frame on the data channel (throws when it is not open, like RTCDataChannel.send). */
  send(data: string): void {
    if (this.#destroyed || !this.#channel) throw new PawcamError('connection-failed', 'the data channel is not open');
    this.#channel.send(data);
  }

  /** Close the channel and the connection (never throws); 'close' follows. */
  destroy(): void {
    this.#destroy(null);
  }

  async #onDescription(pc: RTCPeerConnection, description: RTCSessionDescriptionInit): Promise<void> {
    try {
      await pc.setRemoteDescription(description);
    } catch (error) {
      this.#destroy(failure("could not apply the viewer's description", error));
      return;
    }
    if (this.#destroyed) return;
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of pending) void this.#addCandidate(pc, candidate);
    if (pc.remoteDescription?.type !== 'offer') return;
    let answer: RTCSessionDescriptionInit;
    try {
      answer = await pc.createAnswer();
      if (this.#destroyed) return;
      // With the description itself: Safari 14 has no parameterless setLocalDescription.
      await pc.setLocalDescription(answer);
    } catch (error) {
      this.#destroy(failure('could not answer the offer', error));
      return;
    }
    if (this.#destroyed) return;
    const local = pc.localDescription ?? answer;
    this.emit('signal', { type: local.type, sdp: local.sdp });
    this.#requestMissingTransceivers(pc);
  }

  /** A local track that no offered line took: ask the viewer to add one (it re-offers), as simple-peer does. */
  #requestMissingTransceivers(pc: RTCPeerConnection): void {
    if (typeof pc.getTransceivers !== 'function') return;
    for (const transceiver of pc.getTransceivers()) {
      const track = transceiver.sender.track;
      if (transceiver.mid || !track || this.#requested.has(transceiver)) continue;
      this.#requested.add(transceiver);
      this.emit('signal', { type: 'transceiverRequest', transceiverRequest: { kind: track.kind } });
    }
  }

  async #addCandidate(pc: RTCPeerConnection, candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await pc.addIceCandidate(candidate);
    } catch (error) {
      const address = candidate.candidate?.split(' ')[4];
      // Like simple-peer: a candidate without an address or with an mDNS name this browser cannot use is skipped.
      if (!address || address.endsWith('.local')) log.debug('ignored a candidate this browser cannot use', { error: String(error) });
      else this.#destroy(failure("could not add the viewer's candidate", error));
    }
  }

  #onLocalCandidate(candidate: RTCIceCandidate | null): void {
    if (this.#destroyed || !candidate) return;
    this.emit('signal', {
      type: 'candidate',
      candidate: { candidate: candidate.candidate, sdpMLineIndex: candidate.sdpMLineIndex, sdpMid: candidate.sdpMid },
    });
  }

  #onIceState(state: RTCIceConnectionState): void {
    if (this.#destroyed) return;
    if (state === 'connected' || state === 'completed') {
      this.#iceConnected = true;
      this.#maybeConnect();
    } else if (state === 'failed') {
      this.#destroy(failure('the ICE connection failed'));
    } else if (state === 'closed') {
      this.#destroy(failure('the ICE connection closed'));
    }
  }

  #setUpChannel(channel: RTCDataChannel): void {
    if (this.#destroyed) return;
    this.#channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event) => {
      if (this.#destroyed || this.#channel !== channel) return;
      const data: unknown = (event as MessageEvent).data;
      if (typeof data === 'string') this.emit('data', data);
      else if (data instanceof ArrayBuffer) this.emit('data', new Uint8Array(data));
    });
    channel.addEventListener('open', () => this.#onChannelOpen(channel));
    channel.addEventListener('close', () => {
      if (this.#channel === channel) this.#destroy(null);
    });
    channel.addEventListener('error', (event) => {
      if (this.#channel !== channel) return;
      const error = (event as RTCErrorEvent).error;
      this.#destroy(failure('the data channel failed', error));
    });
    // A remotely created channel can be open by the time it is announced; its 'open' event may then come later or
    // (in some engines) not at all.
    if (channel.readyState === 'open') this.#onChannelOpen(channel);
  }

  #onChannelOpen(channel: RTCDataChannel): void {
    if (this.#destroyed || this.#channel !== channel) return;
    this.#channelOpen = true;
    this.#maybeConnect();
  }

  #maybeConnect(): void {
    if (this.#connected || !this.#iceConnected || !this.#channelOpen) return;
    this.#connected = true;
    this.emit('connect');
  }

  #destroy(error: Error | null): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#pendingCandidates = [];
    try {
      this.#channel?.close();
    } catch (closeError) {
      log.debug('closing the data channel threw', { error: String(closeError) });
    }
    try {
      this._pc?.close();
    } catch (closeError) {
      log.debug('closing the peer connection threw', { error: String(closeError) });
    }
    // Later, as simple-peer does: a caller destroying the peer from inside a listener does not hear of it re-entrantly.
    queueMicrotask(() => {
      if (error) this.emit('error', error);
      this.emit('close');
      this.removeAllListeners();
    });
  }
}

function failure(message: string, cause?: unknown): PawcamError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new PawcamError('connection-failed', `${message}${detail}`, { cause });
}
