import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventKind } from '../../../protocol/event-messages.ts';
import { computeDailyReport, escapeHtml, localHourStarts, renderReportHtml, writeDailyReport, type ReportEvent } from './daily-report.ts';
import { EventIndex } from './event-index.ts';

const DAY = '2027-03-10';
const at = (hh: number, mm: number, ss = 0): number => new Date(2027, 2, 10, hh, mm, ss).getTime();
const ev = (kind: EventKind, time: number, durationMs: number): ReportEvent => ({ kind, at: time, durationMs });

/** A seeded day: overlapping motion, motion across an hour boundary, a barking-like episode, loud sounds, a howl. */
const SEEDED: ReportEvent[] = [
  ev('camera-offline', at(3, 0), 600_000),
  ev('motion', at(8, 10), 5 * 60_000),
  ev('motion', at(8, 12), 2 * 60_000),
  ev('motion', at(8, 58), 4 * 60_000),
  ev('barking-like', at(9, 20), 2000),
  ev('barking-like', at(9, 21), 2000),
  ev('barking-like', at(9, 22), 2000),
  ev('loud-sound', at(9, 30), 300),
  ev('loud-sound', at(13, 0), 300),
  ev('motion', at(14, 0), 30_000),
  ev('howling-like', at(22, 15), 60_000),
];

describe('computeDailyReport', () => {
  it('the seeded day has the right hourly counts, busiest hours and longest quiet stretch', () => {
    const report = computeDailyReport(DAY, SEEDED);
    expect(report.hours).toHaveLength(24);
    const hour = (h: number) => report.hours[h]!;
    expect(hour(8)).toMatchObject({ label: '08:00', motionMinutes: 7, sounds: { 'barking-like': 0, 'howling-like': 0, 'loud-sound': 0 } });
    expect(hour(9)).toMatchObject({ motionMinutes: 2, sounds: { 'barking-like': 3, 'howling-like': 0, 'loud-sound': 1 } });
    expect(hour(13).sounds['loud-sound']).toBe(1);
    expect(hour(14).motionMinutes).toBe(0.5);
    expect(hour(22).sounds['howling-like']).toBe(1);
    const quietHours = report.hours.filter((_, i) => ![8, 9, 13, 14, 22].includes(i));
    expect(quietHours.every((h) => h.motionMinutes === 0 && Object.values(h.sounds).every((n) => n === 0))).toBe(true);
    expect(report.busiest).toEqual([8, 9, 13]);
    expect(report.longestQuiet).toEqual({ from: at(14, 0, 30), to: at(22, 15) });
    expect(report.totals).toEqual({ motionMinutes: 9.5, sounds: { 'barking-like': 3, 'howling-like': 1, 'loud-sound': 2 }, offline: 1 });
  });

  it('today: the quiet stretch ends now; an empty day has no busiest hours', () => {
    const report = computeDailyReport(DAY, [ev('motion', at(1, 0), 60_000)], at(6, 0));
    expect(report.longestQuiet).toEqual({ from: at(1, 1), to: at(6, 0) });
    expect(computeDailyReport(DAY, []).busiest).toEqual([]);
  });

  it('has 24 hours on ordinary days and one entry per real hour on DST days', () => {
    expect(localHourStarts(DAY)).toHaveLength(25);
    const starts = localHourStarts(DAY);
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(23 * 3_600_000);
  });
});

describe('the report file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pawcam-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders escaped text, a bar per hour and the hourly table', () => {
    const html = renderReportHtml(computeDailyReport(DAY, SEEDED), '<script>alert(1)</script>', []);
    expect(html).not.toContain('<script>');
    expect(html).toContain(escapeHtml('<script>alert(1)</script>'));
    expect(html).toMatch(/<tr data-hour="08:00"><td>08:00<\/td><td>7<\/td><td>0<\/td><td>0<\/td><td>0<\/td><\/tr>/);
    expect(html).toMatch(/<tr data-hour="09:00"><td>09:00<\/td><td>2<\/td><td>3<\/td><td>0<\/td><td>1<\/td><\/tr>/);
    // Bars: 3 motion hours (8, 9, 14) + sound segments (9: barking-like and loud; 13: loud; 22: howling-like).
    expect(html.match(/<rect /g)).toHaveLength(3 + 4);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('is saved next to the day’s clips with the day’s thumbnails inline', async () => {
    const clips = join(dir, 'clips');
    const index = new EventIndex(join(dir, 'events.sqlite'));
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    await mkdir(join(clips, 'Kitchen', DAY), { recursive: true });
    await writeFile(join(clips, 'Kitchen', DAY, 'thumb.jpg'), jpeg);
    SEEDED.forEach((e, i) =>
      index.insertEvent({ cameraId: 'cam-k', id: i.toString(16).padStart(16, '0'), kind: e.kind, at: e.at, durationMs: e.durationMs, strength: 0, levelDbfs: null, battery: null, thumbnail: i === 1 ? join('Kitchen', DAY, 'thumb.jpg') : null, clip: null, clipBytes: 0, clipExpected: false, seen: false, receivedAt: e.at }),
    );
    const file = await writeDailyReport({ index, clipsDir: clips, cameraId: 'cam-k', cameraName: 'Kitchen', day: DAY, now: at(23, 59) + 86_400_000 });
    index.close();
    expect(file).toBe(join(clips, 'Kitchen', DAY, `pawcam-report-Kitchen-${DAY}.html`));
    const html = await readFile(file, 'utf8');
    expect(html).toContain(`data:image/jpeg;base64,${jpeg.toString('base64')}`);
    expect(html).toContain('<dd data-total="motion-minutes">9.5 min</dd>');
    expect(html).toContain('<dd data-busiest>08:00, 09:00, 13:00</dd>');
  });
});
