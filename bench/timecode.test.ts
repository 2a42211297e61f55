import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timecodeCodec, type FillTarget } from './timecode.ts';

const codec = timecodeCodec();

/** A grey RGBA frame that `paint` can draw on, like a canvas. */
function raster(width: number, height: number): FillTarget & { pixels: Uint8ClampedArray } {
  const pixels = new Uint8ClampedArray(width * height * 4).fill(128);
  const target = {
    pixels,
    fillStyle: '#000000' as unknown,
    fillRect(x: number, y: number, w: number, h: number) {
      const v = target.fillStyle === '#ffffff' ? 255 : 0;
      for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) pixels.fill(v, (yy * width + xx) * 4, (yy * width + xx) * 4 + 3);
    },
  };
  return target;
}

/** Box-average downscale by an integer factor (what an encoder's resolution adaptation does, roughly). */
function downscale(pixels: Uint8ClampedArray, width: number, height: number, factor: number): Uint8ClampedArray {
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += pixels[((y * factor + dy) * width + x * factor + dx) * 4 + c]!;
        out[(y * w + x) * 4 + c] = sum / (factor * factor);
      }
    }
  }
  return out;
}

describe('timecode cells', () => {
  it('round-trips any 32-bit value', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => codec.valueOf(codec.cellsOf(value)) === value));
  });

  it('refuses cells with one flipped bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 35 }), (value, flip) => {
        const cells = codec.cellsOf(value);
        cells[flip] = !cells[flip];
        return codec.valueOf(cells) === null;
      }),
    );
  });

  it('lays 36 cells of at least 16×16 px inside a 360p frame, without overlap', () => {
    const rects = Array.from({ length: codec.CELLS }, (_, i) => codec.cellRect(i, 640, 360));
    for (const r of rects) {
      expect(r.w).toBeGreaterThanOrEqual(16);
      expect(r.h).toBeGreaterThanOrEqual(16);
      expect(r.x + r.w).toBeLessThanOrEqual(640);
      expect(r.y + r.h).toBeLessThanOrEqual(360);
    }
    const area = rects.reduce((sum, r) => sum + r.w * r.h, 0);
    const xs = new Set(rects.map((r) => `${r.x},${r.y}`));
    expect(xs.size).toBe(codec.CELLS);
    expect(area).toBe((Math.round((14 / 16) * 640) - Math.round((2 / 16) * 640)) * (Math.round((6 / 9) * 360) - Math.round((3 / 9) * 360)));
  });
});

describe('timecode time', () => {
  it('recovers the epoch time to 0.1 ms from a receiver clock up to days later or a little earlier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_600_000_000_000, max: 2_100_000_000_000 }), fc.integer({ min: -1000, max: 2 * 24 * 3600 * 1000 }), (paintedAt, lag) => {
        const painted = paintedAt + 0.3;
        const decoded = codec.decodeTime(codec.encodeTime(painted), painted + lag);
        return Math.abs(decoded - painted) < 0.051;
      }),
    );
  });
});

describe('timecode pictures', () => {
  it('reads back what it painted at 720p and 360p, and after scaling and noise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 31 }), (value, seed) => {
        const frame = raster(1280, 720);
        codec.paint(frame, 1280, 720, value);
        if (codec.read(frame.pixels, 1280, 720) !== value) return false;
        // A quarter-size frame, with ±40 of noise (a harsh encoder), still decodes.
        const small = downscale(frame.pixels, 1280, 720, 4);
        let s = seed;
        for (let i = 0; i < small.length; i++) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          small[i] = small[i]! + ((s % 81) - 40);
        }
        return codec.read(small, 320, 180) === value;
      }),
      { numRuns: 40 },
    );
    const frame = raster(640, 360);
    codec.paint(frame, 640, 360, 0xdeadbeef);
    expect(codec.read(frame.pixels, 640, 360)).toBe(0xdeadbeef);
  });

  it('gives null for a picture without a timecode', () => {
    const grey = new Uint8ClampedArray(320 * 180 * 4).fill(128);
    grey.fill(40, 0, grey.length / 2);
    const value = codec.read(grey, 320, 180);
    // A flat picture is all one colour: the zero value with even parity, or all ones with odd parity (invalid).
    expect(value === null || value === 0 || value === 2 ** 32 - 1).toBe(true);
  });

  it('works from its own source text, as injected into a page', () => {
    const injected = new Function('__name', `return (${timecodeCodec.toString()})();`)((f: unknown) => f) as typeof codec;
    const frame = raster(640, 360);
    injected.paint(frame, 640, 360, 123456789);
    expect(codec.read(frame.pixels, 640, 360)).toBe(123456789);
  });
});
