/**
 * Event clips with pre-roll, around MediaRecorder.
 *
 * The hard part is the pre-roll: the clip must start seconds *before* the trigger, but a MediaRecorder's chunks
 * cannot be cut anywhere — a WebM is only playable from its header chunk and a keyframe, a fragmented MP4 (Safari)
 * only from its init segment, and MediaRecorder puts keyframes where it likes. So instead of splicing one long
 * recording, recorders are started in turn every `segmentMs`, each recording a whole, valid file from its own
 * first keyframe. On a trigger, the newest recorder that started at least `preRollMs` earlier becomes the clip: it
 * goes on for the post-roll and is then stopped, and its chunks, concatenated, are a playable file whose first
 * frame is before the trigger. A recorder is stopped as soon as a newer one is old enough to serve the pre-roll, so
 * two encoders overlap only for `preRollMs` of every `segmentMs` (default 3 s of 10 s: 1.3 encoders on average,
 * never more than 2 while idle). The price of a long segment is a longer pre-roll (3–13 s) and so a bigger clip;
 * the factory should record a small, low-frame-rate copy of the camera track rather than the full stream.
 */
import type { Timers } from '../../../protocol/timers.ts';
import { createLogger } from '../../../protocol/log.ts';

const log = createLogger('clip-recorder');

