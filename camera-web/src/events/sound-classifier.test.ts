import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoudnessPatternClassifier, loudMarginDb, rmsDbfs, type LoudnessPatternOptions, type SoundDetection } from './sound-classifier.ts';
import { audioWithBursts } from './testing/synthetic.ts';

const RATE = 16_000;
const FRAME = 800; // 50 ms

/** Feed `audio` in 50 ms frames from time 0; every detection with the frame time it came at. */
function classify(audio: Float32Array, options: Partial<LoudnessPatternOptions> = {}): (SoundDetection & { firedAt: number })[] {
  const c = new LoudnessPatternClassifier({ sensitivity: 50, cooldownMs: 60_000, ...options });
  const out: (SoundDetection & { firedAt: number })[] = [];
  for (let i = 0; i + FRAME <= audio.length; i += FRAME) {
    const at = ((i + FRAME) / RATE) * 1000;
    for (const d of c.push({ samples: audio.subarray(i, i + FRAME), sampleRate: RATE, at })) out.push({ ...d, firedAt: at });
  }
  return out;
}

const audio = (durationMs: number, bursts: { startMs: number; lengthMs: number; dbfs: number }[], noiseDbfs = -60) =>
  audioWithBursts({ sampleRate: RATE, durationMs, noiseDbfs, bursts });

/** `n` bursts of `lengthMs` every `everyMs` from `startMs`. */
const repeated = (n: number, startMs: number, lengthMs: number, everyMs: number, dbfs: number) =>
  Array.from({ length: n }, (_, i) => ({ startMs: startMs + i * everyMs, lengthMs, dbfs }));

describe('LoudnessPatternClassifier', () => {
  it('measures loudness in dBFS', () => {
    const a = audio(1000, [{ startMs: 0, lengthMs: 1000, dbfs: -20 }], -160);
    expect(rmsDbfs(a)).toBeCloseTo(-20, 0);
    expect(rmsDbfs(new Float32Array(100))).toBe(-160);
    expect(loudMarginDb(1)).toBeGreaterThan(loudMarginDb(100));
  });

  it('a quiet room with background noise for a minute gives nothing', () => {
    expect(classify(audio(60_000, []))).toEqual([]);
  });

  it('repeated loud bursts are one barking-like event, dated at the first burst', () => {
    const found = classify(audio(12_000, repeated(6, 2000, 250, 600, -20)));
    expect(found.map((d) => d.label)).toEqual(['barking-like']);
    expect(Math.abs(found[0]!.at - 2000)).toBeLessThanOrEqual(60);
    expect(found[0]!.firedAt).toBeLessThan(2000 + 3 * 600);
    expect(found[0]!.levelDbfs).toBeCloseTo(-20, 0);
    expect(found[0]!.strength).toBeGreaterThan(0.5);
  });

  it('a long loud sound is howling-like, reported while it goes on', () => {
    const found = classify(audio(10_000, [{ startMs: 2000, lengthMs: 4000, dbfs: -25 }]));
    expect(found.map((d) => d.label)).toEqual(['howling-like']);
    expect(found[0]!.firedAt).toBeLessThan(4000);
  });

  it('one loud bang is a single loud sound once it stays quiet', () => {
    const found = classify(audio(8000, [{ startMs: 2000, lengthMs: 200, dbfs: -15 }]));
    expect(found.map((d) => d.label)).toEqual(['loud-sound']);
    expect(found[0]!.firedAt).toBeGreaterThanOrEqual(2200 + 1500);
  });

  it('the noise floor follows a slowly rising hum, so the hum is no event, but a burst above it still is', () => {
    // Noise rising 25 dB over 40 s, then bursts well above the new floor.
    const hum = new Float32Array((RATE * 60_000) / 1000);
    const base = audio(60_000, []);
    for (let i = 0; i < hum.length; i++) hum[i] = base[i]! * 10 ** (Math.min(25, (25 * i) / (RATE * 40)) / 20);
    const burst = audio(60_000, repeated(4, 50_000, 250, 600, -10), -160);
    for (let i = 0; i < hum.length; i++) hum[i] = hum[i]! + burst[i]!;
    const found = classify(hum);
    expect(found.map((d) => d.label)).toEqual(['barking-like']);
    // The same bursts 8 dB above the hum are under the default margin.
    const quiet = audio(60_000, repeated(4, 50_000, 250, 600, -27), -160);
    for (let i = 0; i < hum.length; i++) hum[i] = hum[i]! - burst[i]! + quiet[i]!;
    expect(classify(hum)).toEqual([]);
  });

  it('a sigh in a silent room is not loud, whatever the floor', () => {
    expect(classify(audio(8000, [{ startMs: 2000, lengthMs: 300, dbfs: -58 }], -95))).toEqual([]);
  });

  it('within the cooldown a second barking episode is not reported; after it, it is', () => {
    const bursts = [...repeated(4, 1000, 250, 600, -20), ...repeated(4, 15_000, 250, 600, -20), ...repeated(4, 40_000, 250, 600, -20)];
    const found = classify(audio(50_000, bursts), { cooldownMs: 30_000 });
    expect(found.map((d) => [d.label, Math.round(d.at / 1000)])).toEqual([
      ['barking-like', 1],
      ['barking-like', 40],
    ]);
  });

  it('whatever the samples (NaN, clipping, silence), it never throws and reports only honest labels in range', () => {
    const sample = fc.oneof(fc.float({ min: -1, max: 1, noNaN: true }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1, -1, 0));
    fc.assert(
      fc.property(fc.array(fc.array(sample, { minLength: 1, maxLength: 64 }), { maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (frames, sensitivity) => {
        const c = new LoudnessPatternClassifier({ sensitivity, cooldownMs: 0 });
        frames.forEach((f, i) => {
          for (const d of c.push({ samples: Float32Array.from(f), sampleRate: 1000, at: i * 50 })) {
            expect(['barking-like', 'howling-like', 'loud-sound']).toContain(d.label);
            expect(d.strength).toBeGreaterThanOrEqual(0);
            expect(d.strength).toBeLessThanOrEqual(1);
            expect(d.levelDbfs).toBeLessThanOrEqual(0);
          }
          expect(Number.isFinite(c.noiseFloorDbfs)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('sensitivity moves the margin: a burst 14 dB over the floor counts only when sensitive', () => {
    const a = audio(8000, [{ startMs: 2000, lengthMs: 200, dbfs: -46 }]);
    expect(classify(a, { sensitivity: 100 }).map((d) => d.label)).toEqual(['loud-sound']);
    expect(classify(a, { sensitivity: 1 })).toEqual([]);
  });
});
