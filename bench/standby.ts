/**
 * What standby links cost the viewer: one web viewer page holding a standby link (the list's live thumbnail) to each
 * of several camera pages, against the same viewer with no camera. The cameras run in one Chromium and paint a small,
 * slow picture (their cost is not measured here); the viewer has a Chromium to itself, so that browser's processes
 * are the viewer alone. Memory is each process's private memory (Linux smaps_rollup Private_Clean + Private_Dirty;
 * RSS where that is unreadable) as CDP `SystemInfo.getProcessInfo` lists them, plus the page's JS heap.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../protocol/log.ts';
import * as apps from '../test/support/apps.ts';
import { launchChromium } from '../test/support/browser.ts';
import type { SourceFormat } from './page-probe.ts';
import { parsePrivateKiB, parseVmRssKiB } from './proc.ts';
import { median } from './stats.ts';
import { probedContext, standbyShowing, type CameraHandle } from './subjects.ts';
import { message, sleep, within, type Deadline } from './util.ts';

const log = createLogger('bench-standby');

/** The cameras' picture: small and slow, so eight camera pages fit on two cores beside the viewer. */
export const STANDBY_CAMERA_SOURCE: SourceFormat = { width: 320, height: 180, fps: 5 };

/** One reading of the viewer browser's memory, bytes. */
export interface ViewerMemory {
  /** The viewer browser's renderer processes (the page, its WebRTC and its decoders). */
  rendererBytes: number;
  /** Every process of the viewer browser. */
  browserBytes: number;
  /** How many renderer processes that is (Chromium may keep a spare one). */
  renderers: number;
  /** The page's JS heap in use (CDP Performance.getMetrics), null when unreadable. */
  jsHeapUsedBytes: number | null;
  /**
   * How the processes were measured: private memory (pages no other process maps; PSS would move with the other
   * browsers running on a shared machine), or resident set size where smaps_rollup was unreadable.
   */
  measure: 'private' | 'rss';
}

/** The standby-memory figures. */
export interface StandbyMemory {
  /** Cameras asked for, and how many had their standby link up with the thumbnail showing when measured. */
  cameras: number;
  linked: number;
  /** The viewer with its list empty, and with `linked` standby links (medians of a few readings). */
  empty: ViewerMemory | null;
  loaded: ViewerMemory | null;
  /** (loaded − empty) renderer bytes per linked camera. */
  perCameraBytes: number | null;
  cameraSource: SourceFormat;
  /** Why fewer cameras were linked than asked, or a reading is missing. */
  problems: string[];
}

/** Options of measureStandbyMemory. */
export interface StandbyMemoryOptions {
  cameras: number;
  deadline: Deadline;
  /** Wait after the last link is up before reading (links settle, thumbnails arrive). */
  settleMs: number;
  /** Readings per state (their median is kept). */
  readings: number;
}

/** Camera pages started at once. */
const START_TOGETHER = 2;
/** Time a camera page may take to start (so the part stops before its budget). */
const CAMERA_START_MS = 35_000;
/** Time one camera's pairing may take (so the part stops before its budget), and what it typically takes (1–4 s). */
const PAIRING_RESERVE_MS = 20_000;
const PAIRING_TYPICAL_MS = 6000;
/** Time for the final readings after the cameras are set up. */
const READING_RESERVE_MS = 12_000;
/** Time the fresh viewer page's standby links may take to show every thumbnail (3–6 s seen under load). */
const LINKS_UP_MS = 20_000;
const LINKS_MIN_MS = 15_000;

