import { describe, expect, it } from 'vitest';
import { FakeTimers } from '../../../protocol/testing/timers.ts';
import { LoudnessPatternClassifier, type SoundDetection } from './sound-classifier.ts';
import { SoundSampler, analyserSize, type AnalyserLike, type AudioContextLike } from './sound-sampler.ts';
import { audioWithBursts } from './testing/synthetic.ts';

const RATE = 48_000;

/** An audio graph whose analyser shows the last fftSize samples of `audio` at the fake clock's time. */
function fakeContext(audio: Float32Array, timers: FakeTimers, t0: number) {
  let connected = 0;
  const analyser: AnalyserLike = {
    fftSize: 2048,
    getFloatTimeDomainData(array) {
      const end = Math.round(((timers.now() - t0) / 1000) * RATE);
      array.set(audio.subarray(Math.max(0, end - array.length), end));
    },
  };
  const context: AudioContextLike = {
    sampleRate: RATE,
    createAnalyser: () => analyser,
    createMediaStreamSource: () => ({
      connect: () => void connected++,
      disconnect: () => void connected--,
    }),
  };
  return { context, analyser, connected: () => connected };
}

describe('SoundSampler', () => {
  it('reads the microphone 20 times a second and reports a barking-like pattern; stop lets go', () => {
    const timers = new FakeTimers(1_800_000_000_000);
    const t0 = timers.now();
    const bursts = Array.from({ length: 4 }, (_, i) => ({ startMs: 3000 + i * 500, lengthMs: 200, dbfs: -18 }));
    const audio = audioWithBursts({ sampleRate: RATE, durationMs: 10_000, noiseDbfs: -60, bursts });
    const { context, analyser, connected } = fakeContext(audio, timers, t0);
    const found: SoundDetection[] = [];
    const sampler = new SoundSampler({
      context,
      stream: {},
      classifier: new LoudnessPatternClassifier({ sensitivity: 50, cooldownMs: 60_000 }),
      timers,
      onDetection: (d) => found.push(d),
    });
    sampler.start();
    expect(analyser.fftSize).toBe(4096);
    expect(connected()).toBe(1);
    timers.advance(10_000);
    expect(found.map((d) => d.label)).toEqual(['barking-like']);
    expect(Math.abs(found[0]!.at - (t0 + 3000))).toBeLessThanOrEqual(100);
    sampler.stop();
    expect(connected()).toBe(0);
    expect(timers.pending.size).toBe(0);
  });

  it('sizes the analyser to cover the interval', () => {
    expect(analyserSize(2400)).toBe(4096);
    expect(analyserSize(10)).toBe(32);
    expect(analyserSize(1e9)).toBe(32_768);
  });
});
