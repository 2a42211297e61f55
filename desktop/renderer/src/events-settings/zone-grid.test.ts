import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, parseEventMessage } from '../../../../protocol/event-messages.ts';
import { ZonePainter, cellAt, containedRect, emptyGrid, gridFromZones, paintCell, watchedCells, wholeGrid, zonesFromGrid, type ZoneGrid } from './zone-grid.ts';

const grid = (cols: number, rows: number, watched: number[]): ZoneGrid => {
  let g = emptyGrid(cols, rows);
  for (const i of watched) g = paintCell(g, i, true);
  return g;
};

describe('zone grid encoding', () => {
  it('the whole picture is null, none watched is refused, anything else is cols × rows digits row by row', () => {
    expect(zonesFromGrid(wholeGrid(4, 3))).toBeNull();
    expect(zonesFromGrid(emptyGrid(4, 3))).toBe('none');
    // Row 0 col 3, row 1 col 0: index 3 and 4 of a 4-wide grid.
    expect(zonesFromGrid(grid(4, 3, [3, 4]))).toEqual({ cols: 4, rows: 3, cells: '000110000000' });
  });

  it('what it encodes the camera accepts, and decodes to the same grid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 32 }), fc.array(fc.boolean(), { minLength: 1024, maxLength: 1024 }), (cols, rows, bits) => {
        const g: ZoneGrid = { cols, rows, cells: bits.slice(0, cols * rows) };
        const zones = zonesFromGrid(g);
        if (zones === 'none') {
          expect(watchedCells(g)).toBe(0);
          return;
        }
        const settings = { ...DEFAULT_DETECTION_SETTINGS, motion: { ...DEFAULT_DETECTION_SETTINGS.motion, zones } };
        expect(parseEventMessage(JSON.stringify(settings)).ok).toBe(true);
        expect(gridFromZones(zones, cols, rows)).toEqual(zones === null ? wholeGrid(cols, rows) : g);
      }),
      { numRuns: 300 },
    );
  });

  it('zones of another size are resampled onto the drawing grid', () => {
    // A 2 × 2 grid with only the bottom-right quarter watched, drawn on 4 × 4.
    const g = gridFromZones({ cols: 2, rows: 2, cells: '0001' }, 4, 4);
    expect(zonesFromGrid(g)).toEqual({ cols: 4, rows: 4, cells: '0000000000110011' });
    expect(gridFromZones(null, 3, 2)).toEqual(wholeGrid(3, 2));
  });
});

describe('hit testing', () => {
  it('a 4:3 picture in a wide box is centred with bars left and right; a click on a bar is no cell', () => {
    const picture = containedRect({ width: 800, height: 300 }, { width: 640, height: 480 });
    expect(picture).toEqual({ left: 200, top: 0, width: 400, height: 300 });
    const g = { cols: 4, rows: 3 };
    expect(cellAt(g, picture, 100, 150)).toBeNull();
    expect(cellAt(g, picture, 700, 150)).toBeNull();
    expect(cellAt(g, picture, 200, 0)).toBe(0);
    expect(cellAt(g, picture, 599.9, 299.9)).toBe(11);
    expect(cellAt(g, picture, 600, 150)).toBeNull();
    // Second column (x 300..400), second row (y 100..200).
    expect(cellAt(g, picture, 350, 150)).toBe(5);
  });

  it('a tall box letterboxes top and bottom; no picture size yet fills the box', () => {
    expect(containedRect({ width: 400, height: 600 }, { width: 400, height: 300 })).toEqual({ left: 0, top: 150, width: 400, height: 300 });
    expect(containedRect({ width: 400, height: 600 }, null)).toEqual({ left: 0, top: 0, width: 400, height: 600 });
  });
});

describe('ZonePainter', () => {
  it('a click flips one cell; a drag paints every cell it crosses with the value the press gave', () => {
    const painter = new ZonePainter(wholeGrid(4, 3));
    painter.press(0);
    painter.release();
    expect(zonesFromGrid(painter.grid)).toEqual({ cols: 4, rows: 3, cells: '011111111111' });
    // A drag from an unwatched cell watches; from a watched one it unwatches, across a skipped cell too.
    painter.press(4);
    painter.move(6);
    painter.release();
    expect(zonesFromGrid(painter.grid)).toEqual({ cols: 4, rows: 3, cells: '011100011111' });
    painter.press(0);
    painter.move(8);
    painter.move(null);
    painter.release();
    expect(painter.grid.cells[0]).toBe(true);
    expect(painter.grid.cells[8]).toBe(true);
    expect(painter.grid.cells[4]).toBe(true);
  });

  it('moving without a press paints nothing; a press off the picture starts no stroke', () => {
    const painter = new ZonePainter(emptyGrid(4, 3));
    painter.move(3);
    painter.press(null);
    painter.move(5);
    expect(painter.painting).toBe(false);
    expect(watchedCells(painter.grid)).toBe(0);
    painter.press(5);
    expect(painter.painting).toBe(true);
    painter.reset(wholeGrid(4, 3));
    expect(painter.painting).toBe(false);
    painter.move(1);
    expect(watchedCells(painter.grid)).toBe(12);
  });
});
