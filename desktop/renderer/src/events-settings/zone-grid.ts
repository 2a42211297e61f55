/**
 * Motion zones as the owner draws them over the live picture: a grid of cells, each watched or not, painted by
 * clicking or dragging. Pure: hit testing against the picture as the video element shows it (letterboxed by
 * `object-fit: contain`), painting, and the wire form (`cols × rows` digits, `1` = watched, at least one; null =
 * the whole picture) that `detection-settings` carries and the camera's motion detector reads row by row.
 */
import type { MotionZones } from '../../../../protocol/event-messages.ts';

/** Columns and rows of a grid the owner draws (the wire allows up to 32 × 32; 16 × 12 fits a 4:3 picture's cells). */
export const ZONE_COLS = 16;
export const ZONE_ROWS = 12;

/** A zone grid being drawn: `cells[row * cols + col]` is true where motion counts. */
export interface ZoneGrid {
  readonly cols: number;
  readonly rows: number;
  readonly cells: readonly boolean[];
}

/** A rectangle in CSS pixels. */
export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A grid with every cell watched (what null zones mean). */
export function wholeGrid(cols = ZONE_COLS, rows = ZONE_ROWS): ZoneGrid {
  return { cols, rows, cells: Array<boolean>(cols * rows).fill(true) };
}

/** A grid with no cell watched (the owner then paints the cells to watch). */
export function emptyGrid(cols = ZONE_COLS, rows = ZONE_ROWS): ZoneGrid {
  return { cols, rows, cells: Array<boolean>(cols * rows).fill(false) };
}

/**
 * The grid for zones as stored (null: the whole picture). Zones of another size are resampled onto `cols × rows`: a
 * cell is watched when the stored cell under its centre is.
 */
export function gridFromZones(zones: MotionZones | null, cols = ZONE_COLS, rows = ZONE_ROWS): ZoneGrid {
  if (!zones) return wholeGrid(cols, rows);
  if (zones.cols === cols && zones.rows === rows) return { cols, rows, cells: [...zones.cells].map((c) => c === '1') };
  const cells: boolean[] = [];
  for (let r = 0; r < rows; r++) {
    const from = Math.min(zones.rows - 1, Math.floor(((r + 0.5) * zones.rows) / rows));
    for (let c = 0; c < cols; c++) {
      const fromCol = Math.min(zones.cols - 1, Math.floor(((c + 0.5) * zones.cols) / cols));
      cells.push(zones.cells[from * zones.cols + fromCol] === '1');
    }
  }
  return { cols, rows, cells };
}

/** How many cells are watched. */
export function watchedCells(grid: ZoneGrid): number {
  return grid.cells.filter(Boolean).length;
}

/**
 * The wire form: null when every cell is watched (the whole picture), zones otherwise; `'none'` when no cell is
 * watched (not allowed: motion could never count — turn motion off instead).
 */
export function zonesFromGrid(grid: ZoneGrid): MotionZones | null | 'none' {
  const watched = watchedCells(grid);
  if (watched === 0) return 'none';
  if (watched === grid.cells.length) return null;
  return { cols: grid.cols, rows: grid.rows, cells: grid.cells.map((on) => (on ? '1' : '0')).join('') };
}

/** Where a picture of `picture` size appears inside a `box` with `object-fit: contain` (centred, letterboxed). */
export function containedRect(box: { width: number; height: number }, picture: { width: number; height: number } | null): Rect {
  if (!picture || picture.width <= 0 || picture.height <= 0 || box.width <= 0 || box.height <= 0) {
    return { left: 0, top: 0, width: Math.max(0, box.width), height: Math.max(0, box.height) };
  }
  const scale = Math.min(box.width / picture.width, box.height / picture.height);
  const width = picture.width * scale;
  const height = picture.height * scale;
  return { left: (box.width - width) / 2, top: (box.height - height) / 2, width, height };
}

/** The cell index under point (x, y) of the box, or null outside the picture (on the letterbox bars). */
export function cellAt(grid: Pick<ZoneGrid, 'cols' | 'rows'>, picture: Rect, x: number, y: number): number | null {
  const u = (x - picture.left) / picture.width;
  const v = (y - picture.top) / picture.height;
  if (!(u >= 0 && u < 1 && v >= 0 && v < 1)) return null;
  return Math.floor(v * grid.rows) * grid.cols + Math.floor(u * grid.cols);
}

/** The grid with cell `index` set to `watched` (the same grid when it already was). */
export function paintCell(grid: ZoneGrid, index: number, watched: boolean): ZoneGrid {
  if (index < 0 || index >= grid.cells.length || grid.cells[index] === watched) return grid;
  const cells = [...grid.cells];
  cells[index] = watched;
  return { ...grid, cells };
}

/**
 * One stroke of the brush: pressing on a cell flips it, and dragging on paints every cell crossed with that same
 * value (so a drag that starts on a watched cell unwatches, one that starts on an unwatched cell watches).
 */
export class ZonePainter {
  #value: boolean | null = null;
  #last: number | null = null;
  #grid: ZoneGrid;

  constructor(grid: ZoneGrid) {
    this.#grid = grid;
  }

  /** The grid as painted so far. */
  get grid(): ZoneGrid {
    return this.#grid;
  }

  /** A stroke is under way. */
  get painting(): boolean {
    return this.#value !== null;
  }

  /** Replace the grid (Clear, Whole picture, new settings loaded); ends any stroke. */
  reset(grid: ZoneGrid): void {
    this.#grid = grid;
    this.#value = null;
    this.#last = null;
  }

  /** The pointer went down on `index` (null: off the picture, no stroke). */
  press(index: number | null): ZoneGrid {
    if (index === null || index < 0 || index >= this.#grid.cells.length) return this.#grid;
    this.#value = !this.#grid.cells[index];
    this.#last = index;
    this.#grid = paintCell(this.#grid, index, this.#value);
    return this.#grid;
  }

  /** The pointer moved onto `index` during a stroke: every cell on the way from the last one is painted too. */
  move(index: number | null): ZoneGrid {
    const value = this.#value;
    if (value === null || index === null || index < 0 || index >= this.#grid.cells.length) return this.#grid;
    const { cols } = this.#grid;
    const from = this.#last ?? index;
    const [c0, r0, c1, r1] = [from % cols, Math.floor(from / cols), index % cols, Math.floor(index / cols)];
    // A fast drag skips cells between two pointer events: walk the straight line between them.
    const steps = Math.max(Math.abs(c1 - c0), Math.abs(r1 - r0), 1);
    for (let i = 1; i <= steps; i++) {
      const c = Math.round(c0 + ((c1 - c0) * i) / steps);
      const r = Math.round(r0 + ((r1 - r0) * i) / steps);
      this.#grid = paintCell(this.#grid, r * cols + c, value);
    }
    this.#last = index;
    return this.#grid;
  }

  /** The pointer went up (or left): the stroke ends. */
  release(): ZoneGrid {
    this.#value = null;
    this.#last = null;
    return this.#grid;
  }
}
