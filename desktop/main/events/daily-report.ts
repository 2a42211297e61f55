/**
 * The daily report per camera and day: activity by hour (motion minutes, sound events by kind), the busiest hours,
 * the longest quiet stretch, and a contact sheet of the day's thumbnails — saved as one self-contained HTML file
 * next to the day's clips, which the owner can open in any browser or send on.
 *
 * The chart is a small inline SVG drawn here rather than uPlot (the suggested library): the file must work with no
 * script at all (it is opened from disk and shared; its CSP forbids scripts), 24 bars need no charting library,
 * and adding a dependency was out of scope for this change. uPlot remains the choice for the interactive timeline.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventKind } from '../../../protocol/event-messages.ts';
import { localDayBounds } from '../../../protocol/local-day.ts';
import { writeFileAtomic } from '../atomic-file.ts';
import { dayFolder, looksLikeJpeg, reportFileName } from './clip-files.ts';
import type { EventIndex } from './event-index.ts';

/** Sound kinds counted per hour. */
export const SOUND_KINDS = ['barking-like', 'howling-like', 'loud-sound'] as const;
export type SoundKind = (typeof SOUND_KINDS)[number];

/** The owner-facing words for each kind. */
export const KIND_TEXT: Record<EventKind, string> = {
  motion: 'Motion',
  'barking-like': 'Barking-like sounds',
  'howling-like': 'Howling/whining-like sounds',
  'loud-sound': 'Loud sound',
  'camera-offline': 'Camera offline',
};

/** An event, as the report needs it. */
export interface ReportEvent {
  kind: EventKind;
  at: number;
  durationMs: number;
}

/** One hour of the day. */
export interface HourActivity {
  /** Start of the hour (local time; a DST day has 23 or 25). */
  start: number;
  /** `HH:00` local. */
  label: string;
  /** Minutes with motion in this hour (overlapping events counted once), one decimal. */
  motionMinutes: number;
  sounds: Record<SoundKind, number>;
}

