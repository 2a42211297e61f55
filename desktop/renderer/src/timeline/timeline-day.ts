/**
 * The timeline's arithmetic, in the viewer's local time: which day an event belongs to, the previous and next day,
 * where an event sits on the day's 24-hour axis (a day with a clock change has 23 or 25 hours, so positions come
 * from the day's real start and end, never from "24 × 3600 s"), the axis' hour marks, and the list's hour groups.
 */
import { EVENT_KINDS, type EventKind } from '../../../../protocol/event-messages.ts';
import type { TimelineEvent } from '../../../../protocol/ipc.ts';
import { localDay, localDayBounds } from '../../../../protocol/local-day.ts';
import { TIMELINE_MESSAGES } from '../messages.ts';


const pad = (n: number): string => String(n).padStart(2, '0');

function parts(day: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new RangeError(`not a day: ${day}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The local start of `day` plus `hours` (a local clock hour: Date folds a skipped or repeated hour itself). */
function localTime(day: string, hours = 0, dayOffset = 0): number {
  const [y, m, d] = parts(day);
  return new Date(y, m - 1, d + dayOffset, hours).getTime();
}


/** The day `delta` days from `day`. */
export function shiftDay(day: string, delta: number): string {
  return localDay(localTime(day, 12, delta));
}

/** Where `at` sits on the day's axis, 0 (midnight) … 1 (next midnight), clamped. */
export function axisFraction(at: number, day: string): number {
  const { from, to } = localDayBounds(day);
  return Math.min(1, Math.max(0, (at - from) / (to - from)));
}

/** An event's span on the axis: start and width as fractions of the day (an event running past midnight is cut). */
export function axisSpan(event: Pick<TimelineEvent, 'at' | 'durationMs'>, day: string): { left: number; width: number } {
  const left = axisFraction(event.at, day);
  const right = axisFraction(event.at + event.durationMs, day);
  return { left, width: right - left };
}

/** The axis' labelled marks every `stepHours` local hours (00:00, 03:00, … 24:00). */
export function hourMarks(day: string, stepHours = 3): { label: string; fraction: number }[] {
  const marks: { label: string; fraction: number }[] = [];
  for (let h = 0; h <= 24; h += stepHours) {
    marks.push({ label: `${pad(h)}:00`, fraction: h === 24 ? 1 : axisFraction(localTime(day, h), day) });
  }
  return marks;
}

/** Events grouped by their local hour for the list, in time order (only hours with events). */
export function groupByHour<T extends Pick<TimelineEvent, 'at'>>(events: readonly T[]): { label: string; events: T[] }[] {
  const groups: { label: string; events: T[] }[] = [];
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    const label = `${pad(new Date(event.at).getHours())}:00`;
    const last = groups.at(-1);
    if (last && last.label === label) last.events.push(event);
    else groups.push({ label, events: [event] });
  }
  return groups;
}

/** The day's heading: "Today", "Yesterday", or the date with its weekday. */
export function dayTitle(day: string, today: string, locale?: string): string {
  if (day === today) return TIMELINE_MESSAGES.today;
  if (day === shiftDay(today, -1)) return TIMELINE_MESSAGES.yesterday;
  return new Date(localTime(day, 12)).toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

/** `HH:MM:SS` local. */
export function clockTime(at: number): string {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in plain words: "under a second", "12 s", "3 min 5 s", "2 h 10 min". */
export function durationText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return 'under a second';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** The kinds a filter asks main for: null when every kind is chosen (no filter). */
export function kindsFilter(chosen: ReadonlySet<EventKind>): EventKind[] | null {
  return EVENT_KINDS.every((k) => chosen.has(k)) ? null : EVENT_KINDS.filter((k) => chosen.has(k));
}
