/**
 * Window placement, remembered per display and never restored off-screen. Pure functions: the displays come in as
 * plain rectangles (from `screen.getAllDisplays()`), so every case a user can hit — an unplugged monitor, a smaller
 * resolution, a moved taskbar — is unit-tested.
 */
import type { Bounds, WindowPlacement } from './settings.ts';

/** A display as placement needs it. */
export interface DisplayArea {
  id: string;
  /** The usable area (without taskbar/dock/menu bar), in DIP. */
  workArea: Bounds;
  primary: boolean;
}

/** Smallest and default sizes of a window. */
export interface SizeRules {
  defaultWidth: number;
  defaultHeight: number;
  minWidth: number;
  minHeight: number;
}

/**
 * Fit `bounds` entirely inside `area`: scaled down (keeping its aspect ratio) when larger than the area, then moved
 * inside. Sizes never drop below the minimum unless the area itself is smaller.
 */
export function clampBounds(bounds: Bounds, area: Bounds, rules: Pick<SizeRules, 'minWidth' | 'minHeight'>): Bounds {
  let width = Math.max(bounds.width, rules.minWidth);
  let height = Math.max(bounds.height, rules.minHeight);
  const scale = Math.min(1, area.width / width, area.height / height);
  width = Math.max(1, Math.min(area.width, Math.floor(width * scale)));
  height = Math.max(1, Math.min(area.height, Math.floor(height * scale)));
  const x = Math.min(Math.max(bounds.x, area.x), area.x + area.width - width);
  const y = Math.min(Math.max(bounds.y, area.y), area.y + area.height - height);
  return { x: Math.round(x), y: Math.round(y), width, height };
}

/** Centered default-size bounds on `display`. */
export function defaultBounds(display: DisplayArea, rules: SizeRules): Bounds {
  const { workArea: a } = display;
  const width = Math.min(rules.defaultWidth, a.width);
  const height = Math.min(rules.defaultHeight, a.height);
  return { x: a.x + Math.floor((a.width - width) / 2), y: a.y + Math.floor((a.height - height) / 2), width, height };
}

/**
 * Where to open a window: its remembered bounds on the display it was last on (if still connected), else on any
 * connected display it was on before (primary first), else centered on the primary display — always clamped fully
 * on-screen. Returns null only when there are no displays at all.
 */
export function restoreBounds(placement: WindowPlacement, displays: readonly DisplayArea[], rules: SizeRules): { bounds: Bounds; displayId: string } | null {
  const primary = displays.find((d) => d.primary) ?? displays[0];
  if (!primary) return null;
  const byId = new Map(displays.map((d) => [d.id, d]));
  const candidates = [
    placement.lastDisplayId,
    primary.id,
    ...displays.map((d) => d.id),
  ].filter((id): id is string => id !== undefined);
  for (const id of candidates) {
    const display = byId.get(id);
    const saved = placement.byDisplay[id];
    if (display && saved) return { bounds: clampBounds(saved, display.workArea, rules), displayId: id };
  }
  return { bounds: defaultBounds(primary, rules), displayId: primary.id };
}

/** Area of the overlap of two rectangles. */
export function overlapArea(a: Bounds, b: Bounds): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** The display a window at `bounds` is mostly on (by overlap, else the primary). */
export function displayFor(bounds: Bounds, displays: readonly DisplayArea[]): DisplayArea | undefined {
  let best: DisplayArea | undefined;
  let bestArea = 0;
  for (const display of displays) {
    const area = overlapArea(bounds, display.workArea);
    if (area > bestArea) {
      best = display;
      bestArea = area;
    }
  }
  return best ?? displays.find((d) => d.primary) ?? displays[0];
}

/** Most displays remembered per window (oldest forgotten first), so the settings file stays small. */
export const MAX_REMEMBERED_DISPLAYS = 8;

/** Remember `bounds` for the display the window is on now. */
export function rememberBounds(placement: WindowPlacement, bounds: Bounds, displays: readonly DisplayArea[]): WindowPlacement {
  const display = displayFor(bounds, displays);
  if (!display) return placement;
  const rounded = { x: Math.round(bounds.x), y: Math.round(bounds.y), width: Math.round(bounds.width), height: Math.round(bounds.height) };
  const rest = Object.entries(placement.byDisplay).filter(([id]) => id !== display.id);
  const kept = rest.slice(Math.max(0, rest.length - (MAX_REMEMBERED_DISPLAYS - 1)));
  return { lastDisplayId: display.id, byDisplay: { ...Object.fromEntries(kept), [display.id]: rounded } };
}
