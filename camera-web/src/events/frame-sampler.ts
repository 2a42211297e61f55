/**
 * The browser side of motion detection: samples the camera's video element into a small greyscale frame through a
 * canvas a few times a second, on a timer rather than requestAnimationFrame — rAF stops when the page is hidden
 * and would run 60 times a second when it is not; detection must run at a low, steady rate whether or not anyone
 * is watching. Also takes the small JPEG thumbnail an event carries.
 */
import type { Timers } from '../../../protocol/timers.ts';
import { createLogger } from '../../../protocol/log.ts';

const log = createLogger('frame-sampler');

/** The part of an HTMLVideoElement we read. */
export interface VideoSourceLike {
  readonly videoWidth: number;
  readonly videoHeight: number;
  /** HTMLMediaElement.readyState: ≥ 2 (HAVE_CURRENT_DATA) means a frame can be drawn. */
  readonly readyState: number;
}

/** The part of a 2D context we use. */
export interface Context2DLike {
  drawImage(source: never, dx: number, dy: number, dw: number, dh: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): { data: Uint8ClampedArray };
}

/** A canvas (HTMLCanvasElement or OffscreenCanvas). */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(type: '2d', options?: { willReadFrequently?: boolean }): unknown;
}

/** Options of FrameSampler. */
export interface FrameSamplerOptions {
  video: VideoSourceLike;
  /** Largest sample frame; the video's aspect ratio is kept inside it. */
  maxWidth?: number;
  maxHeight?: number;
  /** Time between samples (default 250 ms: 4 frames a second). */
  intervalMs?: number;
  timers: Timers;
  createCanvas(width: number, height: number): CanvasLike;
  /** Encodes a canvas as JPEG bytes (HTMLCanvasElement.toBlob / OffscreenCanvas.convertToBlob); null when it cannot. */
  encodeJpeg(canvas: CanvasLike): Promise<Uint8Array | null>;
  /** One greyscale frame, row by row. */
  onFrame(luma: Uint8ClampedArray, width: number, height: number, at: number): void;
}

/** Sample size inside max×max keeping the aspect ratio; even numbers, at least 16×16. */
export function sampleSize(videoWidth: number, videoHeight: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  if (videoWidth <= 0 || videoHeight <= 0) return { width: maxWidth, height: maxHeight };
  const scale = Math.min(maxWidth / videoWidth, maxHeight / videoHeight, 1);
  const even = (n: number): number => Math.max(16, Math.round((n * scale) / 2) * 2);
  return { width: even(videoWidth), height: even(videoHeight) };
}

/** RGBA → luma (BT.601 weights in integers); `out` is reused between frames. */
export function rgbaToLuma(rgba: Uint8ClampedArray, out: Uint8ClampedArray): Uint8ClampedArray {
  for (let i = 0, j = 0; j < out.length; i += 4, j++) out[j] = (77 * rgba[i]! + 150 * rgba[i + 1]! + 29 * rgba[i + 2]!) >> 8;
  return out;
}

/** Samples a video element into greyscale frames on a timer. */
export class FrameSampler {
  readonly #o: FrameSamplerOptions;
  readonly #interval: number;
  #timer: unknown = null;
  #running = false;
  #canvas: { canvas: CanvasLike; ctx: Context2DLike; luma: Uint8ClampedArray } | null = null;

  constructor(options: FrameSamplerOptions) {
    this.#o = options;
    this.#interval = Math.max(50, options.intervalMs ?? 250);
  }

  /** Start sampling (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  /** Stop sampling. */
  stop(): void {
    this.#running = false;
    this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** A small JPEG of the current picture (for an event's thumbnail), or null when there is no picture. */
  async thumbnail(maxWidth = 160, maxHeight = 120): Promise<Uint8Array | null> {
    const video = this.#o.video;
    if (video.readyState < 2 || video.videoWidth === 0) return null;
    const { width, height } = sampleSize(video.videoWidth, video.videoHeight, maxWidth, maxHeight);
    const canvas = this.#o.createCanvas(width, height);
    const ctx = canvas.getContext('2d') as Context2DLike | null;
    if (!ctx) return null;
    ctx.drawImage(video as never, 0, 0, width, height);
    return this.#o.encodeJpeg(canvas);
  }

  #schedule(): void {
    this.#timer = this.#o.timers.setTimeout(() => {
      if (!this.#running) return;
      this.#sample();
      if (this.#running) this.#schedule();
    }, this.#interval);
  }

  #sample(): void {
    const video = this.#o.video;
    if (video.readyState < 2 || video.videoWidth === 0) return;
    const { width, height } = sampleSize(video.videoWidth, video.videoHeight, this.#o.maxWidth ?? 160, this.#o.maxHeight ?? 120);
    let c = this.#canvas;
    if (!c || c.canvas.width !== width || c.canvas.height !== height) {
      const canvas = this.#o.createCanvas(width, height);
      // willReadFrequently keeps the canvas in CPU memory: reading back a GPU canvas each frame costs more.
      const ctx = canvas.getContext('2d', { willReadFrequently: true }) as Context2DLike | null;
      if (!ctx) {
        log.warn('no 2D canvas: motion detection is off');
        this.stop();
        return;
      }
      c = { canvas, ctx, luma: new Uint8ClampedArray(width * height) };
      this.#canvas = c;
    }
    try {
      c.ctx.drawImage(video as never, 0, 0, width, height);
      const { data } = c.ctx.getImageData(0, 0, width, height);
      this.#o.onFrame(rgbaToLuma(data, c.luma), width, height, this.#o.timers.now());
    } catch (error) {
      // A video between tracks (camera switching) can refuse to be drawn for a frame; the next tick tries again.
      log.debug('frame not sampled', { error: String(error) });
    }
  }
}
