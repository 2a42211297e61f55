/**
 * Local calendar days as `YYYY-MM-DD` (the IPC contract's `DaySchema`): which day a moment belongs to, and a day's
 * span. The desktop's events store files and reports by these days and the viewer's timeline shows them, so both
 * count days the same way. Local time through `Date` only; a day with a clock change lasts 23 or 25 hours.
 */

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of `at` in local time. */
export function localDay(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local `day` (`YYYY-MM-DD`) as a span: its midnight and the next. */
export function localDayBounds(day: string): { from: number; to: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new RangeError(`not a day: ${day}`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return { from: new Date(y, m - 1, d).getTime(), to: new Date(y, m - 1, d + 1).getTime() };
}
