/**
 * Glass-to-glass latency: the camera paints its capture time into the picture, the viewer reads it back from every
 * frame it shows. Camera and viewer pages are in one browser, so both read the same clock
 * (performance.timeOrigin + performance.now()).
 */
import type { Page } from 'playwright-core';
import { createLogger } from '../protocol/log.ts';
import type { G2gProbe, SourceFormat } from './page-probe.ts';
import { summarize, type Summary } from './stats.ts';
import { SUBJECT_LABELS, readGlassToGlass, senderVideo, type SenderVideo, stopWatching, watchAndTime, type Subject, type SubjectKind } from './subjects.ts';
import { message, sleep, type Deadline } from './util.ts';

const log = createLogger('bench-latency');

/** A named picture format. */
export interface LatencyFormat extends SourceFormat {
  name: string;
}

/** The formats the issue asks for. */
export const LATENCY_FORMATS: readonly LatencyFormat[] = [
  { name: '360p15', width: 640, height: 360, fps: 15 },
  { name: '720p30', width: 1280, height: 720, fps: 30 },
];

/** One subject at one format. */
export interface LatencyRun {
  summary: Summary;
  /** Frames shown during the window, frames whose timecode did not read, frames shown twice. */
  frames: number;
  undecoded: number;
  repeats: number;
  /** Frame width shown: the smallest seen, and the last (with its height). The samples are rounded to 0.1 ms. */
  minWidth: number;
  lastSize: string;
  samples: number[];
  /** The sender's encoder at the end of the window (resolution, frame rate, why it holds back). */
  sender: SenderVideo | null;
  /** Windows measured, failed (listed in the table, not dropped silently) and not run for want of time. */
  windows: number;
  failedWindows: number;
  skippedWindows: number;
  error: string | null;
}

/** Results by format name, then subject. */
export type LatencyResult = Record<string, Partial<Record<SubjectKind, LatencyRun>>>;

/**
 * What an idle subject's camera paints while another is measured: a small picture at the same frame rate, so its
 * encoder has little to do but the receiver's jitter buffer stays in its steady state (at 1 fps it would grow).
 */
export function idleFormat(format: SourceFormat): SourceFormat {
  return { width: 320, height: 180, fps: format.fps };
}

/**
 * Measure every subject at every format: all subjects connected at once, but only one streams the format at a time
 * (the others' cameras idle at 320×180); `windows` windows of `windowMs` per subject and format, taken in
 * rotating order, so a noisy moment on the shared machine falls on every subject alike. Each window starts
 * `settleMs` after the switch to the format.
 */
export async function measureLatency(
  subjects: readonly Subject[],
  options: { formats: readonly LatencyFormat[]; windowMs: number; windows: number; settleMs: number; deadline: Deadline; idle?: (format: SourceFormat) => SourceFormat },
): Promise<LatencyResult> {
  const idle = options.idle ?? idleFormat;
  const out: LatencyResult = {};
  for (const format of options.formats) out[format.name] = {};
  const live: { subject: Subject; page: Page }[] = [];
  try {
    for (const subject of subjects) {
      try {
        const page = await subject.warmViewer();
        if (options.formats[0]) await subject.setSource(options.formats[0]);
        await watchAndTime(subject, page);
        live.push({ subject, page });
        if (options.formats[0]) await subject.setSource(idle(options.formats[0]));
      } catch (error) {
        log.warn('could not start watching for latency', { subject: SUBJECT_LABELS[subject.kind], error: message(error) });
        for (const format of options.formats) out[format.name]![subject.kind] = emptyRun(message(error));
      }
    }
    const perWindow = options.windowMs + options.settleMs + 3000;
    for (const format of options.formats) {
      for (const { subject } of live) await subject.setSource(idle(format));
      const runs = new Map(live.map(({ subject }) => [subject.kind, emptyRun(null)]));
      for (let w = 0; w < options.windows; w++) {
        for (let i = 0; i < live.length; i++) {
          const { subject, page } = live[(i + w) % live.length]!;
          const run = runs.get(subject.kind)!;
          if (!options.deadline.has(perWindow)) {
            run.error ??= 'time budget spent before all windows';
            run.skippedWindows++;
            continue;
          }
          try {
            await subject.setSource(format);
            await sleep(options.settleMs);
            const probe = await readGlassToGlass(subject, page, options.windowMs);
            add(run, probe);
            if (probe.samples.length === 0) run.failedWindows++;
            else run.windows++;
            const senderPage = subject.senderPage();
            run.sender = senderPage ? ((await senderVideo(senderPage).catch(() => []))[0] ?? run.sender) : run.sender;
            await subject.setSource(idle(format));
          } catch (error) {
            run.failedWindows++;
            run.error = message(error);
            log.warn('a latency window failed', { subject: SUBJECT_LABELS[subject.kind], format: format.name, error: run.error });
          }
        }
      }
      for (const [kind, run] of runs) {
        run.summary = summarize(run.samples);
        out[format.name]![kind] = run;
        log.info('glass-to-glass', { format: format.name, subject: SUBJECT_LABELS[kind], median: run.summary.median, p90: run.summary.p90, n: run.summary.n, minWidth: run.minWidth, shown: run.lastSize, sender: run.sender, error: run.error });
      }
    }
  } finally {
    for (const { subject, page } of live) await stopWatching(subject, page).catch(() => undefined);
  }
  return out;
}

function emptyRun(error: string | null): LatencyRun {
  return { summary: summarize([]), frames: 0, undecoded: 0, repeats: 0, minWidth: 0, lastSize: '', samples: [], sender: null, windows: 0, failedWindows: 0, skippedWindows: 0, error };
}

function add(run: LatencyRun, probe: G2gProbe): void {
  run.samples.push(...probe.samples.map((v) => Math.round(v * 10) / 10));
  run.frames += probe.frames;
  run.undecoded += probe.undecoded;
  run.repeats += probe.repeats;
  if (probe.minWidth > 0) run.minWidth = run.minWidth === 0 ? probe.minWidth : Math.min(run.minWidth, probe.minWidth);
  if (probe.lastWidth > 0) run.lastSize = `${probe.lastWidth}x${probe.lastHeight}`;
  if (probe.error) run.error = probe.error;
}
