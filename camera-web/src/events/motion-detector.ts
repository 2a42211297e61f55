/**
 * Motion detection on small greyscale frames (64×48 .. 160×120), pure logic: the frames and their times are handed
 * in, so it runs the same in the page and in a unit test.
 *
 * Each frame is compared with a slowly updated background. A pixel counts as changed when it differs from the
 * background by more than a threshold (after removing the frame's mean brightness shift, so auto-exposure drift
 * does not count), and only when a neighbour changed too (sensor noise is speckle; a pet is a blob). Motion is a
 * share of the watched pixels changing for at least `minDurationMs`. When most of the picture changes at once —
 * lights on/off, auto-exposure jumping, the phone's IR mode switching — the background is re-learnt instead of
 * firing, and the next frames are only learnt from while the camera settles. After an event, no new one fires for
 * `cooldownMs`: a pet pacing for ten minutes must not become a hundred alerts.
 */
import { TypedEmitter } from '../../../protocol/events.ts';
import type { MotionZones } from '../../../protocol/event-messages.ts';

/** How a detector is set up. */
export interface MotionDetectorOptions {
  width: number;
  height: number;
  /** 1 (only big movement) .. 100 (the slightest). */
  sensitivity: number;
  /** Motion must go on this long before it is an event. */
  minDurationMs: number;
  /** Least time between two motion events' starts. */
  cooldownMs: number;
  /** Watched cells; null = the whole picture. */
  zones: MotionZones | null;
  /** Share of watched pixels that, changing at once, means "the light changed", not "something moved". */
  globalChangeFraction?: number;
  /** After a re-learn, frames only update the background for this long (exposure settles over a few frames). */
  settleMs?: number;
  /** An event ends after this long without motion. */
  endQuietMs?: number;
  /** An event ends after this long even if motion goes on (a clip is capped too); the next may fire after cooldown. */
  maxEventMs?: number;
  /** Motion that pauses for longer than this before `minDurationMs` is reached starts over. */
  gapMs?: number;
}

/** What one frame did. */
export type MotionState = 'learning' | 'relearn' | 'settling' | 'still' | 'moving' | 'event';

/** The result of one frame. */
export interface MotionFrameResult {
  state: MotionState;
  /** Share of watched pixels that changed (0..1). */
  fraction: number;
  /** Set on the frame that fires an event. */
  started?: MotionStart;
  /** Set on the frame that ends one. */
  ended?: MotionEnd;
}

/** A motion event begins. */
export interface MotionStart {
  at: number;
  /** Share of watched pixels that changed when it fired (0..1). */
  strength: number;
}

/** A motion event is over. */
export interface MotionEnd {
  startedAt: number;
  durationMs: number;
  /** Largest share of watched pixels that changed. */
  peakStrength: number;
}

/** Events of MotionDetector. */
export type MotionDetectorEvents = {
  start: (event: MotionStart) => void;
  end: (event: MotionEnd) => void;
  /** The picture changed as a whole; the background was re-learnt. */
  relearn: (at: number) => void;
};

/** Grey levels a pixel must differ by, from sensitivity (1 → 40, 100 → 12). */
export function pixelThreshold(sensitivity: number): number {
  return 40 - (28 * (clampSensitivity(sensitivity) - 1)) / 99;
}

/** Share of watched pixels that must change, from sensitivity (1 → 3.2 %, 100 → 0.2 %). */
export function areaThreshold(sensitivity: number): number {
  return 0.002 + (0.03 * (100 - clampSensitivity(sensitivity))) / 99;
}

function clampSensitivity(s: number): number {
  return Math.min(100, Math.max(1, Number.isFinite(s) ? s : 50));
}

/** The watched-pixel mask for a frame size from a zone grid (null zones: every pixel). */
export function zoneMask(width: number, height: number, zones: MotionZones | null): Uint8Array {
  const mask = new Uint8Array(width * height);
  if (!zones) return mask.fill(1);
  for (let y = 0; y < height; y++) {
    const row = Math.min(zones.rows - 1, Math.floor((y * zones.rows) / height));
    for (let x = 0; x < width; x++) {
      const col = Math.min(zones.cols - 1, Math.floor((x * zones.cols) / width));
      mask[y * width + x] = zones.cells[row * zones.cols + col] === '1' ? 1 : 0;
    }
  }
  return mask;
}