/** A camera's day in numbers. */
export interface DailyReport {
  day: string;
  hours: HourActivity[];
  /** Indices into `hours`, busiest first (at most 3, only hours with activity). */
  busiest: number[];
  /** The longest stretch without any motion or sound, within the day (up to `until` for today). */
  longestQuiet: { from: number; to: number } | null;
  totals: { motionMinutes: number; sounds: Record<SoundKind, number>; offline: number };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local hour starts of `day` (`YYYY-MM-DD`) plus the next midnight: 25 numbers, 24 or 26 on DST days. */
export function localHourStarts(day: string): number[] {
  const { from: start, to: end } = localDayBounds(day);
  const starts: number[] = [];
  for (let t = start; t < end; t += 3_600_000) starts.push(t);
  starts.push(end);
  return starts;
}

type Interval = [number, number];

function merge(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const zeroSounds = (): Record<SoundKind, number> => ({ 'barking-like': 0, 'howling-like': 0, 'loud-sound': 0 });
const isSound = (kind: EventKind): kind is SoundKind => (SOUND_KINDS as readonly string[]).includes(kind);

/** Compute the report of one day from its events; `until` caps the quiet-stretch search (now, for today). */
export function computeDailyReport(day: string, events: readonly ReportEvent[], until = Number.POSITIVE_INFINITY): DailyReport {
  const starts = localHourStarts(day);
  const dayStart = starts[0]!;
  const dayEnd = Math.min(starts.at(-1)!, Math.max(dayStart, until));
  const motion = merge(events.filter((e) => e.kind === 'motion').map((e) => [e.at, e.at + Math.max(e.durationMs, 1000)]));
  const hours: HourActivity[] = [];
  for (let h = 0; h + 1 < starts.length; h++) {
    const from = starts[h]!;
    const to = starts[h + 1]!;
    let ms = 0;
    for (const [a, b] of motion) ms += Math.max(0, Math.min(b, to) - Math.max(a, from));
    const sounds = zeroSounds();
    for (const e of events) if (isSound(e.kind) && e.at >= from && e.at < to) sounds[e.kind]++;
    const d = new Date(from);
    hours.push({ start: from, label: `${pad(d.getHours())}:${pad(d.getMinutes())}`, motionMinutes: Math.round(ms / 6000) / 10, sounds });
  }
  const score = (h: HourActivity): number => h.motionMinutes + SOUND_KINDS.reduce((s, k) => s + h.sounds[k], 0);
  const busiest = hours
    .map((h, i) => ({ i, s: score(h) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.i);

  // Quiet = no motion and no sound; an offline camera is not evidence of quiet, so offline events do not count.
  const activity = merge([...motion, ...events.filter((e) => isSound(e.kind)).map((e): Interval => [e.at, e.at + Math.max(e.durationMs, 1000)])]);
  let longestQuiet: DailyReport['longestQuiet'] = null;
  let cursor = dayStart;
  for (const [a, b] of [...activity, [dayEnd, dayEnd] as Interval]) {
    const from = cursor;
    const to = Math.min(a, dayEnd);
    if (to > from && (!longestQuiet || to - from > longestQuiet.to - longestQuiet.from)) longestQuiet = { from, to };
    cursor = Math.max(cursor, b);
    if (cursor >= dayEnd) break;
  }
  const sounds = zeroSounds();
  for (const e of events) if (isSound(e.kind) && e.at >= dayStart && e.at < starts.at(-1)!) sounds[e.kind]++;
  return {
    day,
    hours,
    busiest,
    longestQuiet,
    totals: {
      motionMinutes: Math.round(hours.reduce((s, h) => s + h.motionMinutes, 0) * 10) / 10,
      sounds,
      offline: events.filter((e) => e.kind === 'camera-offline').length,
    },
  };
}

/** Escape text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SOUND_COLOURS: Record<SoundKind, string> = { 'barking-like': '#d9622b', 'howling-like': '#7b4fc9', 'loud-sound': '#888' };

function barChart(title: string, hours: HourActivity[], series: { colour: string; label: string; value(h: HourActivity): number }[], unit: string): string {
  const w = 720;
  const h = 160;
  const left = 36;
  const bottom = 22;
  const max = Math.max(1, ...hours.map((hr) => series.reduce((s, x) => s + x.value(hr), 0)));
  const slot = (w - left) / hours.length;
  const y = (v: number): number => ((h - bottom - 8) * v) / max;
  let bars = '';
  hours.forEach((hr, i) => {
    let base = h - bottom;
    for (const s of series) {
      const v = s.value(hr);
      if (v <= 0) continue;
      const bh = y(v);
      base -= bh;
      bars += `<rect x="${(left + i * slot + 2).toFixed(1)}" y="${base.toFixed(1)}" width="${(slot - 4).toFixed(1)}" height="${bh.toFixed(1)}" fill="${s.colour}"><title>${escapeHtml(`${hr.label} ${s.label}: ${v} ${unit}`)}</title></rect>`;
    }
    if (i % 3 === 0) bars += `<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${h - 6}" font-size="10" text-anchor="middle">${hr.label}</text>`;
  });
  const axis = `<line x1="${left}" y1="${h - bottom}" x2="${w}" y2="${h - bottom}" stroke="#999"/><text x="${left - 4}" y="14" font-size="10" text-anchor="end">${max}</text><text x="${left - 4}" y="${h - bottom}" font-size="10" text-anchor="end">0</text>`;
  const legend = series.map((s) => `<span class="key"><i style="background:${s.colour}"></i>${escapeHtml(s.label)}</span>`).join(' ');
  return `<figure><figcaption>${escapeHtml(title)} ${legend}</figcaption><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(title)}">${axis}${bars}</svg></figure>`;
}

const time = (at: number): string => {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** A thumbnail for the contact sheet. */
export interface SheetThumbnail {
  at: number;
  kind: EventKind;
  jpeg: Uint8Array;
}

/** The report as one HTML file: no script, no outside request (images are inline). */
export function renderReportHtml(report: DailyReport, cameraName: string, thumbnails: readonly SheetThumbnail[]): string {
  const { totals } = report;
  const soundTotal = SOUND_KINDS.reduce((s, k) => s + totals.sounds[k], 0);
  const busiest = report.busiest.length
    ? report.busiest.map((i) => report.hours[i]!.label).join(', ')
    : 'none — no activity recorded';
  const quiet = report.longestQuiet
    ? `${time(report.longestQuiet.from)}–${time(report.longestQuiet.to)} (${Math.round((report.longestQuiet.to - report.longestQuiet.from) / 60_000)} min)`
    : 'none';
  const sheet = thumbnails
    .map((t) => `<figure class="thumb"><img alt="" src="data:image/jpeg;base64,${Buffer.from(t.jpeg).toString('base64')}"><figcaption>${time(t.at)} · ${escapeHtml(KIND_TEXT[t.kind])}</figcaption></figure>`)
    .join('');
  const motionChart = barChart('Motion, minutes per hour', report.hours, [{ colour: '#2b7bd9', label: 'Motion', value: (h) => h.motionMinutes }], 'min');
  const soundChart = barChart(
    'Sound events per hour',
    report.hours,
    SOUND_KINDS.map((k) => ({ colour: SOUND_COLOURS[k], label: KIND_TEXT[k], value: (h: HourActivity) => h.sounds[k] })),
    'events',
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${cameraName} — ${report.day}`)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:760px;padding:0 1rem;color:#222}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
figure{margin:1rem 0}svg{width:100%;height:auto}.key{font-size:12px;margin-left:.8rem}.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
.sheet{display:flex;flex-wrap:wrap;gap:6px}.thumb{margin:0;width:160px}.thumb img{width:160px;display:block}.thumb figcaption{font-size:11px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
</style></head><body>
<h1>${escapeHtml(cameraName)} — ${escapeHtml(report.day)}</h1>
<dl>
<dt>Motion</dt><dd data-total="motion-minutes">${totals.motionMinutes} min</dd>
<dt>Sound events</dt><dd data-total="sounds">${soundTotal} (${SOUND_KINDS.map((k) => `${escapeHtml(KIND_TEXT[k])}: ${totals.sounds[k]}`).join(', ')})</dd>
<dt>Busiest hours</dt><dd data-busiest>${escapeHtml(busiest)}</dd>
<dt>Longest quiet stretch</dt><dd data-quiet>${escapeHtml(quiet)}</dd>
${totals.offline ? `<dt>Camera offline</dt><dd>${totals.offline} time(s)</dd>` : ''}
</dl>
${motionChart}
${soundChart}
<table><thead><tr><th>Hour</th><th>Motion min</th>${SOUND_KINDS.map((k) => `<th>${escapeHtml(KIND_TEXT[k])}</th>`).join('')}</tr></thead><tbody>
${report.hours.map((h) => `<tr data-hour="${h.label}"><td>${h.label}</td><td>${h.motionMinutes}</td>${SOUND_KINDS.map((k) => `<td>${h.sounds[k]}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>
<h2>The day in pictures</h2>
<div class="sheet">${sheet || '<p>No pictures this day.</p>'}</div>
<p><small>Sound labels describe a loudness pattern, not an animal. Made by pawcam on this computer.</small></p>
</body></html>
`;
}

/** Most thumbnails on one contact sheet (the file stays small enough to send). */
export const MAX_SHEET_THUMBNAILS = 120;

/** Compute, render and save a camera's report for `day` next to its clips; resolves to the file's path. */
export async function writeDailyReport(options: { index: EventIndex; clipsDir: string; cameraId: string; cameraName: string; day: string; now: number }): Promise<string> {
  const { from, to } = localDayBounds(options.day);
  const events = options.index.listEvents(options.cameraId, from, to);
  const report = computeDailyReport(options.day, events, options.now);
  const withThumbs = events.filter((e) => e.thumbnail);
  // Spread the sheet over the day when there are more than fit.
  const step = Math.max(1, Math.ceil(withThumbs.length / MAX_SHEET_THUMBNAILS));
  const thumbnails: SheetThumbnail[] = [];
  for (let i = 0; i < withThumbs.length; i += step) {
    const e = withThumbs[i]!;
    const jpeg = await readFile(join(options.clipsDir, e.thumbnail!)).catch(() => null);
    if (jpeg && jpeg.length <= 256 * 1024 && looksLikeJpeg(jpeg)) thumbnails.push({ at: e.at, kind: e.kind, jpeg });
  }
  const html = renderReportHtml(report, options.cameraName, thumbnails);
  const file = join(options.clipsDir, dayFolder(options.cameraName, from), reportFileName(options.cameraName, options.day));
  // A report regenerated later in the day replaces the earlier one (unlike clips, it is derived, not evidence).
  await writeFileAtomic(file, html, 0o644);
  return file;
}
