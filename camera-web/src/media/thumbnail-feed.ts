/**
 * The standby links' picture: one small, slow video track (for example 160×90, a frame every 3 s) that every standby
 * session sends instead of the camera's own track, so a viewer's camera list shows a live thumbnail while the phone
 * encodes almost nothing. It paints only while at least one standby link wants it, and at once when one opens or asks
 * again (a new link should not wait a whole interval for its first picture).
 */
import { createLogger } from '../../../protocol/log.ts';
import { realTimers, type Timers } from '../../../protocol/timers.ts';

const log = createLogger('thumbnail-feed');

/** Width of the thumbnail in pixels (the height follows the camera's aspect). */
export const THUMBNAIL_WIDTH = 160;
/** A thumbnail frame every this many ms by default. */
export const THUMBNAIL_INTERVAL_MS = 3000;

/** Paints the camera's current picture into the thumbnail track (a canvas in the page; a fake in tests). */
export interface ThumbnailPainter {
  /** The track standby sessions send. */
  readonly track: MediaStreamTrack;
  /**
   * Paint one frame of `source` and push it; false when there is no picture yet (the painter then paints as soon as
   * one comes).
   */
  paint(source: MediaStreamTrack): boolean;
  /** Nobody wants thumbnails for now: stop following the camera until the next paint. */
  rest(): void;
  /** Release the canvas and the track. */
  close(): void;
}

/** Options of ThumbnailFeed. */
export interface ThumbnailFeedOptions {
  /** The camera's video track now (it changes when the camera is switched). */
  source: () => MediaStreamTrack | null;
  painter: ThumbnailPainter;
  intervalMs?: number;
  timers?: Timers;
}

/** A slow thumbnail track, painted while someone holds it. */
export class ThumbnailFeed {
  readonly #source: () => MediaStreamTrack | null;
  readonly #painter: ThumbnailPainter;
  readonly #intervalMs: number;
  readonly #timers: Timers;
  readonly #holders = new Set<string>();
  #timer: unknown = null;
  #frames = 0;
  #closed = false;

  constructor(options: ThumbnailFeedOptions) {
    this.#source = options.source;
    this.#painter = options.painter;
    this.#intervalMs = options.intervalMs ?? THUMBNAIL_INTERVAL_MS;
    this.#timers = options.timers ?? realTimers;
  }

  /** The track to send on standby links. */
  get track(): MediaStreamTrack {
    return this.#painter.track;
  }

  /** Frames painted so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Whether it paints now (someone holds it). */
  get running(): boolean {
    return this.#timer !== null;
  }

  /** `holder` (a viewer's standby link) wants thumbnails: paint one now and keep painting. */
  hold(holder: string): void {
    if (this.#closed) return;
    this.#holders.add(holder);
    this.#paint();
    this.#schedule();
  }

  /** `holder` no longer wants thumbnails; painting stops when nobody does. */
  release(holder: string): void {
    this.#holders.delete(holder);
    if (this.#holders.size > 0 || this.#timer === null) return;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#painter.rest();
  }

  /** Stop for good. */
  close(): void {
    this.#closed = true;
    this.#holders.clear();
    this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#painter.close();
  }

  #schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      if (this.#closed || this.#holders.size === 0) return;
      this.#paint();
      this.#schedule();
    }, this.#intervalMs);
  }

  #paint(): void {
    const source = this.#source();
    if (!source || source.readyState === 'ended') return;
    try {
      if (this.#painter.paint(source)) this.#frames++;
    } catch (error) {
      log.warn('could not paint a thumbnail', { error: String(error) });
    }
  }
}

/** What a browser canvas track offers: `requestFrame` pushes the canvas as one frame (captureStream(0)). */
interface CanvasFrameTrack extends MediaStreamTrack {
  requestFrame?: () => void;
}

/**
 * The page's painter: the camera track plays in a hidden video element (iOS Safari plays only elements in the
 * document) and is drawn, scaled, into a canvas whose captured track sends a frame only when asked.
 */
export function canvasPainter(doc: Document, width = THUMBNAIL_WIDTH): ThumbnailPainter {
  const canvas = doc.createElement('canvas');
  canvas.width = width;
  canvas.height = Math.round((width * 9) / 16);
  const context = canvas.getContext('2d');
  const video = doc.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.setAttribute('aria-hidden', 'true');
  video.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0;pointer-events:none';
  doc.body.append(video);
  // captureStream(0) sends a frame only on requestFrame; an engine without it gets a slow steady rate instead.
  const captured = canvas.captureStream(0);
  const track = captured.getVideoTracks()[0] as CanvasFrameTrack | undefined;
  if (!track) throw new Error('this browser cannot capture a canvas');
  const fallback = typeof track.requestFrame === 'function' ? null : canvas.captureStream(1).getVideoTracks()[0];
  let playing: MediaStreamTrack | null = null;
  let pending = false;
  const draw = (): boolean => {
    if (!context || video.readyState < 2 || video.videoWidth === 0) return false;
    const height = Math.max(2, Math.round((width * video.videoHeight) / video.videoWidth / 2) * 2);
    if (canvas.height !== height) canvas.height = height;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    track.requestFrame?.();
    return true;
  };
  // A link that just opened gets its first picture as soon as the camera's is there, not an interval later.
  video.addEventListener('loadeddata', () => {
    if (pending) pending = !draw();
  });
  return {
    track: fallback ?? track,
    paint(source) {
      if (playing !== source) {
        playing = source;
        video.srcObject = new MediaStream([source]);
        void video.play().catch(() => undefined);
      }
      pending = !draw();
      return !pending;
    },
    rest() {
      playing = null;
      pending = false;
      video.srcObject = null;
    },
    close() {
      video.srcObject = null;
      video.remove();
      track.stop();
      fallback?.stop();
    },
  };
}
