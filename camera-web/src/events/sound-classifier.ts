/**
 * Sound events on the phone, behind an interface so a trained audio model can replace the heuristic later.
 *
 * The heuristic (LoudnessPatternClassifier) measures loudness (RMS, dBFS) of short frames against an adaptive noise
 * floor and names the *pattern* of what is loud: several short bursts in a few seconds are "barking-like", one
 * long stretch is "howling/whining-like", a lone burst is a "loud sound". It cannot tell a dog from a door knock
 * and its labels say so: nothing here is called a bark detector.
 */
import type { CameraEventKind } from '../../../protocol/event-messages.ts';

/** The labels a sound classifier may give (a subset of the wire's event kinds). */
export type SoundLabel = Extract<CameraEventKind, 'barking-like' | 'howling-like' | 'loud-sound'>;

/** Human wording for each label, honest about what was measured. */
export const SOUND_LABEL_TEXT: Record<SoundLabel, string> = {
  'barking-like': 'Repeated short loud sounds (barking-like)',
  'howling-like': 'A long loud sound (howling/whining-like)',
  'loud-sound': 'A single loud sound',
};

/** A frame of mono samples in [-1, 1] that ended at `at` (ms). */
export interface SoundFrame {
  samples: Float32Array;
  sampleRate: number;
  at: number;
}

/** A sound event. */
export interface SoundDetection {
  label: SoundLabel;
  /** When the pattern began. */
  at: number;
  durationMs: number;
  /** The loudest frame, dBFS. */
  levelDbfs: number;
  /** 0..1: how far above the noise floor, scaled. */
  strength: number;
}

/** What every sound classifier does: frames in, detections out. A trained model implements this too. */
export interface SoundClassifier {
  /** A short name for logs and the bench. */
  readonly name: string;
  push(frame: SoundFrame): SoundDetection[];
  /** Sensitivity 1..100 and the least time between two detections of one label. */
  configure(settings: { sensitivity?: number; cooldownMs?: number }): void;
  /** Forget what was heard (microphone switched). */
  reset(): void;
}

/** Loudness of `samples` as RMS in dBFS (−160 for silence). */
export function rmsDbfs(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  // A NaN or infinite sample (a broken audio graph) must not poison the noise floor for good.
  if (!Number.isFinite(rms)) return -160;
  return rms > 1e-8 ? Math.min(0, Math.max(-160, 20 * Math.log10(rms))) : -160;
}

/** dB above the noise floor that count as loud, from sensitivity (1 → 26 dB, 100 → 10 dB). */
export function loudMarginDb(sensitivity: number): number {
  const s = Math.min(100, Math.max(1, Number.isFinite(sensitivity) ? sensitivity : 50));
  return 26 - (16 * (s - 1)) / 99;
}

/** Tuning of the loudness-pattern heuristic. */
export interface LoudnessPatternOptions {
  sensitivity: number;
  cooldownMs: number;
  /** Nothing quieter than this is loud, whatever the floor (a silent room must not make a sigh an event). */
  minLoudDbfs?: number;
  /** A loud stretch at least this long is howling-like. */
  sustainedMs?: number;
  /** Bursts at most this long count towards barking-like. */
  shortBurstMaxMs?: number;
  /** Bursts needed within `patternWindowMs` for barking-like. */
  burstsForBarking?: number;
  patternWindowMs?: number;
  /** A burst with nothing after it for this long is a single loud sound. */
  singleQuietMs?: number;
  /** Quiet gaps shorter than this do not split a burst. */
  hangoverMs?: number;
}

/** Bursts closer than this to the last one of a named pattern continue it. */
const EPISODE_GAP_MS = 3000;

interface Burst {
  start: number;
  end: number;
  peak: number;
}

/** The heuristic classifier: loudness against an adaptive noise floor, labelled by pattern. */
export class LoudnessPatternClassifier implements SoundClassifier {
  readonly name = 'loudness-pattern';
  readonly #o: Required<LoudnessPatternOptions>;
  #floor: number | null = null;
  #lastAt: number | null = null;
  #current: (Burst & { howled: boolean }) | null = null;
  #pending: Burst[] = [];
  /** After a pattern was named, bursts that follow closely belong to it, not to a new event. */
  #episodeUntil = Number.NEGATIVE_INFINITY;
  readonly #nextAllowed = new Map<SoundLabel, number>();

