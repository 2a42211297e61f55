/**
 * Time to first frame, cold and warm, for every subject, timed inside the viewer page from the Watch click:
 * - cold: the viewer app freshly loaded (a new page on the same device) and Watch clicked as soon as it can be;
 * - warm: the viewer app already running, registered with its server and (pawcam) showing the camera online with its
 *   standby link up (the list's thumbnail showing), then Watch clicked: the time a user waits on a listed camera. Runs alternate between subjects so a noisy moment on the machine hits all of them.
 */
import type { Page } from 'playwright-core';
import { createLogger } from '../protocol/log.ts';
import type { TtffProbe } from './page-probe.ts';
import { median, summarizeRuns, type RunSummary } from './stats.ts';
import { SUBJECT_LABELS, stopWatching, watchAndTime, type Subject, type SubjectKind } from './subjects.ts';
import type { SourceFormat } from './page-probe.ts';
import { idleFormat } from './latency.ts';
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
  /** Why the series stopped before all its runs (time budget, too many failures in a row), if it did. */
  stopped?: string;
}

/**
 * A series with its summaries. Failed runs count in both, as FAILED_RUN_MS (the probe's limit), and are shown as a
 * count beside the median.
 */
export type SummarizedSeries = TtffSeries & { decodedSummary: RunSummary; shownSummary: RunSummary; markMedians: Record<string, number | null> };

/** What a failed run counts as in the medians: the probe gives up on a first frame after 15 s. */
export const FAILED_RUN_MS = 15_000;

/** One subject's results. */
export interface SubjectTtff {
  cold: SummarizedSeries;
  warm: SummarizedSeries;
}

/** After this many failures in a row a subject is left out of further runs. */
const MAX_FAILURES_IN_A_ROW = 3;
/** Time one run may need at most (so the part stops before its budget runs out). */
const RUN_RESERVE_MS = 12_000;

/**
 * Run `runs` cold and `runs` warm starts per subject within the deadline, interleaved (cold then warm in each round,
 * subjects in turn), so a part cut short by its budget still has both kinds. With `format`, the subject being timed
 * streams it and the others' cameras idle at a small picture (three 720p30 timecode painters at once load two cores).
 */
export async function measureTtff(
  subjects: readonly Subject[],
  options: { runs: number; deadline: Deadline; format?: SourceFormat },
): Promise<Partial<Record<SubjectKind, SubjectTtff>>> {
  const series = new Map<SubjectKind, { cold: TtffSeries; warm: TtffSeries; failing: number }>();
  for (const s of subjects) series.set(s.kind, { cold: empty(), warm: empty(), failing: 0 });

  for (let run = 0; run < options.runs; run++) {
    for (const kind of ['cold', 'warm'] as const) {
      for (const subject of subjects) {
        const own = series.get(subject.kind)!;
        if (own.failing >= MAX_FAILURES_IN_A_ROW) continue;
        if (!options.deadline.has(RUN_RESERVE_MS)) {
          log.warn('time budget spent; stopping time-to-first-frame runs', { kind, run });
          for (const s of series.values()) for (const k of ['cold', 'warm'] as const) s[k].stopped ??= `time budget spent at round ${run + 1} of ${options.runs}`;
          return finish(series);
        }
        const target = own[kind];
        try {
          if (options.format) await focus(subjects, subject, options.format);
          const sample = kind === 'cold' ? await coldRun(subject) : await warmRun(subject);
          if (sample.shownMs === null) throw new Error('the probe finished without a shown frame');
          if (sample.decodedMs !== null) target.decoded.push(tenth(sample.decodedMs));
          target.shown.push(tenth(sample.shownMs));
          for (const [name, at] of Object.entries(sample.marks)) (target.marks[name] ??= []).push(tenth(at));
          own.failing = 0;
        } catch (error) {
          target.failures.push(message(error));
          own.failing++;
          if (own.failing >= MAX_FAILURES_IN_A_ROW) {
            for (const k of ['cold', 'warm'] as const) own[k].stopped ??= `left out after ${MAX_FAILURES_IN_A_ROW} failures in a row: ${message(error)}`;
          }
          log.warn('a time-to-first-frame run failed', { subject: SUBJECT_LABELS[subject.kind], kind, error: message(error) });
          await subject.idle().catch(() => undefined);
        }
      }
    }
  }
  return finish(series);
}

/** The timed subject's camera paints `format`, every other camera the idle picture. */
async function focus(subjects: readonly Subject[], timed: Subject, format: SourceFormat): Promise<void> {
  for (const s of subjects) await s.setSource(s === timed ? format : idleFormat(format)).catch(() => undefined);
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
    const sample = await watchAndTime(subject, page);
    // A warm start on a standby link that dialled anyway is not what the figure claims to measure.
    if (subject.warmOnStandby && sample.newConnections > 0) {
      throw new Error(`Watch opened ${sample.newConnections} new connection(s) instead of raising the standby link`);
    }
    return sample;
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
  const failed = series.failures.length;
  return { ...series, decodedSummary: summarizeRuns(series.decoded, failed, FAILED_RUN_MS), shownSummary: summarizeRuns(series.shown, failed, FAILED_RUN_MS), markMedians };
}

function tenth(ms: number): number {
  return Math.round(ms * 10) / 10;
}
