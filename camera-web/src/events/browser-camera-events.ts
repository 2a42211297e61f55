/**
 * The events feature on a real camera page: CameraEvents with the browser's pieces — a detached <video> on the
 * camera's stream for the frame sampler, the page's AudioContext for sound, MediaRecorder on a small clone of the
 * stream for clips, IndexedDB for the outbox, localStorage for the settings. Loaded with a dynamic import once the
 * camera answers (station.ts), so none of this weighs on the page's first load.
 */
import { realTimers } from '../../../protocol/timers.ts';
import { createLogger } from '../../../protocol/log.ts';
import { audioContextSource, clipStream, createBrowserCanvas, encodeCanvasJpeg, mediaRecorderFactory, openBrowserOutbox, videoSource } from './browser-adapters.ts';
import { CameraEvents, localSettingsStore, type ClipsLike, type DetectionMedia, type DetectionStatus } from './camera-events.ts';
import { ClipRecorder, pickClipMimeType } from './clip-recorder.ts';
import { pageStorage } from '../station/replay-store.ts';
import type { EventLinks } from './event-delivery.ts';
import { FrameSampler } from './frame-sampler.ts';
import { SoundSampler } from './sound-sampler.ts';

const log = createLogger('browser-camera-events');

/** What the station hands over. */
export interface BrowserCameraEventsOptions {
  links: EventLinks & { release?(): void };
  camera: { readonly stream: MediaStream; on(event: 'tracks', listener: () => void): () => void };
  /** The AudioContext the Start tap unlocked (null: no sound detection). */
  audio: AudioContext | null;
  onStatus(status: DetectionStatus): void;
}

/** Start detection and delivery for the running camera; the returned `stop` ends both. */
export function startBrowserCameraEvents(options: BrowserCameraEventsOptions): { stop(): void } {
  const { camera, audio } = options;
  // The page's own preview is the view's; a detached element here keeps the sampler independent of the layout.
  // Muted and inline, it plays without a tap on every engine (iOS included).
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  const bind = (): void => {
    // Bound again after a camera switch: not every engine follows tracks added to a playing stream.
    video.srcObject = null;
    video.srcObject = camera.stream;
    video.play().catch((error: unknown) => log.info('detection video did not start', { error: String(error) }));
  };
  bind();

  const media: DetectionMedia = {
    frames: (onFrame) =>
      new FrameSampler({ video: videoSource(video), timers: realTimers, createCanvas: createBrowserCanvas, encodeJpeg: (canvas) => encodeCanvasJpeg(canvas), onFrame }),
    sound: (classifier, onDetection) => {
      const tracks = camera.stream.getAudioTracks();
      if (!audio || tracks.length === 0) return null;
      return new SoundSampler({ context: audioContextSource(audio), stream: new MediaStream(tracks), classifier, timers: realTimers, onDetection });
    },
    clips: (onClip, onError) => {
      const mimeType = typeof MediaRecorder === 'function' ? pickClipMimeType((type) => MediaRecorder.isTypeSupported(type)) : null;
      return mimeType ? browserClips(camera.stream, mimeType, onClip, onError) : null;
    },
  };
  const events = new CameraEvents({
    links: options.links,
    openOutbox: () => openBrowserOutbox(),
    media,
    settings: localSettingsStore(pageStorage()),
    timers: realTimers,
    onStatus: options.onStatus,
  });
  const offTracks = camera.on('tracks', () => {
    bind();
    events.tracksChanged();
  });
  void events.start();
  return {
    stop() {
      offTracks();
      events.stop();
      video.srcObject = null;
    },
  };
}

/** Rolling recorders on a small clone of the stream; the clone's tracks end with them. */
function browserClips(source: MediaStream, mimeType: string, onClip: Parameters<DetectionMedia['clips']>[0], onError: (message: string) => void): ClipsLike {
  let recorder: ClipRecorder | null = null;
  let stream: MediaStream | null = null;
  let stopped = false;
  const release = (s: MediaStream): void => {
    for (const track of s.getTracks()) track.stop();
  };
  return {
    start() {
      void clipStream(source).then(
        (clone) => {
          if (stopped) return release(clone);
          stream = clone;
          recorder = new ClipRecorder({ createRecorder: mediaRecorderFactory(clone, mimeType), timers: realTimers, onClip, onError });
          recorder.start();
        },
        (error: unknown) => onError(`no clip stream: ${String(error)}`),
      );
    },
    stop() {
      stopped = true;
      // Recorders finishing a clip deliver their last chunk on stop; the clone's tracks go once that is asked for.
      recorder?.stop();
      if (stream) release(stream);
    },
    trigger: (eventId) => recorder?.trigger(eventId) ?? { kind: 'unavailable' },
  };
}