/** Measure the viewer's memory with `cameras` standby links, within the deadline. */
export async function measureStandbyMemory(serverUrl: string, options: StandbyMemoryOptions): Promise<StandbyMemory> {
  const result: StandbyMemory = {
    cameras: options.cameras,
    linked: 0,
    empty: null,
    loaded: null,
    perCameraBytes: null,
    cameraSource: STANDBY_CAMERA_SOURCE,
    problems: [],
  };
  const launched: Browser[] = [];
  try {
    const viewerBrowser = await launchChromium();
    launched.push(viewerBrowser);
    const cameraBrowser = await launchChromium();
    launched.push(cameraBrowser);
    // Hidden until a press: a viewer loaded visible opens on a camera by itself, which would be a watch, not standby.
    // Both readings are of a freshly loaded viewer page, so the difference is the cameras' links and list rows.
    const viewerContext = await probedContext(viewerBrowser, null, null, true);
    const empty = await apps.openViewer(viewerContext, serverUrl);
    await empty.locator('[data-testid=server-state][data-state=open]').waitFor({ state: 'attached', timeout: 20_000 });
    await sleep(options.settleMs);
    result.empty = await readings(viewerBrowser, empty, options.readings);
    await empty.close();

    // The phones start two at a time (their page loads overlap) and the viewer pairs each batch one by one, as Add
    // camera allows; a run cut short by its budget has paired every camera it started. One at a time took 10–20 s a
    // camera on a loaded 2-core machine; all eight at once timed out.
    const tail = READING_RESERVE_MS + LINKS_UP_MS + options.settleMs;
    const first = await apps.openViewer(viewerContext, serverUrl);
    const cameras: CameraHandle[] = [];
    for (let i = 0; i < options.cameras; i += START_TOGETHER) {
      const size = Math.min(START_TOGETHER, options.cameras - i);
      if (!options.deadline.has(CAMERA_START_MS + PAIRING_TYPICAL_MS * size + tail)) {
        result.problems.push(`time budget spent after pairing ${cameras.length} of ${options.cameras} cameras`);
        break;
      }
      const t0 = Date.now();
      const batch = await Promise.allSettled(
        Array.from({ length: size }, async (_, k) => {
          const cameraContext = await probedContext(cameraBrowser, STANDBY_CAMERA_SOURCE, null);
          return within(apps.openCamera(cameraContext, serverUrl), CAMERA_START_MS, `starting camera ${i + k + 1}`);
        }),
      );
      for (const [k, started] of batch.entries()) {
        if (started.status === 'rejected') {
          result.problems.push(`camera ${i + k + 1} did not start: ${message(started.reason)}`);
          continue;
        }
        const pairMs = Math.min(PAIRING_RESERVE_MS, options.deadline.left() - tail);
        if (pairMs < PAIRING_TYPICAL_MS) {
          result.problems.push(`time budget spent before pairing camera ${i + k + 1}`);
          continue;
        }
        try {
          await within(apps.pairRunningCamera(first, started.value.page, started.value.cameraId), pairMs, `pairing camera ${i + k + 1}`);
          cameras.push(started.value);
        } catch (error) {
          result.problems.push(`camera ${i + k + 1} could not be paired: ${message(error)}`);
        }
      }
      log.info('cameras started and paired', { paired: cameras.length, seconds: (Date.now() - t0) / 1000 });
    }
    // A fresh viewer page on the paired list, as the app starts: one standby link per online camera, all dialled at
    // once, so they are awaited together.
    await first.close();
    const viewer = await apps.openViewer(viewerContext, serverUrl);
    // At least LINKS_MIN_MS even past the part's budget (the run's watchdog still bounds it): cameras paired and then
    // not given the time to link would leave no figure at all.
    const waitMs = Math.max(LINKS_MIN_MS, Math.min(LINKS_UP_MS, options.deadline.left() - READING_RESERVE_MS - options.settleMs));
    const t2 = Date.now();
    const up = await Promise.allSettled(cameras.map((camera) => standbyShowing(viewer, camera, 1, waitMs)));
    up.forEach((u, i) => {
      if (u.status === 'fulfilled') result.linked++;
      else result.problems.push(`camera ${i + 1}: no standby thumbnail within ${Math.round(waitMs / 1000)} s: ${message(u.reason)}`);
    });
    log.info('standby links up', { linked: result.linked, of: cameras.length, seconds: (Date.now() - t2) / 1000 });
    await sleep(options.settleMs);
    result.loaded = await readings(viewerBrowser, viewer, options.readings);
    if (result.linked > 0 && result.empty && result.loaded) {
      result.perCameraBytes = Math.round((result.loaded.rendererBytes - result.empty.rendererBytes) / result.linked);
    }
    log.info('viewer memory with standby links', { linked: result.linked, perCameraBytes: result.perCameraBytes });
    return result;
  } finally {
    await Promise.all(launched.map((b) => b.close().catch(() => undefined)));
  }
}

/** The median of `n` readings one second apart. */
async function readings(browser: Browser, page: Page, n: number): Promise<ViewerMemory> {
  const taken: ViewerMemory[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(1000);
    taken.push(await viewerMemory(browser, page));
  }
  const mid = (pick: (m: ViewerMemory) => number | null): number | null => median(taken.map(pick).filter((v): v is number => v !== null));
  return {
    rendererBytes: mid((m) => m.rendererBytes) ?? 0,
    browserBytes: mid((m) => m.browserBytes) ?? 0,
    renderers: Math.max(...taken.map((m) => m.renderers)),
    jsHeapUsedBytes: mid((m) => m.jsHeapUsedBytes),
    measure: taken.every((m) => m.measure === 'private') ? 'private' : 'rss',
  };
}

/** The browser's processes' memory and the page's JS heap, now. */
async function viewerMemory(browser: Browser, page: Page): Promise<ViewerMemory> {
  const session = await browser.newBrowserCDPSession();
  let processes: { type: string; id: number }[];
  try {
    processes = ((await session.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] }).processInfo;
  } finally {
    await session.detach().catch(() => undefined);
  }
  let renderer = 0;
  let renderers = 0;
  let total = 0;
  let measure: ViewerMemory['measure'] = 'private';
  // The browser process itself is not in getProcessInfo's list.
  const browserPid = (browser as unknown as { process?: () => { pid?: number } | null }).process?.()?.pid;
  const all = [...processes, ...(browserPid ? [{ type: 'browser', id: browserPid }] : [])];
  for (const p of all) {
    const kib = await processKiB(p.id);
    if (!kib) continue;
    if (kib.measure === 'rss') measure = 'rss';
    total += kib.value * 1024;
    if (p.type === 'renderer') {
      renderer += kib.value * 1024;
      renderers++;
    }
  }
  return { rendererBytes: renderer, browserBytes: total, renderers, jsHeapUsedBytes: await jsHeapUsed(page), measure };
}

async function processKiB(pid: number): Promise<{ value: number; measure: 'private' | 'rss' } | null> {
  const own = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').then(parsePrivateKiB, () => null);
  if (own !== null) return { value: own, measure: 'private' };
  const rss = await readFile(`/proc/${pid}/status`, 'utf8').then(parseVmRssKiB, () => null);
  return rss === null ? null : { value: rss, measure: 'rss' };
}

async function jsHeapUsed(page: Page): Promise<number | null> {
  try {
    const cdp = await page.context().newCDPSession(page);
    try {
      await cdp.send('Performance.enable');
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? null;
    } finally {
      await cdp.detach().catch(() => undefined);
    }
  } catch {
    return null;
  }
}
