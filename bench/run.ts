/**
 * `npm run bench`: runs every part within its time budget, inside the loopback-only network namespace,
 * writes bench/results.json and prints a table and the JSON summary to stdout (progress goes to stderr). A part that
 * cannot run is reported as skipped with the reason. Budgets are printed pass/fail and never fail the process: the
 * exit code is 0 unless the bench itself crashed.
 *
 * Options: `--only=weight,ttff,latency,cpu,standby,capacity` runs some parts; `--quick` runs fewer, shorter rounds (for
 * trying the bench out; its figures are not the budgets').
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { configureLogging, createLogger, type LogRecord } from '../protocol/log.ts';
import { launchChromium } from '../test/support/browser.ts';
import { startTestServer, type TestServer } from '../test/support/server.ts';
import { startBaselineServer, type BaselineServer } from './baseline-server.ts';
import { checkBudgets } from './budgets.ts';
import { capacityShortfalls, measureCapacity } from './capacity.ts';
import { LATENCY_FORMATS, measureLatency } from './latency.ts';
import { figuresOf, ratiosOf, type BenchResults, type CpuSubject, type PartName, type PartStatus } from './results.ts';
import { STANDBY_CAMERA_SOURCE, measureStandbyMemory } from './standby.ts';
import { SUBJECT_LABELS, detectionOn, openOurs, openPeerjs, openRaw, type Subject, type SubjectKind } from './subjects.ts';
import { renderReport } from './table.ts';
import { measureTtff } from './ttff.ts';
import { Deadline, Shortfall, Skip, message, requireSamples } from './util.ts';
import { bundleWeight, measureCameraCpu, type CameraCpuMode } from './weight.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const log = createLogger('bench');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

/** What a run does; `--quick` shrinks it. */
const SETTINGS = {
  /** Per subject and kind (cold, warm); 8 × 2 × 3 subjects fit the part's budget at ~2 s a run on a quiet machine. */
  ttffRuns: quick ? 3 : 8,
  /** Per subject and format: windows × window ≥ 10 s. */
  latencyWindows: quick ? 2 : 3,
  latencyWindowMs: quick ? 2000 : 3400,
  latencySettleMs: 1500,
  /** Two subjects × (setup ~15 s + warm-up + window) within the part's budget. */
  cpuWindowMs: quick ? 6000 : 15_000,
  cpuWarmupMs: quick ? 1500 : 3000,
  /** Camera pages a viewer holds standby links to for the memory figure (the issue asks for 8). */
  standbyCameras: quick ? 4 : 8,
  standbySettleMs: 3000,
  standbyReadings: 3,
  /** Quick runs stop at the comparison count: the 10,000-camera ramp alone takes a minute on a loaded machine. */
  capacityTarget: quick ? 5000 : 10_000,
  capacityBatch: 500,
  capacityRounds: quick ? 1 : 2,
  /** RSS is compared with this many cameras on both servers: the stock PeerServer's own ceiling (concurrent_limit). */
  capacityCompareAt: 5000,
  relayPairs: 200,
  relayInFlight: 16,
  relayWindowMs: quick ? 2000 : 3000,
  relayProfileMs: 1500,
  fileLimit: 65_536,
};

/**
 * Seconds each part may take at most (the whole run stays within 13.5 minutes on two cores). cpu: five
 * windows (pawcam with no viewer, on standby, live, and on standby with detection on; PeerJS live); standby: eight pairings (5 s each on a quiet machine, 20 s
 * under load) and the readings.
 */
const PART_BUDGET_S: Record<PartName, number> = { weight: 10, ttff: 150, latency: 120, cpu: 190, standby: 180, capacity: 150 };
/** The whole run, after which remaining parts are skipped. */
const TOTAL_BUDGET_S = 790;
/** If something hangs regardless, write what there is and stop. */
const WATCHDOG_S = 870;

const started = Date.now();
const total = new Deadline(TOTAL_BUDGET_S * 1000, started);

