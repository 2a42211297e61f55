/**
 * The glass-to-glass timecode: a picture that carries its own capture time as big black and white blocks, so it
 * survives video compression and scaling. 32 bits of time (tenths of a millisecond, modulo 2^32, about 5 days) in
 * four bytes, each byte followed by an even-parity cell: 36 cells in a 12×3 grid, each cell 1/16 of the frame wide
 * and 1/9 high (80×80 px at 720p, 40×40 at 360p). Geometry is relative to the frame, so a frame the encoder scaled
 * down decodes the same.
 */

/** What `paint` draws with (a 2D canvas context, or a test raster). */
export interface FillTarget {
  fillStyle: unknown;
  fillRect(x: number, y: number, w: number, h: number): void;
}

/** A cell's rectangle in pixels. */
export interface CellRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The codec. It is one self-contained function (no outside references) because the bench injects its source text
 * into the camera and viewer pages.
 */
export function timecodeCodec() {
  const COLS = 12;
  const ROWS = 3;
  const CELLS = COLS * ROWS;
  const X0 = 2 / 16;
  const Y0 = 3 / 9;
  const CELL_W = 1 / 16;
  const CELL_H = 1 / 9;
  const UNITS_PER_MS = 10;
  const WRAP = 2 ** 32;

  /** 36 cells: per byte, most significant first, 8 data bits then their even parity. */
  function cellsOf(value: number): boolean[] {
    const cells: boolean[] = [];
    for (let byte = 3; byte >= 0; byte--) {
      const b = Math.floor(value / 2 ** (8 * byte)) % 256;
      let parity = false;
      for (let bit = 7; bit >= 0; bit--) {
        const on = ((b >> bit) & 1) === 1;
        if (on) parity = !parity;
        cells.push(on);
      }
      cells.push(parity);
    }
    return cells;
  }

  /** The value the cells hold, or null when a parity check fails. */
  function valueOf(cells: readonly boolean[]): number | null {
    if (cells.length !== CELLS) return null;
    let value = 0;
    for (let byte = 0; byte < 4; byte++) {
      let b = 0;
      let parity = false;
      for (let bit = 0; bit < 8; bit++) {
        const on = cells[byte * 9 + bit] === true;
        if (on) parity = !parity;
        b = (b << 1) | (on ? 1 : 0);
      }
      if (parity !== (cells[byte * 9 + 8] === true)) return null;
      value = value * 256 + b;
    }
    return value;
  }

  function cellRect(index: number, width: number, height: number): CellRect {
    const col = index % COLS;
    const row = Math.floor(index / COLS);
    const x = Math.round((X0 + col * CELL_W) * width);
    const y = Math.round((Y0 + row * CELL_H) * height);
    return { x, y, w: Math.round((X0 + (col + 1) * CELL_W) * width) - x, h: Math.round((Y0 + (row + 1) * CELL_H) * height) - y };
  }

  /** An epoch time in ms as the 32-bit value painted. */
  function encodeTime(epochMs: number): number {
    const units = Math.round(epochMs * UNITS_PER_MS);
    return ((units % WRAP) + WRAP) % WRAP;
  }

  /** The epoch ms a painted value stands for: the one nearest `nowEpochMs` (same clock, so at most days apart). */
  function decodeTime(value: number, nowEpochMs: number): number {
    const now = Math.round(nowEpochMs * UNITS_PER_MS);
    let back = (((now - value) % WRAP) + WRAP) % WRAP;
    if (back > WRAP / 2) back -= WRAP;
    return (now - back) / UNITS_PER_MS;
  }

  /** Paint `value`'s cells (black 0, white 1) on a `width`×`height` frame. */
  function paint(target: FillTarget, width: number, height: number, value: number): void {
    const cells = cellsOf(value);
    for (let i = 0; i < CELLS; i++) {
      const r = cellRect(i, width, height);
      target.fillStyle = cells[i] ? '#ffffff' : '#000000';
      target.fillRect(r.x, r.y, r.w, r.h);
    }
  }

  /**
   * Read the value back from RGBA pixels of a whole frame (any size): each cell is the mean luma of a 4×4 grid of
   * points in its middle half, thresholded at mid-grey. Null when a parity check fails.
   */
  function read(pixels: ArrayLike<number>, width: number, height: number): number | null {
    const cells: boolean[] = [];
    for (let i = 0; i < CELLS; i++) {
      const r = cellRect(i, width, height);
      let sum = 0;
      let count = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const px = Math.min(width - 1, Math.floor(r.x + r.w * (0.25 + (sx + 0.5) / 8)));
          const py = Math.min(height - 1, Math.floor(r.y + r.h * (0.25 + (sy + 0.5) / 8)));
          const o = (py * width + px) * 4;
          sum += (pixels[o]! + pixels[o + 1]! + pixels[o + 2]!) / 3;
          count++;
        }
      }
      cells.push(sum / count >= 128);
    }
    return valueOf(cells);
  }

  return { CELLS, cellsOf, valueOf, cellRect, encodeTime, decodeTime, paint, read };
}

/** The codec's functions. */
export type TimecodeCodec = ReturnType<typeof timecodeCodec>;
