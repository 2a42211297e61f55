/**
 * Time to first frame, cold and warm, for every subject, timed inside the viewer page from the Watch click:
 * - cold: the viewer app freshly loaded (a new page on the same device) and Watch clicked as soon as it can be;
 * - warm: the viewer app already running, registered with its server and (pawcam) showing the camera online, then
 *   Watch clicked. Runs alternate between subjects so a noisy moment on the machine hits all of them.
 */
import type { Page } from 'playwright-core';
import { createLogger } from '../protocol/log.ts';
import type { TtffProbe } from './page-probe.ts';
import { median, summarize, type Summary } from './stats.ts';
import { SUBJECT_LABELS, stopWatching, watchAndTime, type Subject, type SubjectKind } from './subjects.ts';
import { message, type Deadline } from './util.ts';

const log = createLogger('bench-ttff');

/** Samples of one kind of start. */
export interface TtffSeries {
  /** ms from the click to the first decoded frame (getStats framesDecoded > 0). */
  decoded: number[];
  /** ms from the click to the first frame presented in the live video (requestVideoFrameCallback). */
  shown: number[];
  /** The page's timeline marks per run (see TtffProbe.marks). */
  marks: Record<string, number[]>;
  failures: string[];
}

/** A series with its summaries. */
export type SummarizedSeries = TtffSeries & { decodedSummary: Summary; shownSummary: Summary; markMedians: Record<string, number | null> };

/** One subject's results. */
export interface SubjectTtff {
  cold: SummarizedSeries;
  warm: SummarizedSeries;
}

/** After this many failures in a row a subject is left out of further runs. */
const MAX_FAILURES_IN_A_ROW = 3;
/** Time one run may need at most (so the part stops before its budget runs out). */
const RUN_RESERVE_MS = 12_000;

/** Run `runs` cold and `runs` warm starts per subject within the deadline. */
export async function measureTtff(subjects: readonly Subject[], options: { runs: number; deadline: Deadline }): Promise<Partial<Record<SubjectKind, SubjectTtff>>> {
  const series = new Map<SubjectKind, { cold: TtffSeries; warm: TtffSeries; failing: number }>();
  for (const s of subjects) series.set(s.kind, { cold: empty(), warm: empty(), failing: 0 });

  for (const kind of ['cold', 'warm'] as const) {
    for (let run = 0; run < options.runs; run++) {
      for (const subject of subjects) {
        const own = series.get(subject.kind)!;
        if (own.failing >= MAX_FAILURES_IN_A_ROW) continue;
        if (!options.deadline.has(RUN_RESERVE_MS)) {
          log.warn('time budget spent; stopping time-to-first-frame runs', { kind, run });
          return finish(series);
        }
        const target = own[kind];
        try {
          const sample = kind === 'cold' ? await coldRun(subject) : await warmRun(subject);
          if (sample.decodedMs !== null) target.decoded.push(tenth(sample.decodedMs));
          if (sample.shownMs !== null) target.shown.push(tenth(sample.shownMs));
          for (const [name, at] of Object.entries(sample.marks)) (target.marks[name] ??= []).push(tenth(at));
          own.failing = 0;
        } catch (error) {
          target.failures.push(message(error));
          own.failing++;
          log.warn('a time-to-first-frame run failed', { subject: SUBJECT_LABELS[subject.kind], kind, error: message(error) });
          await subject.idle().catch(() => undefined);
        }
      }
    }
  }
  return finish(series);
}

async function coldRun(subject: Subject): Promise<TtffProbe> {
  let page: Page | null = null;
  try {
    page = await subject.freshViewer();
    return await watchAndTime(subject, page);
  } finally {
    // Stop first: a page torn down without closing its connection leaves the camera streaming until ICE gives up
    // (seconds), which would load the machine during the next run.
    await page?.locator(subject.selectors.stop).click({ timeout: 3000 }).catch(() => undefined);
    await page?.close().catch(() => undefined);
    await subject.idle();
  }
}

async function warmRun(subject: Subject): Promise<TtffProbe> {
  const page = await subject.warmViewer();
  try {
    return await watchAndTime(subject, page);
  } finally {
    await stopWatching(subject, page);
  }
}

function empty(): TtffSeries {
  return { decoded: [], shown: [], marks: {}, failures: [] };
}

function finish(series: Map<SubjectKind, { cold: TtffSeries; warm: TtffSeries }>): Partial<Record<SubjectKind, SubjectTtff>> {
  const out: Partial<Record<SubjectKind, SubjectTtff>> = {};
  for (const [kind, { cold, warm }] of series) {
    out[kind] = { cold: summarized(cold), warm: summarized(warm) };
  }
  return out;
}

function summarized(series: TtffSeries): SummarizedSeries {
  const markMedians: Record<string, number | null> = {};
  for (const [name, values] of Object.entries(series.marks)) markMedians[name] = median(values);
  return { ...series, decodedSummary: summarize(series.decoded), shownSummary: summarize(series.shown), markMedians };
}

function tenth(ms: number): number {
  return Math.round(ms * 10) / 10;
}
