/**
 * The real browser pieces behind the viewer's injectable seams: the PeerJS-backed transports, simple-peer, and the
 * one place that reaches into simple-peer's RTCPeerConnection (for stats and ICE errors simple-peer does not report).
 */
import Peer from 'peerjs';
import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { FetchLike } from '../../../../protocol/ice.ts';
import { peerClientOptions } from '../../../../protocol/peer-options.ts';
import type { EnrollOutcome } from '../../../../protocol/enrollment.ts';
import { PeerjsTransport, type PeerLike } from '../../../../protocol/transport.ts';
import { createLogger } from '../../../../protocol/log.ts';
import type { CreatePeer, PeerInspector, SimplePeerLike } from './types.ts';

const log = createLogger('rtc');

/** The signaling transport for peer `id` (holding `token`) on the server at `serverUrl`; `enroll` for a closed server. */
export function createTransport(serverUrl: string, id: string, token: string, enroll?: () => Promise<EnrollOutcome>): PeerjsTransport {
  return new PeerjsTransport({
    id,
    token,
    enroll,
    // PeerJS logs every EXPIRE as an error; presence pings offline cameras every 3 s, so that would flood the console.
    // The transport reports what matters through its own events and logger.
    createPeer: (peerId, peerToken) => new Peer(peerId, { ...peerClientOptions(serverUrl, peerToken), debug: 0 }) as unknown as PeerLike,
  });
}

/** simple-peer, as the watch session dials it (with its receivers tuned for latency, and the talk-back line). */
export const createSimplePeer: CreatePeer = (options) => {
  const { talkBack, ...simplePeerOptions } = options;
  const peer = new SimplePeer(simplePeerOptions) as unknown as SimplePeerLike;
  const pc = connectionOf(peer);
  if (pc) pc.addEventListener('track', (event) => playOutAtOnce(event.receiver));
  let talkSender: RTCRtpSender | null = null;
  if (talkBack && pc) {
    // simple-peer's first offer runs in a microtask after its constructor, so a transceiver added synchronously here
    // is in that offer: a sendrecv audio line with no track yet, so the dial never waits for the microphone and its
    // track is put on this sender later with replaceTrack (no renegotiation). offerToReceiveAudio adds no second
    // audio line, as this one already receives. simple-peer's addTransceiver does not return the sender, hence `pc`.
    talkSender = pc.addTransceiver('audio', { direction: 'sendrecv' }).sender;
  } else if (talkBack) {
    log.warn('no RTCPeerConnection behind simple-peer: watching without talk-back');
  }
  return { peer, talkSender };
};

/**
 * Ask the receiver to keep its jitter buffer as short as the network allows. The bench showed Chrome's default
 * target adds latency a live pet camera does not need; 0 means "as low as possible" (the browser still adapts to
 * real jitter). `jitterBufferTarget` is the standard name (ms); `playoutDelayHint` (s) is Chrome's older one.
 */
export function playOutAtOnce(receiver: RTCRtpReceiver): void {
  const r = receiver as unknown as Record<string, unknown>;
  try {
    if ('jitterBufferTarget' in r) r['jitterBufferTarget'] = 0;
    else if ('playoutDelayHint' in r) r['playoutDelayHint'] = 0;
  } catch (error) {
    log.debug('could not set the jitter buffer target', { error: String(error) });
  }
}

/** Echo-cancelled microphone for talk-back (so the pet's sound from the speakers is not sent back). */
export function openMic(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) return Promise.reject(new Error('this browser has no microphone access'));
  return navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
}

/**
 * simple-peer keeps its RTCPeerConnection in the undocumented `_pc` (simple-peer 9.x); it exposes neither getStats,
 * `icecandidateerror` nor the senders of its transceivers. Only this function depends on that.
 */
function connectionOf(peer: SimplePeerLike): RTCPeerConnection | null {
  const pc = (peer as unknown as { _pc?: unknown })._pc;
  return typeof RTCPeerConnection !== 'undefined' && pc instanceof RTCPeerConnection ? pc : null;
}

/** Stats and ICE errors from simple-peer's RTCPeerConnection. */
export const peerInspector: PeerInspector = {
  async stats(peer) {
    const pc = connectionOf(peer);
    if (!pc || pc.connectionState === 'closed') return null;
    const report = await pc.getStats();
    const records: Record<string, unknown>[] = [];
    report.forEach((record: Record<string, unknown>) => records.push(record));
    return records;
  },
  observe(peer, observer) {
    const pc = connectionOf(peer);
    if (!pc) return () => {};
    const onError = (event: Event): void => {
      const e = event as RTCPeerConnectionIceErrorEvent;
      observer.candidateError(typeof e.errorCode === 'number' ? e.errorCode : 0, typeof e.url === 'string' ? e.url : '');
    };
    const onGathering = (): void => {
      if (pc.iceGatheringState === 'complete') observer.gatheringComplete();
    };
    pc.addEventListener('icecandidateerror', onError);
    pc.addEventListener('icegatheringstatechange', onGathering);
    return () => {
      pc.removeEventListener('icecandidateerror', onError);
      pc.removeEventListener('icegatheringstatechange', onGathering);
    };
  },
};

/** The browser's fetch for `/ice` (no cookies: the request authenticates with the registration token alone). */
export const iceFetch: FetchLike = (url, init) => globalThis.fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
