/**
 * The one place the camera reaches under its answering peer for the RTCPeerConnection (`_pc`, as simple-peer 9 names
 * it; AnsweringRtcPeer keeps the name) for what the controls need: track switches, encoder limits, per-sender stats,
 * and the viewer's tracks. Every call here tolerates browsers that lack the API it uses.
 */
export type MediaKind = 'audio' | 'video';

/** The RTCPeerConnection under an answering peer, or null (a fake without one). */
export function peerConnectionOf(peer: object): RTCPeerConnection | null {
  const pc = (peer as { _pc?: unknown })._pc;
  return typeof pc === 'object' && pc !== null && typeof (pc as RTCPeerConnection).getSenders === 'function' ? (pc as RTCPeerConnection) : null;
}

/** The sender of our `kind` track (our senders always hold a track: we never replace one with null). */
export function senderFor(pc: RTCPeerConnection, kind: MediaKind): RTCRtpSender | null {
  return pc.getSenders().find((s) => s.track?.kind === kind) ?? null;
}

/** Send `track` instead of the current `kind` track, without renegotiation. False when no such track is sent. */
export async function replaceSentTrack(pc: RTCPeerConnection, kind: MediaKind, track: MediaStreamTrack): Promise<boolean> {
  const sender = senderFor(pc, kind);
  if (!sender) return false;
  await sender.replaceTrack(track);
  return true;
}

/** Encoder limits of a quality preset. */
export interface VideoLimits {
  maxBitrate: number;
  maxFramerate: number;
  /** Picture height to send at most: the encoder scales down a capture the camera would not shrink itself. */
  maxHeight: number;
}

/** How applying encoder limits went. */
export type LimitOutcome = 'applied' | 'bitrate-only' | 'unsupported' | 'not-ready' | 'no-sender';

/** Cap the video encoder's bitrate and frame rate (RTCRtpSender.setParameters; no renegotiation). */
export async function limitVideo(pc: RTCPeerConnection, limits: VideoLimits): Promise<LimitOutcome> {
  const sender = senderFor(pc, 'video');
  if (!sender) return 'no-sender';
  if (typeof sender.setParameters !== 'function' || typeof sender.getParameters !== 'function') return 'unsupported';
  // Encodings are empty until the session is negotiated (Firefox, Safari): the caller applies again on connect.
  const parameters = sender.getParameters();
  if (!parameters.encodings || parameters.encodings.length === 0) return 'not-ready';
  // Some cameras ignore a smaller size in applyConstraints (Firefox's, some iPhones' presets): scale in the encoder.
  const height = typeof sender.track?.getSettings === 'function' ? sender.track.getSettings().height : undefined;
  const scale = height && height > limits.maxHeight ? height / limits.maxHeight : 1;
  for (const encoding of parameters.encodings) {
    encoding.maxBitrate = limits.maxBitrate;
    encoding.maxFramerate = limits.maxFramerate;
    encoding.scaleResolutionDownBy = scale;
  }
  try {
    await sender.setParameters(parameters);
    return 'applied';
  } catch {
    // Older engines refuse maxFramerate or scaling; the bitrate cap is the part that matters on a weak uplink.
    const retry = sender.getParameters();
    for (const encoding of retry.encodings ?? []) encoding.maxBitrate = limits.maxBitrate;
    await sender.setParameters(retry);
    return 'bitrate-only';
  }
}

/** The video actually sent. */
export interface SentVideo {
  width: number;
  height: number;
  fps: number;
}

/** What the encoder sends now (outbound-rtp stats), or null when the browser does not say. */
export async function sentVideo(pc: RTCPeerConnection): Promise<SentVideo | null> {
  const sender = senderFor(pc, 'video');
  if (!sender || typeof sender.getStats !== 'function') return null;
  const report = await sender.getStats();
  let found: SentVideo | null = null;
  report.forEach((stat: Record<string, unknown>) => {
    // Safari 14 names the kind `mediaType`.
    const kind = stat['kind'] ?? stat['mediaType'];
    const width = stat['frameWidth'];
    const height = stat['frameHeight'];
    if (stat['type'] !== 'outbound-rtp' || kind !== 'video' || typeof width !== 'number' || typeof height !== 'number') return;
    const fps = typeof stat['framesPerSecond'] === 'number' ? stat['framesPerSecond'] : 0;
    // Simulcast would report several layers: keep the largest.
    if (!found || width > found.width) found = { width, height, fps };
  });
  return found;
}

