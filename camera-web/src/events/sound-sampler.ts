/**
 * The browser side of sound detection: reads the microphone through an AnalyserNode a few times a second on a
 * timer and hands each window of samples to a SoundClassifier.
 *
 * Why an AnalyserNode polled on a timer and not an AudioWorklet: a worklet needs its own module file (another
 * served asset under the page's CSP, and a build step) and runs on the audio thread 375 times a second; reading the
 * analyser's last window 20 times a second costs almost nothing and sees every burst longer than ~50 ms, which is
 * all the loudness heuristic needs. A trained model wanting every sample can bring a worklet with it.
 */
import type { Timers } from '../../../protocol/timers.ts';
import type { SoundClassifier, SoundDetection } from './sound-classifier.ts';

/** The part of an AnalyserNode we use. */
export interface AnalyserLike {
  fftSize: number;
  getFloatTimeDomainData(array: Float32Array<ArrayBuffer>): void;
}

/** The part of an AudioContext we use. */
export interface AudioContextLike {
  readonly sampleRate: number;
  createMediaStreamSource(stream: never): { connect(node: never): unknown; disconnect(): void };
  createAnalyser(): AnalyserLike;
}

/** Options of SoundSampler. */
export interface SoundSamplerOptions {
  context: AudioContextLike;
  /** The microphone stream (a MediaStream; typed loosely so the sampler is testable without one). */
  stream: unknown;
  classifier: SoundClassifier;
  timers: Timers;
  /** Time between reads (default 50 ms). */
  intervalMs?: number;
  onDetection(detection: SoundDetection): void;
}

/** Smallest power of two ≥ n, within what an AnalyserNode accepts (32 .. 32768). */
export function analyserSize(n: number): number {
  let size = 32;
  while (size < n && size < 32_768) size *= 2;
  return size;
}

/** Feeds microphone windows to a classifier on a timer. */
export class SoundSampler {
  readonly #o: SoundSamplerOptions;
  readonly #interval: number;
  #source: { disconnect(): void } | null = null;
  #analyser: AnalyserLike | null = null;
  #buffer: Float32Array<ArrayBuffer> | null = null;
  #timer: unknown = null;

  constructor(options: SoundSamplerOptions) {
    this.#o = options;
    this.#interval = Math.max(20, options.intervalMs ?? 50);
  }

  /** Start listening (idempotent). */
  start(): void {
    if (this.#analyser) return;
    const { context } = this.#o;
    const analyser = context.createAnalyser();
    // One read covers at least the time since the last one, so no burst falls between two reads.
    analyser.fftSize = analyserSize((context.sampleRate * this.#interval) / 1000);
    const source = context.createMediaStreamSource(this.#o.stream as never);
    source.connect(analyser as never);
    this.#source = source;
    this.#analyser = analyser;
    this.#buffer = new Float32Array(analyser.fftSize);
    this.#schedule();
  }

  /** Stop listening and let go of the microphone graph. */
  stop(): void {
    this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#source?.disconnect();
    this.#source = null;
    this.#analyser = null;
    this.#o.classifier.reset();
  }

  #schedule(): void {
    this.#timer = this.#o.timers.setTimeout(() => {
      const analyser = this.#analyser;
      const buffer = this.#buffer;
      if (!analyser || !buffer) return;
      analyser.getFloatTimeDomainData(buffer);
      for (const detection of this.#o.classifier.push({ samples: buffer, sampleRate: this.#o.context.sampleRate, at: this.#o.timers.now() })) {
        this.#o.onDetection(detection);
      }
      this.#schedule();
    }, this.#interval);
  }
}