/** Per-frame background learning rates: unchanged pixels follow quickly, changed ones (a resting pet) slowly. */
const LEARN_RATE = 0.05;
const LEARN_RATE_CHANGED = 0.005;
const LEARN_RATE_SETTLING = 0.5;

/** Frame differencing against a slowly updated background, with global-change rejection, minimum duration, zones and cooldown. */
export class MotionDetector extends TypedEmitter<MotionDetectorEvents> {
  readonly #width: number;
  readonly #height: number;
  readonly #options: Required<Omit<MotionDetectorOptions, 'zones'>>;
  #mask: Uint8Array;
  #watched: number;
  #background: Float32Array | null = null;
  readonly #changed: Uint8Array;
  #settleUntil = Number.NEGATIVE_INFINITY;
  #candidateSince: number | null = null;
  #lastMotionAt = Number.NEGATIVE_INFINITY;
  #nextAllowedAt = Number.NEGATIVE_INFINITY;
  #active: { startedAt: number; peak: number } | null = null;

  constructor(options: MotionDetectorOptions) {
    super();
    if (!Number.isInteger(options.width) || !Number.isInteger(options.height) || options.width < 8 || options.height < 8 || options.width * options.height > 320 * 240) {
      throw new RangeError(`motion frames must be 8×8 .. 320×240 pixels, not ${options.width}×${options.height}`);
    }
    this.#width = options.width;
    this.#height = options.height;
    this.#options = {
      width: options.width,
      height: options.height,
      sensitivity: options.sensitivity,
      minDurationMs: options.minDurationMs,
      cooldownMs: options.cooldownMs,
      globalChangeFraction: options.globalChangeFraction ?? 0.5,
      settleMs: options.settleMs ?? 1500,
      endQuietMs: options.endQuietMs ?? 2000,
      maxEventMs: options.maxEventMs ?? 30_000,
      gapMs: options.gapMs ?? 600,
    };
    this.#changed = new Uint8Array(options.width * options.height);
    this.#mask = zoneMask(options.width, options.height, options.zones);
    this.#watched = countOnes(this.#mask);
  }

  /** Change sensitivity, duration, cooldown or zones without losing the background. */
  configure(settings: Partial<Pick<MotionDetectorOptions, 'sensitivity' | 'minDurationMs' | 'cooldownMs' | 'zones'>>): void {
    if (settings.sensitivity !== undefined) this.#options.sensitivity = settings.sensitivity;
    if (settings.minDurationMs !== undefined) this.#options.minDurationMs = settings.minDurationMs;
    if (settings.cooldownMs !== undefined) this.#options.cooldownMs = settings.cooldownMs;
    if (settings.zones !== undefined) {
      this.#mask = zoneMask(this.#width, this.#height, settings.zones);
      this.#watched = countOnes(this.#mask);
    }
  }

  /** Forget the background (the camera was switched): the next frame is learnt, not compared. */
  reset(): void {
    this.#background = null;
    this.#candidateSince = null;
    this.#endActive(this.#lastMotionAt);
  }

  /** Feed one greyscale frame (`width × height` luma bytes) taken at `at` ms; frames must come in time order. */
  push(luma: Uint8ClampedArray | Uint8Array, at: number): MotionFrameResult {
    const size = this.#width * this.#height;
    if (luma.length !== size) throw new RangeError(`expected ${size} luma bytes, got ${luma.length}`);
    const background = this.#background;
    if (!background) {
      this.#background = Float32Array.from(luma);
      return { state: 'learning', fraction: 0 };
    }
    const o = this.#options;
    const mask = this.#mask;

    // Mean brightness shift over the watched pixels: auto-exposure moves every pixel alike.
    let shift = 0;
    for (let i = 0; i < size; i++) if (mask[i]) shift += luma[i]! - background[i]!;
    shift = this.#watched > 0 ? shift / this.#watched : 0;

    const threshold = pixelThreshold(o.sensitivity);
    const changed = this.#changed;
    let rawChanged = 0;
    for (let i = 0; i < size; i++) {
      const d = luma[i]! - background[i]!;
      changed[i] = Math.abs(d - shift) > threshold ? 1 : 0;
      if (mask[i] && Math.abs(d) > threshold) rawChanged++;
    }
    // Count changed pixels with a changed right or lower neighbour: isolated noise speckles do not count.
    const w = this.#width;
    let blobby = 0;
    let compensatedChanged = 0;
    for (let y = 0; y < this.#height; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!mask[i] || !changed[i]) continue;
        compensatedChanged++;
        if ((x + 1 < w && changed[i + 1]) || (y + 1 < this.#height && changed[i + w])) blobby++;
      }
    }
    const watched = Math.max(1, this.#watched);
    const fraction = blobby / watched;

    if (rawChanged / watched >= o.globalChangeFraction || compensatedChanged / watched >= o.globalChangeFraction) {
      background.set(luma);
      this.#settleUntil = at + o.settleMs;
      this.#candidateSince = null;
      this.emit('relearn', at);
      const ended = this.#maybeEnd(at);
      return { state: 'relearn', fraction, ...(ended ? { ended } : {}) };
    }
    if (at < this.#settleUntil) {
      learn(background, luma, changed, LEARN_RATE_SETTLING, LEARN_RATE_SETTLING);
      const ended = this.#maybeEnd(at);
      return { state: 'settling', fraction, ...(ended ? { ended } : {}) };
    }
    learn(background, luma, changed, LEARN_RATE, LEARN_RATE_CHANGED);

    const moving = this.#watched > 0 && fraction >= areaThreshold(o.sensitivity);
    if (moving) {
      if (this.#candidateSince === null || at - this.#lastMotionAt > o.gapMs) this.#candidateSince = at;
      this.#lastMotionAt = at;
      if (this.#active) this.#active.peak = Math.max(this.#active.peak, fraction);
    } else if (this.#candidateSince !== null && !this.#active && at - this.#lastMotionAt > o.gapMs) {
      this.#candidateSince = null;
    }

    if (!this.#active && moving && this.#candidateSince !== null && at - this.#candidateSince >= o.minDurationMs && at >= this.#nextAllowedAt) {
      this.#active = { startedAt: at, peak: fraction };
      this.#nextAllowedAt = at + o.cooldownMs;
      const started: MotionStart = { at, strength: Math.min(1, fraction) };
      this.emit('start', started);
      return { state: 'event', fraction, started };
    }
    const ended = this.#maybeEnd(at);
    if (ended) return { state: moving ? 'moving' : 'still', fraction, ended };
    return { state: this.#active ? 'event' : moving ? 'moving' : 'still', fraction };
  }

  #maybeEnd(at: number): MotionEnd | null {
    const active = this.#active;
    if (!active) return null;
    if (at - this.#lastMotionAt < this.#options.endQuietMs && at - active.startedAt < this.#options.maxEventMs) return null;
    return this.#endActive(Math.min(at, Math.max(this.#lastMotionAt, active.startedAt)));
  }

  #endActive(endAt: number): MotionEnd | null {
    const active = this.#active;
    if (!active) return null;
    this.#active = null;
    this.#candidateSince = null;
    const ended: MotionEnd = { startedAt: active.startedAt, durationMs: Math.max(0, endAt - active.startedAt), peakStrength: Math.min(1, active.peak) };
    this.emit('end', ended);
    return ended;
  }
}

function learn(background: Float32Array, luma: ArrayLike<number>, changed: Uint8Array, rate: number, rateChanged: number): void {
  for (let i = 0; i < background.length; i++) {
    const r = changed[i] ? rateChanged : rate;
    background[i]! += r * (luma[i]! - background[i]!);
  }
}

function countOnes(mask: Uint8Array): number {
  let n = 0;
  for (const m of mask) n += m;
  return n;
}