  constructor(options: LoudnessPatternOptions) {
    this.#o = {
      minLoudDbfs: -50,
      sustainedMs: 1500,
      shortBurstMaxMs: 700,
      burstsForBarking: 3,
      patternWindowMs: 5000,
      singleQuietMs: 1500,
      hangoverMs: 120,
      ...options,
    };
  }

  configure(settings: { sensitivity?: number; cooldownMs?: number }): void {
    if (settings.sensitivity !== undefined) this.#o.sensitivity = settings.sensitivity;
    if (settings.cooldownMs !== undefined) this.#o.cooldownMs = settings.cooldownMs;
  }

  reset(): void {
    this.#floor = null;
    this.#lastAt = null;
    this.#current = null;
    this.#pending = [];
    this.#episodeUntil = Number.NEGATIVE_INFINITY;
  }

  /** The current noise floor, dBFS (null before the first frame). */
  get noiseFloorDbfs(): number | null {
    return this.#floor;
  }

  push(frame: SoundFrame): SoundDetection[] {
    const o = this.#o;
    const level = rmsDbfs(frame.samples);
    const frameMs = (frame.samples.length / frame.sampleRate) * 1000;
    const start = this.#lastAt === null ? frame.at - frameMs : Math.max(this.#lastAt, frame.at - frameMs);
    this.#lastAt = frame.at;
    if (this.#floor === null) {
      this.#floor = level;
      return [];
    }
    const floor = this.#floor;
    const loud = level >= floor + loudMarginDb(o.sensitivity) && level >= o.minLoudDbfs;
    // The floor follows quiet quickly downwards and slowly upwards; while loud it barely moves, so a howl does not
    // raise it, yet a fan left running becomes the floor within a minute.
    const rate = loud ? 0.002 : level < floor ? 0.3 : 0.03;
    this.#floor = Math.max(-140, floor + rate * (level - floor));

    const out: SoundDetection[] = [];
    const at = frame.at;
    if (loud) {
      if (this.#current && start - this.#current.end <= o.hangoverMs) {
        this.#current.end = at;
        this.#current.peak = Math.max(this.#current.peak, level);
      } else {
        this.#closeBurst(out);
        this.#current = { start, end: at, peak: level, howled: false };
      }
      const c = this.#current;
      if (!c.howled && c.end - c.start >= o.sustainedMs) {
        c.howled = true;
        this.#episodeUntil = Number.POSITIVE_INFINITY;
        this.#fire(out, { label: 'howling-like', at: c.start, durationMs: c.end - c.start, levelDbfs: c.peak, strength: this.#strength(c.peak) });
      }
    } else if (this.#current && at - this.#current.end > o.hangoverMs) {
      this.#closeBurst(out);
    }
    this.#checkPending(at, out);
    return out;
  }

  #closeBurst(out: SoundDetection[]): void {
    const c = this.#current;
    if (!c) return;
    this.#current = null;
    if (c.howled) {
      this.#episodeUntil = c.end + EPISODE_GAP_MS;
      return;
    }
    if (c.start <= this.#episodeUntil) {
      this.#episodeUntil = c.end + EPISODE_GAP_MS;
      return;
    }
    this.#pending.push({ start: c.start, end: c.end, peak: c.peak });
    const o = this.#o;
    this.#pending = this.#pending.filter((b) => c.end - b.start <= o.patternWindowMs);
    const short = this.#pending.filter((b) => b.end - b.start <= o.shortBurstMaxMs);
    if (short.length >= o.burstsForBarking) {
      const first = short[0]!;
      const peak = Math.max(...short.map((b) => b.peak));
      this.#pending = [];
      this.#episodeUntil = c.end + EPISODE_GAP_MS;
      this.#fire(out, { label: 'barking-like', at: first.start, durationMs: c.end - first.start, levelDbfs: peak, strength: this.#strength(peak) });
    }
  }

  #checkPending(at: number, out: SoundDetection[]): void {
    const last = this.#pending.at(-1);
    if (!last || this.#current || at - last.end < this.#o.singleQuietMs) return;
    // One or two bursts and then quiet: not a pattern, a loud sound (the loudest one speaks for them).
    const loudest = this.#pending.reduce((a, b) => (b.peak > a.peak ? b : a));
    this.#pending = [];
    this.#fire(out, { label: 'loud-sound', at: loudest.start, durationMs: loudest.end - loudest.start, levelDbfs: loudest.peak, strength: this.#strength(loudest.peak) });
  }

  #strength(peak: number): number {
    return Math.min(1, Math.max(0, (peak - (this.#floor ?? peak)) / 40));
  }

  #fire(out: SoundDetection[], detection: SoundDetection): void {
    const allowed = this.#nextAllowed.get(detection.label) ?? Number.NEGATIVE_INFINITY;
    if (detection.at < allowed) return;
    this.#nextAllowed.set(detection.label, detection.at + this.#o.cooldownMs);
    out.push(detection);
  }
}