/** Call `listener` with every track the viewer sends (its talk-back microphone), with or without a stream. */
export function onRemoteTrack(pc: RTCPeerConnection, listener: (track: MediaStreamTrack) => void): void {
  pc.addEventListener('track', (event) => listener((event as RTCTrackEvent).track));
}

/**
 * Bitrate cap of a standby link's thumbnail line. A 160-pixel frame every few seconds uses a few kbit/s whatever the
 * cap; the cap also bounds the connection's bandwidth estimate, and a Watch on the link starts from that estimate —
 * 100 kbit/s held the first live keyframe back for seconds.
 */
export const THUMBNAIL_MAX_BITRATE = 500_000;

/** The tracks a session may send: the camera's own, and the standby thumbnail. */
export interface LinkTracks {
  video: MediaStreamTrack | null;
  audio: MediaStreamTrack | null;
  thumbnail: MediaStreamTrack;
}

/** Silent stand-ins for the camera's sound, for engines that cannot pause an audio sender (one per track). */
const silentClones = new WeakMap<MediaStreamTrack, MediaStreamTrack>();

function silentClone(track: MediaStreamTrack): MediaStreamTrack {
  let clone = silentClones.get(track);
  if (!clone) {
    clone = track.clone();
    clone.enabled = false;
    silentClones.set(track, clone);
  }
  return clone;
}

/**
 * Switch what one session sends, on the lines negotiated when it opened (no new offer): `live` — the camera's picture
 * (the caller then applies the quality limits) and its sound; `standby` — the slow thumbnail, capped, and no sound.
 * Safe to call again with the same mode (after a track switch, or once the session is negotiated).
 */
export async function applyLinkMode(pc: RTCPeerConnection, mode: 'standby' | 'live', tracks: LinkTracks): Promise<void> {
  const video = senderFor(pc, 'video');
  const wantVideo = mode === 'live' ? tracks.video : tracks.thumbnail;
  if (video && wantVideo && video.track !== wantVideo) await video.replaceTrack(wantVideo);
  if (video && mode === 'standby' && typeof video.setParameters === 'function' && typeof video.getParameters === 'function') {
    const parameters = video.getParameters();
    if (parameters.encodings && parameters.encodings.length > 0) {
      for (const encoding of parameters.encodings) {
        encoding.maxBitrate = THUMBNAIL_MAX_BITRATE;
        encoding.scaleResolutionDownBy = 1;
        delete encoding.maxFramerate;
      }
      await video.setParameters(parameters);
    }
  }
  const audio = senderFor(pc, 'audio');
  if (!audio || !tracks.audio) return;
  const live = mode === 'live';
  if (typeof audio.setParameters === 'function' && typeof audio.getParameters === 'function') {
    const parameters = audio.getParameters();
    if (parameters.encodings && parameters.encodings.length > 0) {
      try {
        for (const encoding of parameters.encodings) encoding.active = live;
        await audio.setParameters(parameters);
        if (audio.track !== tracks.audio) await audio.replaceTrack(tracks.audio);
        return;
      } catch {
        // An engine that cannot pause a sender: send silence instead (below).
      }
    }
  }
  const wantAudio = live ? tracks.audio : silentClone(tracks.audio);
  if (audio.track !== wantAudio) await audio.replaceTrack(wantAudio);
}

/** Height of the first live frames: small enough for the bitrate a fresh (or thumbnail-only) connection estimates. */
export const START_UP_HEIGHT = 180;

/**
 * Send at most `height` lines for now (scale down in the encoder), keeping the other limits: the first frames of a
 * live watch then fit the low bandwidth estimate a new connection starts with, instead of the encoder holding
 * frames back until its estimate grows (WebRTC drops early frames larger than it can send). The caller restores the
 * quality limits shortly after.
 */
export async function capStartUpHeight(pc: RTCPeerConnection, height = START_UP_HEIGHT): Promise<boolean> {
  const sender = senderFor(pc, 'video');
  if (!sender || typeof sender.setParameters !== 'function' || typeof sender.getParameters !== 'function') return false;
  const trackHeight = typeof sender.track?.getSettings === 'function' ? sender.track.getSettings().height : undefined;
  if (!trackHeight || trackHeight <= height) return false;
  const parameters = sender.getParameters();
  if (!parameters.encodings || parameters.encodings.length === 0) return false;
  const scale = trackHeight / height;
  for (const encoding of parameters.encodings) encoding.scaleResolutionDownBy = Math.max(encoding.scaleResolutionDownBy ?? 1, scale);
  await sender.setParameters(parameters);
  return true;
}
