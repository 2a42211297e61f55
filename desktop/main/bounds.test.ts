import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED_DISPLAYS, clampBounds, displayFor, overlapArea, rememberBounds, restoreBounds, type DisplayArea } from './bounds.ts';
import type { Bounds } from './settings.ts';

const rules = { defaultWidth: 360, defaultHeight: 203, minWidth: 160, minHeight: 90 };
const laptop: DisplayArea = { id: '1', workArea: { x: 0, y: 0, width: 1440, height: 860 }, primary: true };
const monitor: DisplayArea = { id: '2', workArea: { x: 1440, y: -200, width: 2560, height: 1400 }, primary: false };

function inside(b: Bounds, area: Bounds): boolean {
  return b.x >= area.x && b.y >= area.y && b.x + b.width <= area.x + area.width && b.y + b.height <= area.y + area.height;
}

describe('restoreBounds', () => {
  it('restores the remembered bounds on the display it was last on', () => {
    const saved = { x: 3000, y: 100, width: 480, height: 270 };
    const placement = { lastDisplayId: '2', byDisplay: { '1': { x: 10, y: 10, width: 400, height: 225 }, '2': saved } };
    expect(restoreBounds(placement, [laptop, monitor], rules)).toEqual({ bounds: saved, displayId: '2' });
  });

  it('falls back to the bounds remembered for the primary display when the monitor is unplugged', () => {
    const placement = { lastDisplayId: '2', byDisplay: { '1': { x: 10, y: 10, width: 400, height: 225 }, '2': { x: 3000, y: 100, width: 480, height: 270 } } };
    expect(restoreBounds(placement, [laptop], rules)).toEqual({ bounds: { x: 10, y: 10, width: 400, height: 225 }, displayId: '1' });
  });

  it('centers a default-size window on the primary display when nothing is remembered for connected displays', () => {
    const placement = { lastDisplayId: '9', byDisplay: { '9': { x: 5000, y: 5000, width: 400, height: 225 } } };
    const restored = restoreBounds(placement, [laptop, monitor], rules);
    expect(restored).toEqual({ bounds: { x: 540, y: 328, width: 360, height: 203 }, displayId: '1' });
  });

  it('pulls a window that hung off the edge (resolution lowered) fully back on-screen', () => {
    const placement = { lastDisplayId: '1', byDisplay: { '1': { x: 1300, y: 800, width: 400, height: 225 } } };
    const restored = restoreBounds(placement, [laptop], rules)!;
    expect(restored.bounds).toEqual({ x: 1040, y: 635, width: 400, height: 225 });
  });

  it('scales a window larger than the display down, keeping its aspect ratio', () => {
    const b = clampBounds({ x: 0, y: 0, width: 3200, height: 1800 }, laptop.workArea, rules);
    expect(b.width).toBeLessThanOrEqual(1440);
    expect(b.height).toBeLessThanOrEqual(860);
    expect(b.width / b.height).toBeCloseTo(16 / 9, 1);
    expect(inside(b, laptop.workArea)).toBe(true);
  });

  it('returns null with no displays', () => {
    expect(restoreBounds({ byDisplay: {} }, [], rules)).toBeNull();
  });

  it('never restores off-screen, whatever was saved and whatever displays exist (property)', () => {
    const rect = fc.record({
      x: fc.integer({ min: -100_000, max: 100_000 }),
      y: fc.integer({ min: -100_000, max: 100_000 }),
      width: fc.integer({ min: 1, max: 20_000 }),
      height: fc.integer({ min: 1, max: 20_000 }),
    });
    const area = fc.record({
      x: fc.integer({ min: -8000, max: 8000 }),
      y: fc.integer({ min: -8000, max: 8000 }),
      width: fc.integer({ min: 320, max: 8000 }),
      height: fc.integer({ min: 240, max: 5000 }),
    });
    fc.assert(
      fc.property(fc.array(area, { minLength: 1, maxLength: 4 }), fc.dictionary(fc.constantFrom('0', '1', '2', '3', '7'), rect), fc.option(fc.constantFrom('0', '1', '2', '3', '7'), { nil: undefined }), (areas, byDisplay, lastDisplayId) => {
        const displays = areas.map((workArea, i) => ({ id: String(i), workArea, primary: i === 0 }));
        const restored = restoreBounds({ lastDisplayId, byDisplay }, displays, rules)!;
        const display = displays.find((d) => d.id === restored.displayId)!;
        expect(inside(restored.bounds, display.workArea)).toBe(true);
        expect(restored.bounds.width).toBeGreaterThan(0);
        expect(restored.bounds.height).toBeGreaterThan(0);
      }),
    );
  });
});

describe('rememberBounds', () => {
  it('stores bounds under the display the window is mostly on', () => {
    const placement = rememberBounds({ byDisplay: {} }, { x: 1400, y: 0, width: 400, height: 225 }, [laptop, monitor]);
    expect(placement).toEqual({ lastDisplayId: '2', byDisplay: { '2': { x: 1400, y: 0, width: 400, height: 225 } } });
    const again = rememberBounds(placement, { x: 10, y: 10, width: 300, height: 169 }, [laptop, monitor]);
    expect(again.lastDisplayId).toBe('1');
    expect(Object.keys(again.byDisplay).sort()).toEqual(['1', '2']);
  });

  it('forgets the oldest displays beyond the limit', () => {
    let placement = { byDisplay: {} };
    for (let i = 0; i < MAX_REMEMBERED_DISPLAYS + 3; i++) {
      const d: DisplayArea = { id: `d${i}`, workArea: { x: i * 2000, y: 0, width: 1920, height: 1080 }, primary: i === 0 };
      placement = rememberBounds(placement, { x: i * 2000 + 5, y: 5, width: 300, height: 169 }, [d]);
    }
    expect(Object.keys(placement.byDisplay)).toHaveLength(MAX_REMEMBERED_DISPLAYS);
    expect(placement.byDisplay).toHaveProperty(`d${MAX_REMEMBERED_DISPLAYS + 2}`);
    expect(placement.byDisplay).not.toHaveProperty('d0');
  });

  it('overlap and display lookup', () => {
    expect(overlapArea({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 })).toBe(25);
    expect(displayFor({ x: -9999, y: -9999, width: 10, height: 10 }, [monitor, laptop])?.id).toBe('1');
  });
});
