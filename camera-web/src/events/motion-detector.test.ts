import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MotionDetector, zoneMask, type MotionDetectorOptions, type MotionEnd, type MotionStart } from './motion-detector.ts';
import { sceneFrame, seededRandom, type SceneOptions } from './testing/synthetic.ts';

const W = 160;
const H = 120;
const FPS = 5;
const STEP = 1000 / FPS;

function detector(overrides: Partial<MotionDetectorOptions> = {}): { d: MotionDetector; starts: MotionStart[]; ends: MotionEnd[]; relearns: number[] } {
  const d = new MotionDetector({ width: W, height: H, sensitivity: 50, minDurationMs: 500, cooldownMs: 60_000, zones: null, ...overrides });
  const starts: MotionStart[] = [];
  const ends: MotionEnd[] = [];
  const relearns: number[] = [];
  d.on('start', (e) => starts.push(e));
  d.on('end', (e) => ends.push(e));
  d.on('relearn', (at) => relearns.push(at));
  return { d, starts, ends, relearns };
}

/** Feed `seconds` of frames from `scene(t)` starting at `t0` (ms); returns the time after the last frame. */
function run(d: MotionDetector, t0: number, seconds: number, scene: (t: number) => Partial<SceneOptions>, seed = 1): number {
  const random = seededRandom(seed);
  let t = t0;
  for (let i = 0; i < seconds * FPS; i++, t += STEP) d.push(sceneFrame({ width: W, height: H, noise: 4, ...scene(t) }, random), t);
  return t;
}