/** The part of MediaRecorder we use. */
export interface RecorderLike {
  readonly mimeType: string;
  start(timesliceMs?: number): void;
  stop(): void;
  ondataavailable: ((event: { data: Blob }) => void) | null;
  onstop: (() => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A finished clip. */
export interface Clip {
  eventId: string;
  /** Approximate time of the first frame (when its recorder started). */
  startedAt: number;
  endedAt: number;
  triggerAt: number;
  mimeType: string;
  bytes: Uint8Array;
}

/** What recording formats we ask for, best first: WebM on Chrome/Firefox, MP4 (H.264/AAC) on Safari. */
export const CLIP_MIME_CANDIDATES = [
  'video/webm;codecs=vp8,opus',
  'video/webm;codecs=vp8',
  'video/mp4;codecs=avc1.42E01E,mp4a.40.2',
  'video/mp4;codecs=avc1.42E01E',
  'video/webm',
  'video/mp4',
] as const;

/** The first candidate the browser records (`MediaRecorder.isTypeSupported`), or null: no clips on this browser. */
export function pickClipMimeType(isTypeSupported: (type: string) => boolean): string | null {
  for (const type of CLIP_MIME_CANDIDATES) {
    try {
      if (isTypeSupported(type)) return type;
    } catch {
      // Some old WebKit builds throw instead of answering false.
    }
  }
  return null;
}

/** Options of ClipRecorder. */
export interface ClipRecorderOptions {
  /** Makes a recorder on the (small) clip stream with the chosen mimeType. */
  createRecorder(): RecorderLike;
  timers: Timers;
  /** At least this much before the trigger (default 3 s). */
  preRollMs?: number;
  /** After the (last) trigger (default 5 s). */
  postRollMs?: number;
  /** Whole clip at most (default 30 s). */
  maxClipMs?: number;
  /** Time between recorder starts (default 10 s; never less than the pre-roll). */
  segmentMs?: number;
  /** MediaRecorder timeslice (default 1 s). */
  timesliceMs?: number;
  onClip(clip: Clip): void;
  onError(message: string): void;
}

interface Capture {
  eventId: string;
  triggerAt: number;
  endAt: number;
  timer: unknown;
}

interface Running {
  id: number;
  recorder: RecorderLike;
  startedAt: number;
  chunks: Blob[];
  capture: Capture | null;
  stopping: boolean;
}

/** What a trigger did. */
export type TriggerResult =
  | { kind: 'recording'; eventId: string; preRollMs: number }
  /** The moment falls inside a clip already being recorded for `eventId`; that clip was lengthened. */
  | { kind: 'extended'; eventId: string }
  | { kind: 'unavailable' };

/** Rolling recorders that turn triggers into clips with pre-roll and post-roll. */
export class ClipRecorder {
  readonly #o: Required<Omit<ClipRecorderOptions, 'createRecorder' | 'timers' | 'onClip' | 'onError'>> & ClipRecorderOptions;
  readonly #running: Running[] = [];
  #rotation: unknown = null;
  #pruneTimer: unknown = null;
  #started = false;
  #nextId = 1;
  #maxAlive = 0;

  constructor(options: ClipRecorderOptions) {
    const preRollMs = options.preRollMs ?? 3000;
    this.#o = {
      postRollMs: 5000,
      maxClipMs: 30_000,
      timesliceMs: 1000,
      ...options,
      preRollMs,
      segmentMs: Math.max(preRollMs, options.segmentMs ?? 10_000),
    };
  }

  /** Most recorders that were running at once (the cost of pre-roll; the bench reads it). */
  get maxConcurrentRecorders(): number {
    return this.#maxAlive;
  }

  /** Start the rolling recorders. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#rotate();
  }

  /** Stop rolling; clips being recorded are finished and delivered. */
  stop(): void {
    this.#started = false;
    this.#o.timers.clearTimeout(this.#rotation);
    this.#o.timers.clearTimeout(this.#pruneTimer);
    this.#rotation = null;
    for (const r of [...this.#running]) {
      if (r.capture) {
        this.#o.timers.clearTimeout(r.capture.timer);
        this.#finish(r);
      } else this.#drop(r);
    }
  }

  /** Something happened now: start (or lengthen) a clip for `eventId`. */
  trigger(eventId: string): TriggerResult {
    const now = this.#o.timers.now();
    const capturing = this.#running.find((r) => r.capture && !r.stopping);
    if (capturing?.capture) {
      const c = capturing.capture;
      const endAt = Math.min(capturing.startedAt + this.#o.maxClipMs, Math.max(c.endAt, now + this.#o.postRollMs));
      if (endAt > c.endAt) {
        c.endAt = endAt;
        this.#o.timers.clearTimeout(c.timer);
        c.timer = this.#o.timers.setTimeout(() => this.#finish(capturing), endAt - now);
      }
      return { kind: 'extended', eventId: c.eventId };
    }
    const idle = this.#running.filter((r) => !r.capture && !r.stopping);
    if (idle.length === 0) return { kind: 'unavailable' };
    // The newest recorder old enough for the pre-roll; right after start, the oldest there is (a shorter pre-roll).
    const oldEnough = idle.filter((r) => r.startedAt <= now - this.#o.preRollMs);
    const chosen = oldEnough.length > 0 ? oldEnough.reduce((a, b) => (b.startedAt > a.startedAt ? b : a)) : idle.reduce((a, b) => (b.startedAt < a.startedAt ? b : a));
    const endAt = Math.min(chosen.startedAt + this.#o.maxClipMs, now + this.#o.postRollMs);
    chosen.capture = { eventId, triggerAt: now, endAt, timer: this.#o.timers.setTimeout(() => this.#finish(chosen), endAt - now) };
    return { kind: 'recording', eventId, preRollMs: now - chosen.startedAt };
  }

  #rotate(): void {
    if (!this.#started) return;
    this.#startRecorder();
    this.#prune();
    // Once the new recorder can serve the pre-roll, the one before it is no longer needed.
    this.#o.timers.clearTimeout(this.#pruneTimer);
    this.#pruneTimer = this.#o.timers.setTimeout(() => this.#prune(), this.#o.preRollMs);
    this.#rotation = this.#o.timers.setTimeout(() => this.#rotate(), this.#o.segmentMs);
  }

  #startRecorder(): void {
    let recorder: RecorderLike;
    try {
      recorder = this.#o.createRecorder();
    } catch (error) {
      this.#o.onError(`could not create a recorder: ${String(error)}`);
      return;
    }
    const running: Running = { id: this.#nextId++, recorder, startedAt: this.#o.timers.now(), chunks: [], capture: null, stopping: false };
    recorder.ondataavailable = (event) => {
      if (event.data.size > 0) running.chunks.push(event.data);
    };
    recorder.onerror = (event) => {
      log.warn('recorder failed', { id: running.id, error: String((event as { error?: unknown })?.error ?? event) });
      const lost = running.capture;
      this.#drop(running);
      if (lost) this.#o.onError(`the clip for event ${lost.eventId} was lost: the recorder failed`);
    };
    try {
      recorder.start(this.#o.timesliceMs);
    } catch (error) {
      this.#o.onError(`could not start a recorder: ${String(error)}`);
      return;
    }
    this.#running.push(running);
    this.#maxAlive = Math.max(this.#maxAlive, this.#running.length);
  }

  /** Drop idle recorders that a newer, already old-enough recorder makes useless for any future trigger. */
  #prune(): void {
    const cutoff = this.#o.timers.now() - this.#o.preRollMs;
    const idle = this.#running.filter((r) => !r.capture && !r.stopping);
    const newestOldEnough = idle.filter((r) => r.startedAt <= cutoff).reduce<Running | null>((a, b) => (a && a.startedAt >= b.startedAt ? a : b), null);
    if (!newestOldEnough) return;
    for (const r of idle) if (r.startedAt < newestOldEnough.startedAt) this.#drop(r);
  }

  #drop(r: Running): void {
    this.#remove(r);
    r.recorder.ondataavailable = null;
    r.recorder.onstop = null;
    r.recorder.onerror = null;
    r.chunks = [];
    try {
      r.recorder.stop();
    } catch {
      // Already inactive.
    }
  }

  #finish(r: Running): void {
    const capture = r.capture;
    if (!capture || r.stopping) return;
    r.stopping = true;
    const endedAt = this.#o.timers.now();
    // MediaRecorder delivers its last chunk before `stop`; only then is the file whole.
    r.recorder.onstop = () => {
      this.#remove(r);
      const mimeType = r.recorder.mimeType || 'video/webm';
      void new Blob(r.chunks, { type: mimeType })
        .arrayBuffer()
        .then((buffer) => {
          this.#o.onClip({ eventId: capture.eventId, startedAt: r.startedAt, endedAt, triggerAt: capture.triggerAt, mimeType, bytes: new Uint8Array(buffer) });
        })
        .catch((error: unknown) => this.#o.onError(`the clip for event ${capture.eventId} could not be read: ${String(error)}`));
    };
    try {
      r.recorder.stop();
    } catch (error) {
      this.#remove(r);
      this.#o.onError(`the clip for event ${capture.eventId} could not be finished: ${String(error)}`);
    }
    // A new rotation may now be needed sooner: the finished recorder no longer serves pre-roll.
    this.#prune();
  }

  #remove(r: Running): void {
    const i = this.#running.indexOf(r);
    if (i >= 0) this.#running.splice(i, 1);
  }
}
