/**
 * The browser objects behind the events feature's injected interfaces: canvases for the frame sampler, JPEG
 * encoding for thumbnails, MediaRecorder for clips, the AudioContext for sound, IndexedDB for the outbox. Thin on
 * purpose — the logic lives in the modules that take these as parameters and is unit-tested there; what is here is
 * proven by the end-to-end tests in real browsers.
 */
import { openObjectStore } from '../../../protocol/object-store.ts';
import type { CanvasLike, VideoSourceLike } from './frame-sampler.ts';
import type { RecorderLike } from './clip-recorder.ts';
import { OUTBOX_STORE, Outbox } from './outbox.ts';
import type { AudioContextLike } from './sound-sampler.ts';

/** A canvas for sampling: OffscreenCanvas where there is one (no layout, no DOM), else a detached <canvas>. */
export function createBrowserCanvas(width: number, height: number): CanvasLike {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/** JPEG bytes of a canvas at a quality that keeps a 160×120 thumbnail near 5 KB. */
export async function encodeCanvasJpeg(canvas: CanvasLike, quality = 0.7): Promise<Uint8Array | null> {
  let blob: Blob | null;
  if (typeof OffscreenCanvas === 'function' && canvas instanceof OffscreenCanvas) {
    blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  } else {
    blob = await new Promise<Blob | null>((resolve) => (canvas as HTMLCanvasElement).toBlob(resolve, 'image/jpeg', quality));
  }
  return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
}

/** The video element the page already shows the camera in. */
export function videoSource(video: HTMLVideoElement): VideoSourceLike {
  return video;
}

/**
 * What clips are recorded at. Measured in headless Chromium (software VP8, 2 loaded cores): one recorder at 640x360@15
 * with sound cost ~0.064 core, half the whole standby camera page; at 480x270@10 ~0.050. Phones with a hardware
 * encoder pay far less. Enough to see what the pet did; the live view is where detail lives.
 */
export const CLIP_VIDEO = { width: 480, height: 270, frameRate: 12, bitsPerSecond: 450_000 } as const;

/**
 * A copy of the camera stream for clips at a modest size and rate: the clip recorder keeps two encoders running
 * for the pre-roll, so what they encode decides most of detection's cost. A cloned track can take its own
 * constraints in Chrome and Firefox; where it cannot (Safari may apply them to the original too), the clone is
 * used as it is.
 */
export async function clipStream(source: MediaStream, video = CLIP_VIDEO): Promise<MediaStream> {
  const tracks: MediaStreamTrack[] = [];
  for (const track of source.getVideoTracks().slice(0, 1)) {
    const copy = track.clone();
    await copy
      .applyConstraints({ width: { ideal: video.width }, height: { ideal: video.height }, frameRate: { ideal: video.frameRate, max: video.frameRate } })
      .catch(() => undefined);
    tracks.push(copy);
  }
  for (const track of source.getAudioTracks().slice(0, 1)) tracks.push(track.clone());
  return new MediaStream(tracks);
}

/** A factory of MediaRecorders on `stream` in `mimeType`, with bitrates sized for 30 s clips sent over a data channel. */
export function mediaRecorderFactory(stream: MediaStream, mimeType: string): () => RecorderLike {
  return () => {
    const recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: CLIP_VIDEO.bitsPerSecond, audioBitsPerSecond: 32_000 });
    const like: RecorderLike = {
      // Some browsers report '' until recording starts.
      get mimeType() {
        return recorder.mimeType || mimeType;
      },
      start: (timesliceMs) => recorder.start(timesliceMs),
      stop: () => recorder.stop(),
      ondataavailable: null,
      onstop: null,
      onerror: null,
    };
    recorder.ondataavailable = (event) => like.ondataavailable?.(event);
    recorder.onstop = () => like.onstop?.();
    recorder.onerror = (event) => like.onerror?.(event);
    return like;
  };
}

/** The AudioContext as the sound sampler sees it. */
export function audioContextSource(context: AudioContext): AudioContextLike {
  return context;
}

/** Open the outbox in this origin's IndexedDB. */
export async function openBrowserOutbox(quotaBytes?: number): Promise<Outbox> {
  const store = await openObjectStore(indexedDB, OUTBOX_STORE, 5000);
  return Outbox.open(store, quotaBytes === undefined ? {} : { quotaBytes });
}