describe('MotionDetector', () => {
  it('a still scene with sensor noise for a minute fires nothing, even at full sensitivity', () => {
    for (const sensitivity of [50, 100]) {
      const { d, starts } = detector({ sensitivity });
      run(d, 0, 60, () => ({ noise: 5 }));
      expect(starts).toEqual([]);
    }
  });

  it('lights dimmed slowly, raised, switched off and on, and an IR switch fire nothing', () => {
    const { d, starts, relearns } = detector({ sensitivity: 80 });
    let t = run(d, 0, 3, () => ({}));
    // A dimmer over 10 s down to 30 %, then back up over 5 s.
    t = run(d, t, 10, (at) => ({ gain: 1 - (0.7 * (at - 3000)) / 10_000 }));
    t = run(d, t, 5, (at) => ({ gain: 0.3 + (0.7 * (at - 13_000)) / 5000 }));
    // Light switched off and back on (steps), then the phone flips to IR (contrast inverted).
    t = run(d, t, 3, () => ({ gain: 0.35 }));
    t = run(d, t, 3, () => ({ gain: 1 }));
    t = run(d, t, 3, () => ({ invert: true }));
    // Auto-exposure overshooting for a few frames after a change.
    t = run(d, t, 1, () => ({ invert: true, offset: 30 }));
    run(d, t, 3, () => ({ invert: true }));
    expect(starts).toEqual([]);
    expect(relearns.length).toBeGreaterThanOrEqual(3);
  });

  it('an object moving across fires one event within 2 s, which ends after it leaves', () => {
    const { d, starts, ends } = detector();
    let t = run(d, 0, 5, () => ({}));
    const enteredAt = t;
    // A cat-sized blob (24×24, 3 % of the picture) crossing in 4 s.
    t = run(d, t, 4, (at) => ({ blob: { x: Math.round(((at - enteredAt) / 4000) * (W - 24)), y: 60, size: 24, level: 220 } }));
    run(d, t, 5, () => ({}));
    expect(starts).toHaveLength(1);
    expect(starts[0]!.at - enteredAt).toBeLessThanOrEqual(2000);
    expect(starts[0]!.at - enteredAt).toBeGreaterThanOrEqual(500);
    expect(starts[0]!.strength).toBeGreaterThan(0.01);
    expect(ends).toHaveLength(1);
    expect(ends[0]!.startedAt).toBe(starts[0]!.at);
    expect(ends[0]!.durationMs).toBeGreaterThan(2000);
  });

  it('a one-frame flash (shorter than the minimum duration) fires nothing', () => {
    const { d, starts } = detector({ minDurationMs: 500 });
    let t = run(d, 0, 3, () => ({}));
    t = run(d, t, 0.2, () => ({ blob: { x: 40, y: 40, size: 30, level: 250 } }));
    run(d, t, 3, () => ({}));
    expect(starts).toEqual([]);
  });

  it('movement outside the watched zones fires nothing; inside, it fires', () => {
    // Watch only the right half.
    const zones = { cols: 2, rows: 1, cells: '01' };
    const left = detector({ zones });
    let t = run(left.d, 0, 3, () => ({}));
    const t0 = t;
    t = run(left.d, t, 3, (at) => ({ blob: { x: 5 + Math.round((at - t0) / 100), y: 50, size: 24, level: 230 } }));
    expect(left.starts).toEqual([]);

    const right = detector({ zones });
    t = run(right.d, 0, 3, () => ({}));
    const t1 = t;
    run(right.d, t, 3, (at) => ({ blob: { x: 100 + Math.round((at - t1) / 100), y: 50, size: 24, level: 230 } }));
    expect(right.starts).toHaveLength(1);
  });

  it('a burst of movement inside the cooldown is one event; after the cooldown, another', () => {
    const { d, starts } = detector({ cooldownMs: 30_000 });
    let t = run(d, 0, 3, () => ({}));
    for (let i = 0; i < 5; i++) {
      const t0 = t;
      t = run(d, t, 2, (at) => ({ blob: { x: 10 + Math.round((at - t0) / 30), y: 30, size: 20, level: 230 } }), i + 2);
      t = run(d, t, 3, () => ({}), i + 20);
    }
    expect(starts).toHaveLength(1);
    t = run(d, t, 10, () => ({}));
    const t0 = t;
    run(d, t, 2, (at) => ({ blob: { x: 10 + Math.round((at - t0) / 30), y: 30, size: 20, level: 230 } }));
    expect(starts).toHaveLength(2);
    expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(30_000);
  });

  it('sensitivity decides whether a small movement counts', () => {
    const small = (sensitivity: number): number => {
      const { d, starts } = detector({ sensitivity });
      const t = run(d, 0, 3, () => ({}));
      // 8×8 pixels: 0.33 % of the picture.
      run(d, t, 3, (at) => ({ blob: { x: 20 + Math.round((at - t) / 50), y: 90, size: 8, level: 230 } }));
      return starts.length;
    };
    expect(small(100)).toBe(1);
    expect(small(1)).toBe(0);
  });

  it('any frames at any times: never throws, shares stay in 0..1, at most one event open at a time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ minLength: 256, maxLength: 256 }), fc.integer({ min: 0, max: 5000 })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 100 }),
        (frames, sensitivity) => {
          const d = new MotionDetector({ width: 16, height: 16, sensitivity, minDurationMs: 0, cooldownMs: 0, zones: { cols: 2, rows: 2, cells: '1001' } });
          let open = 0;
          d.on('start', () => void open++);
          d.on('end', () => void open--);
          let t = 0;
          for (const [frame, step] of frames) {
            t += step;
            const r = d.push(frame, t);
            expect(r.fraction).toBeGreaterThanOrEqual(0);
            expect(r.fraction).toBeLessThanOrEqual(1);
            expect(open === 0 || open === 1).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects frames of the wrong size and absurd dimensions', () => {
    const { d } = detector();
    expect(() => d.push(new Uint8ClampedArray(10), 0)).toThrow(RangeError);
    expect(() => new MotionDetector({ width: 4000, height: 3000, sensitivity: 50, minDurationMs: 0, cooldownMs: 0, zones: null })).toThrow(RangeError);
  });

  it('maps a zone grid onto the frame', () => {
    const mask = zoneMask(4, 2, { cols: 2, rows: 2, cells: '1001' });
    expect([...mask]).toEqual([1, 1, 0, 0, 0, 0, 1, 1]);
  });
});