const results: BenchResults = {
  version: 1,
  startedAt: new Date(started).toISOString(),
  durationSeconds: 0,
  machine: { cpus: cpus().length, loadAverage: loadavg(), node: process.version, chromium: null, ...gitState() },
  settings: { ...SETTINGS, quick: quick ? 'yes' : 'no' },
  parts: {},
  skipped: [],
  notes: [],
  ttff: null,
  latency: null,
  capacity: null,
  weight: { camera: null, viewer: null },
  cpu: null,
  standby: null,
  ratios: {},
  budgets: [],
};

function gitState(): { commit: string | null; uncommittedChanges: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, uncommittedChanges: status.trim().length > 0 };
  } catch {
    return { commit: null, uncommittedChanges: null };
  }
}

function skip(what: string, reason: string): void {
  results.skipped.push({ what, reason });
  log.warn('skipped', { what, reason });
}

/** Run one part within its budget (and the run's); record how it went. */
async function part(name: PartName, body: (deadline: Deadline) => Promise<string | null>): Promise<void> {
  if (only && !only.includes(name)) {
    results.parts[name] = { status: 'skipped', reason: 'not in --only', seconds: 0 };
    return;
  }
  const budgetMs = Math.min(PART_BUDGET_S[name] * 1000, total.left());
  if (budgetMs < 10_000) {
    results.parts[name] = { status: 'skipped', reason: 'the run’s time budget is spent', seconds: 0 };
    skip(name, 'the run’s time budget is spent');
    return;
  }
  const t0 = Date.now();
  log.info(`part ${name}: starting`, { budgetSeconds: Math.round(budgetMs / 1000) });
  let status: PartStatus;
  try {
    const partial = await body(new Deadline(budgetMs));
    status = { status: partial ? 'partial' : 'ok', reason: partial, seconds: 0 };
  } catch (error) {
    if (error instanceof Skip) {
      status = { status: 'skipped', reason: error.message, seconds: 0 };
      skip(name, error.message);
    } else if (error instanceof Shortfall) {
      // Loud on purpose: a figure missing from a budget must say why, not print as a quiet null.
      status = { status: 'failed', reason: `too few samples: ${error.message}`, seconds: 0 };
      log.error(`part ${name} failed: too few samples`, { reasons: error.reasons });
    } else {
      status = { status: 'failed', reason: message(error), seconds: 0 };
      log.error(`part ${name} failed`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }
  status.seconds = Math.round((Date.now() - t0) / 100) / 10;
  status.loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  results.parts[name] = status;
  log.info(`part ${name}: ${status.status}`, { seconds: status.seconds, reason: status.reason });
}

/** Open a subject, or record why it cannot run in this part. */
async function tryOpen(subjects: Subject[], label: string, partName: string, open: () => Promise<Subject>): Promise<void> {
  try {
    subjects.push(await open());
  } catch (error) {
    skip(`${label} in ${partName}`, message(error));
  }
}

async function weightPart(): Promise<string | null> {
  results.weight.camera = await bundleWeight(join(root, 'dist', 'camera-web')).catch(() => null);
  results.weight.viewer = await bundleWeight(join(root, 'dist', 'viewer')).catch(() => null);
  if (!results.weight.camera && !results.weight.viewer) throw new Skip('no build output in dist/ (run npm run build first)');
  return results.weight.camera && results.weight.viewer ? null : 'one of the two pages is not built';
}

/**
 * Time to first frame, then latency, with the same subjects in one browser (camera and viewer pages share its
 * clock). Each subject that cannot be set up is recorded as skipped with the reason. Returns the browser, still
 * running, for the CPU part to use as its viewer browser (a Chromium start costs seconds on a loaded 2-core machine).
 */
async function browserParts(server: TestServer, baseline: BaselineServer): Promise<Browser | null> {
  if (only && !only.includes('ttff') && !only.includes('latency')) {
    for (const name of ['ttff', 'latency'] as const) results.parts[name] = { status: 'skipped', reason: 'not in --only', seconds: 0 };
    return null;
  }
  const browser = await launchChromium();
  results.machine.chromium = `Chromium ${browser.version()}`;
  const subjects: Subject[] = [];
  try {
    const format = LATENCY_FORMATS.find((f) => f.name === '720p30') ?? LATENCY_FORMATS[0]!;
    const both = { camera: browser, viewer: browser };
    await tryOpen(subjects, SUBJECT_LABELS.ours, 'ttff and latency', () => openOurs(both, server.url, format));
    await tryOpen(subjects, SUBJECT_LABELS.peerjs, 'ttff and latency', () => openPeerjs(both, baseline, format));
    await tryOpen(subjects, SUBJECT_LABELS.raw, 'ttff and latency', () => openRaw(browser, baseline, format));
    await part('ttff', async (deadline) => {
      if (subjects.length === 0) throw new Skip('no subject could be set up');
      const ttff = await measureTtff(subjects, { runs: SETTINGS.ttffRuns, deadline, format });
      results.ttff = ttff;
      // Every run counts, failed ones too (they are in the medians); a series with fewer runs than asked was cut short.
      requireSamples(
        Object.entries(ttff).flatMap(([kind, t]) =>
          (['cold', 'warm'] as const).map((k) => ({
            what: `${SUBJECT_LABELS[kind as SubjectKind]} ${k}`,
            got: t[k].shownSummary.n,
            need: SETTINGS.ttffRuns,
            why: [t[k].stopped, t[k].failures.length ? `${t[k].failures.length} failed: ${t[k].failures[0]}` : ''].filter(Boolean).join('; '),
          })),
        ),
      );
      return null;
    });
    await part('latency', async (deadline) => {
      if (subjects.length === 0) throw new Skip('no subject could be set up');
      const latency = await measureLatency(subjects, {
        formats: LATENCY_FORMATS,
        windowMs: SETTINGS.latencyWindowMs,
        windows: SETTINGS.latencyWindows,
        settleMs: SETTINGS.latencySettleMs,
        deadline,
      });
      results.latency = latency;
      requireSamples(
        subjects.flatMap((s) =>
          LATENCY_FORMATS.map((f) => {
            const run = latency[f.name]?.[s.kind];
            return {
              what: `${SUBJECT_LABELS[s.kind]} ${f.name} windows`,
              got: run?.windows ?? 0,
              need: SETTINGS.latencyWindows,
              why: run ? `${run.failedWindows} failed, ${run.skippedWindows} not run${run.error ? `: ${run.error}` : ''}` : 'not measured',
            };
          }),
        ),
      );
      return null;
    });
    return browser;
  } catch (error) {
    await browser.close().catch(() => undefined);
    throw error;
  } finally {
    for (const s of subjects) await s.close();
  }
}

/**
 * Camera CPU: one camera browser holding only the camera page of one subject at a time (its renderer CPU is that
 * page's), the viewer in another browser; both browsers serve both subjects in turn. pawcam's camera is measured twice
 * with the same viewer: on standby (the viewer's list open, its standby link up), then watched live.
 */
async function cpuPart(server: TestServer, baseline: BaselineServer, viewerBrowser: Browser | null, deadline: Deadline): Promise<string | null> {
  results.cpu = {};
  const problems = new Map<CpuSubject, string>();
  const launched: Browser[] = [];
  const windowMs = SETTINGS.cpuWindowMs + SETTINGS.cpuWarmupMs;
  const options = { windowMs: SETTINGS.cpuWindowMs, warmupMs: SETTINGS.cpuWarmupMs };
  try {
    const camera = await launchChromium();
    launched.push(camera);
    const viewer = viewerBrowser ?? (await launchChromium());
    if (!viewerBrowser) launched.push(viewer);
    // The detecting camera is a page of its own (detection on from its first load), measured on standby like oursStandby.
    for (const kind of ['ours', 'oursDetect', 'peerjs'] as const) {
      const runs: CpuSubject[] = kind === 'ours' ? ['oursIdle', 'oursStandby', 'ours'] : [kind];
      if (!deadline.has(runs.length * windowMs + 15_000)) {
        for (const run of runs) problems.set(run, 'time budget spent before it ran');
        continue;
      }
      let subject: Subject | null = null;
      try {
        // Chromium's fake camera (its moving test pattern), as the product's own getUserMedia gets it at 720p30.
        subject =
          kind === 'peerjs'
            ? await openPeerjs({ camera, viewer }, baseline, null)
            : await openOurs({ camera, viewer }, server.url, null, { detection: kind === 'oursDetect' });
        if (kind === 'oursDetect') {
          await subject.warmViewer();
          const page = subject.senderPage();
          if (page) await detectionOn(page);
        }
        for (const run of runs) {
          try {
            results.cpu[run] = await measureCameraCpu(subject, camera, { ...options, mode: CPU_MODES[run] });
          } catch (error) {
            problems.set(run, message(error));
          }
        }
      } catch (error) {
        for (const run of runs) if (!problems.has(run)) problems.set(run, message(error));
      } finally {
        await subject?.close();
      }
    }
  } finally {
    await Promise.all(launched.map((b) => b.close().catch(() => undefined)));
  }
  const labels: Record<CpuSubject, string> = {
    ours: 'pawcam camera CPU (live)',
    oursStandby: 'pawcam camera CPU (standby)',
    oursIdle: 'pawcam camera CPU (no viewer)',
    oursDetect: 'pawcam camera CPU (standby, detection on)',
    peerjs: 'PeerJS baseline camera CPU',
  };
  requireSamples((['oursIdle', 'oursStandby', 'ours', 'oursDetect', 'peerjs'] as const).map((k) => ({ what: labels[k], got: results.cpu?.[k] ? 1 : 0, need: 1, why: problems.get(k) ?? '' })));
  return null;
}

const CPU_MODES: Record<CpuSubject, CameraCpuMode> = { ours: 'live', peerjs: 'live', oursStandby: 'standby', oursIdle: 'idle', oursDetect: 'standby' };

/**
 * Viewer memory with standby links to several camera pages (SETTINGS.standbyCameras). Fewer than asked is a
 * shortfall: the part fails with the reason and the table says how many it measured.
 */
async function standbyPart(server: TestServer, deadline: Deadline): Promise<string | null> {
  results.standby = await measureStandbyMemory(server.url, {
    cameras: SETTINGS.standbyCameras,
    deadline,
    settleMs: SETTINGS.standbySettleMs,
    readings: SETTINGS.standbyReadings,
  });
  const s = results.standby;
  requireSamples([
    { what: 'cameras on standby in the viewer-memory figure', got: s.loaded ? s.linked : 0, need: s.cameras, why: s.problems.join('; ') },
    { what: 'viewer memory with no camera', got: s.empty ? 1 : 0, need: 1, why: s.problems.join('; ') },
  ]);
  return null;
}

async function capacityPart(deadline: Deadline): Promise<string | null> {
  results.capacity = await measureCapacity({
    rounds: SETTINGS.capacityRounds,
    target: SETTINGS.capacityTarget,
    batch: SETTINGS.capacityBatch,
    relayPairs: SETTINGS.relayPairs,
    relayInFlight: SETTINGS.relayInFlight,
    relayWindowMs: SETTINGS.relayWindowMs,
    compareAt: SETTINGS.capacityCompareAt,
    profileMs: SETTINGS.relayProfileMs,
    fileLimit: SETTINGS.fileLimit,
    deadline,
  });
  const short = capacityShortfalls(results.capacity);
  if (short.length > 0) throw new Shortfall(short);
  const failed = (['ours', 'stock'] as const).flatMap((k) => {
    const c = results.capacity!.summary[k];
    return c.failedRounds > 0 ? [`${k}: ${c.failedRounds} of ${c.rounds} rounds failed (${c.error ?? 'no relay figure'})`] : [];
  });
  return failed.length ? failed.join('; ') : null;
}

function addNotes(): void {
  const n = results.notes;
  n.push(
    'cold = the viewer app freshly loaded (a new page on an already-set-up device) and Watch clicked as soon as it can be; ' +
      'warm = the viewer app already running, registered with its server and (pawcam) showing the camera online with its standby link up and the thumbnail showing, then Watch clicked: the time a user waits after clicking Watch on a listed camera. ' +
      'The baselines likewise: PeerJS registers on page load and calls on Watch (after its open event if Watch came first: PeerJS drops messages sent before); the loopback negotiates in the page on Watch.',
    'pawcam\'s viewer keeps a standby link per online camera (data channel and a negotiated video line carrying a 160-px thumbnail every few seconds): its warm Watch raises that link with no new offer, so its clock stops only at the first frame wider than the thumbnail, shown in the live view and decoded after the click. The baselines keep nothing: their warm start is a full WebRTC setup with only the signaling socket up.',
    `Glass-to-glass: the camera source is a canvas painting its capture time (performance.timeOrigin + performance.now()) as 36 black/white blocks; the viewer reads it back from each frame it shows (requestVideoFrameCallback, expectedDisplayTime). Camera and viewer pages share one browser, hence one clock. All subjects stay connected; one at a time streams the format (the others idle at 320x180, same frame rate), in ${SETTINGS.latencyWindows} windows per format taken in rotating order, each after a settle time.`,
    'Camera CPU: camera and viewer in separate Chromium instances; CPU time of the camera browser\'s renderer processes (CDP SystemInfo.getProcessInfo) while streaming Chromium\'s fake 720p30 camera to one viewer. On standby: the same camera page and viewer, the viewer\'s list open with the standby link up and nobody watching (the camera still captures 720p30, as the phone does). Upload: bytes sent by the camera page\'s peer connections over the window (outbound-rtp media with headers; transport: everything).',
    'Capacity: the relay budget compares relayed frames per server CPU-second (the rate of a server with a core to itself); the machine is shared, so raw frames/s also depend on what else runs. ' +
      `The RSS budget compares both servers with ${SETTINGS.capacityCompareAt.toLocaleString('en-US')} cameras registered (the stock server refuses more: its concurrent_limit default). Both servers run without TLS there; in the browser parts both run with TLS (self-signed).`,
    'Failed runs are counted per subject and shown beside each median; time-to-first-frame medians include them at 15 s. A part that collects fewer samples than it needs is reported as failed with the reason.',
    `Viewer memory on standby: one web viewer in a Chromium of its own holding standby links to ${SETTINGS.standbyCameras} camera pages (all in one other Chromium, each painting a small ${STANDBY_CAMERA_SOURCE.width}x${STANDBY_CAMERA_SOURCE.height}@${STANDBY_CAMERA_SOURCE.fps} picture), against the same viewer with no camera; private memory (smaps_rollup Private_Clean + Private_Dirty) of the viewer browser's processes (renderers: the page, its WebRTC and decoders), median of ${SETTINGS.standbyReadings} readings after ${SETTINGS.standbySettleMs / 1000} s settling.`,
  );
  const standby = results.cpu?.oursStandby;
  const live = results.cpu?.ours;
  const alone = results.cpu?.oursIdle;
  if (standby) {
    const up = standby.upload;
    const added = alone ? ` (${(standby.rendererCpuPerSecond - alone.rendererCpuPerSecond).toFixed(3)} core more than the ${alone.rendererCpuPerSecond.toFixed(3)} core of the camera page with no viewer)` : '';
    n.push(
      `Standby costs per viewer (this run, load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs at the end): camera-page CPU ${standby.rendererCpuPerSecond.toFixed(3)} core${added}${live ? `, ${(standby.rendererCpuPerSecond / live.rendererCpuPerSecond).toFixed(2)}× the ${live.rendererCpuPerSecond.toFixed(3)} core of the same camera watched live` : ''}; upload ${up ? `${up.mediaKbps.toFixed(1)} kbit/s media, ${up.transportKbps.toFixed(1)} kbit/s in all` : 'unreadable'}${live?.upload ? ` (live: ${live.upload.mediaKbps.toFixed(0)} kbit/s media)` : ''}.`,
    );
  }
  const a = results.cpu?.ours?.sender;
  const b = results.cpu?.peerjs?.sender;
  if (a && b && (a.width !== b.width || Math.abs(a.fps - b.fps) > 2)) {
    n.push(`Camera CPU: the two cameras did not send the same picture (pawcam ${a.width}x${a.height}@${a.fps}, PeerJS ${b.width}x${b.height}@${b.fps}${b.limitation && b.limitation !== 'none' ? `, ${b.limitation}-limited` : ''}), so the encoders did different work.`);
  }
  const cap = results.capacity?.summary;
  if (cap) {
    n.push(
      `Capacity: our server ran with its abuse limits raised so the relay itself is measured: ${cap.ours.config}. The defaults (50 messages/s per socket, 200 sockets and 100 new IDs per address) are a deliberate defence and would refuse a load generator on one address.`,
    );
    if (cap.ours.fileLimit !== null && cap.ours.fileLimit < SETTINGS.fileLimit) {
      n.push(`Capacity: the server's open-file limit could not be raised to ${SETTINGS.fileLimit} here (no CAP_SYS_RESOURCE); it ran with the hard limit ${cap.ours.fileLimit}.`);
    }
    for (const kind of ['ours', 'stock'] as const) {
      if (cap[kind].firstFailure?.includes('concurrent user limit')) {
        n.push(`Capacity: ${kind === 'ours' ? 'our server' : 'the stock server'} refused clients past ${cap[kind].held.toLocaleString('en-US')}: PeerServer's concurrent_limit (default 5000)${kind === 'ours' ? ', which startServer does not raise' : ''}.`);
      }
    }
  }
}

async function main(): Promise<void> {
  // Progress and server warnings go to stderr; stdout is for the report.
  configureLogging({
    level: 'info',
    sink: (r: LogRecord) => {
      if (!r.name.startsWith('bench') && r.level !== 'warn' && r.level !== 'error') return;
      process.stderr.write(`[${r.name}] ${r.msg}${r.fields ? ` ${JSON.stringify(r.fields)}` : ''}\n`);
    },
  });
  const watchdog = setTimeout(() => {
    log.error('watchdog: the run took too long; writing what there is');
    results.notes.push(`The run was stopped by its ${WATCHDOG_S} s watchdog; parts still running are missing.`);
    void finish().then(() => process.exit(0));
  }, WATCHDOG_S * 1000);
  watchdog.unref();

  await part('weight', weightPart);

  const withBrowsers: PartName[] = ['ttff', 'latency', 'cpu', 'standby'];
  const needBrowsers = withBrowsers.some((p) => !only || only.includes(p));
  let server: TestServer | null = null;
  let baseline: BaselineServer | null = null;
  if (needBrowsers) {
    try {
      server = await startTestServer();
      baseline = await startBaselineServer();
    } catch (error) {
      for (const p of withBrowsers) {
        results.parts[p] = { status: 'failed', reason: `servers did not start: ${message(error)}`, seconds: 0 };
      }
    }
  }
  if (server && baseline) {
    const s = server;
    const b = baseline;
    const viewerBrowser = await browserParts(s, b).catch((error: unknown) => {
      for (const name of ['ttff', 'latency'] as const) {
        results.parts[name] ??= { status: 'failed', reason: `browser did not start: ${message(error)}`, seconds: 0 };
      }
      return null;
    });
    try {
      await part('cpu', (d) => cpuPart(s, b, viewerBrowser, d));
    } finally {
      await viewerBrowser?.close().catch(() => undefined);
    }
    await part('standby', (d) => standbyPart(s, d));
  }
  await server?.dispose().catch(() => undefined);
  await baseline?.close().catch(() => undefined);

  await part('capacity', capacityPart);
  for (const name of ['weight', 'ttff', 'latency', 'cpu', 'standby', 'capacity'] as const) results.parts[name] ??= { status: 'skipped', reason: 'not in --only', seconds: 0 };
  clearTimeout(watchdog);
  await finish();
}

let finished = false;
async function finish(): Promise<void> {
  if (finished) return;
  finished = true;
  results.durationSeconds = (Date.now() - started) / 1000;
  addNotes();
  const figures = figuresOf(results, SETTINGS.capacityTarget, SETTINGS.standbyCameras);
  results.ratios = ratiosOf(figures);
  results.budgets = checkBudgets(figures);
  await writeFile(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderReport(results)}\n\n`);
  process.stdout.write(`JSON (bench/results.json has every sample):\n${JSON.stringify(summaryJson(results), null, 2)}\n`);
}

const DETAIL_KEYS = new Set(['samples', 'decoded', 'shown', 'marks', 'files', 'rounds']);

/** The results without the raw samples, for stdout. */
function summaryJson(r: BenchResults): unknown {
  return JSON.parse(
    JSON.stringify(r, (key, value: unknown) => {
      return DETAIL_KEYS.has(key) ? undefined : value;
    }),
  );
}

main().then(
  // PeerServer's timers never stop: leave explicitly.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
