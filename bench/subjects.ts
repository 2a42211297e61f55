/**
 * The three things the bench times, behind one interface: pawcam itself (the real camera page and web viewer through
 * the real server, driven like a user with test/support/apps.ts), the PeerJS baseline (bench/baseline/ through a
 * stock PeerServer), and the raw RTCPeerConnection loopback (one page, no server).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomHex } from '../protocol/ids.ts';
import * as apps from '../test/support/apps.ts';
import { newDeviceContext } from '../test/support/browser.ts';
import type { BaselineServer } from './baseline-server.ts';
import { probeScript, type G2gProbe, type ProbeConfig, type SourceFormat, type TtffProbe } from './page-probe.ts';
import { THUMBNAIL_WIDTH } from '../camera-web/src/media/thumbnail-feed.ts';
import { Skip, message, within } from './util.ts';
import { DEFAULT_DETECTION_SETTINGS, encodeEventMessage } from '../protocol/event-messages.ts';
import { DETECTION_SETTINGS_KEY } from '../camera-web/src/events/camera-events.ts';

/** Which subject. */
export type SubjectKind = 'ours' | 'peerjs' | 'raw';

/** Display names. */
export const SUBJECT_LABELS: Record<SubjectKind, string> = { ours: 'pawcam', peerjs: 'PeerJS baseline', raw: 'raw loopback' };

/** A camera and a viewer device of one subject, set up and ready to watch. */
export interface Subject {
  readonly kind: SubjectKind;
  /** The viewer's Watch and Stop buttons and its live video. */
  readonly selectors: { watch: string; stop: string; video: string };
  /**
   * A warm watch raises a standby link that is already up (its thumbnail showing) rather than dialling: pawcam's
   * viewer keeps one per online camera. The baselines have none.
   */
  readonly warmOnStandby: boolean;
  /** A freshly loaded viewer page (the app just opened); returns once navigation has begun, not when it is ready. */
  freshViewer(): Promise<Page>;
  /**
   * The long-lived viewer page, ready for a warm watch (signaling registered and the camera known to be online; with
   * `warmOnStandby`, its standby link up and the thumbnail showing).
   */
  warmViewer(): Promise<Page>;
  /** Wait until the camera has no live viewer left (a finished watch is really gone). */
  idle(): Promise<void>;
  /** Change the camera's timecode picture. */
  setSource(format: SourceFormat): Promise<void>;
  /** The page that encodes and sends the video (the camera page; for the loopback, its one page). */
  senderPage(): Page | null;
  close(): Promise<void>;
}

/** A camera page as apps.ts opens it. */
export interface CameraHandle {
  page: Page;
  cameraId: string;
}

const VIEWER_READY_MS = 15_000;

/**
 * Make the viewer able to watch the camera: the one step that changes with pairing. Uses whatever
 * test/support/apps.ts offers (looked up at run time, so a renamed helper gives a skip with its reason, not a crash):
 * pairing the running camera through the viewer's Add camera link, or before pairing existed, adding it by ID.
 */
export async function connectViewer(viewer: Page, camera: CameraHandle): Promise<void> {
  const helpers = apps as unknown as Record<string, unknown>;
  const pair = helpers['pairRunningCamera'];
  const add = helpers['addCamera'];
  if (typeof pair === 'function') {
    await (pair as (viewer: Page, camera: Page, cameraId: string) => Promise<void>)(viewer, camera.page, camera.cameraId);
  } else if (typeof add === 'function') {
    await (add as (viewer: Page, cameraId: string, name: string) => Promise<void>)(viewer, camera.cameraId, 'Bench camera');
  } else {
    throw new Skip('test/support/apps.ts has neither pairRunningCamera nor addCamera: point connectViewer (bench/subjects.ts) at its pairing helper');
  }
  try {
    await apps.waitForCameraState(viewer, camera.cameraId, 'online', 12_000);
  } catch {
    throw new Skip('the viewer never saw the camera online after connectViewer (bench/subjects.ts): is the viewer paired with it?');
  }
}

/** Where a subject's two devices run: one browser for both (shared clock), or one each (per-browser CPU). */
export interface Browsers {
  camera: Browser;
  viewer: Browser;
}

/** A device whose pages carry the bench probe. */
export async function probedContext(
  browser: Browser,
  source: SourceFormat | null,
  startOn: string | null,
  hiddenUntilPress = false,
  fullSize?: ProbeConfig['fullSize'],
): Promise<BrowserContext> {
  const context = await newDeviceContext(browser);
  await context.addInitScript(probeScript({ source, startOn, hiddenUntilPress, ...(fullSize ? { fullSize } : {}) }));
  return context;
}

/** How long a standby link may take to show its first thumbnail once the camera is online. */
const STANDBY_READY_MS = 20_000;

/**
 * Wait until the viewer's list shows `cameraId`'s live thumbnail (its standby link is up and a frame has come) and
 * the camera page counts `links` standby links; bounded.
 */
export async function standbyShowing(viewer: Page, camera: CameraHandle, links = 1, timeoutMs = STANDBY_READY_MS): Promise<void> {
  const thumbnail = apps.cameraItem(viewer, camera.cameraId).locator('[data-testid=camera-thumbnail] video');
  // Source text, not a function: tsx would wrap a function's text in helpers the page does not have.
  const frameShown = `(el, ms) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const check = () => {
      if (el.videoWidth > 0) resolve(el.videoWidth);
      else if (performance.now() - t0 > ms) reject(new Error('no thumbnail frame within ' + ms + ' ms'));
      else setTimeout(check, 50);
    };
    check();
  })`;
  await within(thumbnail.evaluate(frameShown, timeoutMs, { timeout: timeoutMs }), timeoutMs + 2000, `the thumbnail of camera ${camera.cameraId}`);
  await camera.page.locator(`[data-testid=standby-links][data-count="${links}"]`).waitFor({ state: 'attached', timeout: timeoutMs });
}

/** An init script that keeps the default detection settings in the camera page's storage, as a desktop leaves them. */
function keptDetectionSettings(): string {
  return `try { localStorage.setItem(${JSON.stringify(DETECTION_SETTINGS_KEY)}, ${JSON.stringify(encodeEventMessage(DEFAULT_DETECTION_SETTINGS))}); } catch {}`;
}

/** Wait until the camera page says detection is on (its detectors and recorders running). */
export async function detectionOn(camera: Page, timeoutMs = 20_000): Promise<void> {
  await camera.locator('[data-testid=detection][data-state=on]').waitFor({ state: 'attached', timeout: timeoutMs });
}

async function closeAll(context: BrowserContext): Promise<void> {
  await Promise.all(context.pages().map((p) => p.close().catch(() => undefined)));
}

/** pawcam: the camera page and the web viewer through the real server. */
export async function openOurs(browsers: Browsers, serverUrl: string, format: SourceFormat | null, options: { detection?: boolean } = {}): Promise<Subject> {
  const selectors = { watch: '[data-testid=watch]', stop: '[data-testid=stop]', video: 'video[data-testid=live-video]' };
  const cameraContext = await probedContext(browsers.camera, format, null);
  // Detection runs once a desktop has sent its settings, ever; the page keeps them. The web viewer sends none, so the
  // bench keeps the defaults for the camera page as a desktop would have left them.
  if (options.detection) await cameraContext.addInitScript(keptDetectionSettings());
  // The viewer opens on its only camera by itself when it loads visible; the bench times the Watch click instead. The
  // clock stops at the first full-size frame: the standby link's thumbnail is on screen before the click.
  const viewerContext = await probedContext(browsers.viewer, null, selectors.watch, true, { selector: selectors.video, minWidth: THUMBNAIL_WIDTH });
  const close = async (): Promise<void> => {
    await viewerContext.close().catch(() => undefined);
    await cameraContext.close().catch(() => undefined);
  };
  try {
    const camera = await apps.openCamera(cameraContext, serverUrl);
    const first = await apps.openViewer(viewerContext, serverUrl);
    await connectViewer(first, camera);
    // The next viewer page starts as the app does after pairing (no pairing dialog over the list).
    await first.close();
    let warm: Page | null = null;
    const idle = (): Promise<void> =>
      camera.page.locator('[data-testid=live][data-viewers="0"]').waitFor({ state: 'attached', timeout: 10_000 });
    return {
      kind: 'ours',
      selectors,
      warmOnStandby: true,
      async freshViewer() {
        // One viewer per device: a second tab of the same viewer would be refused as "already open".
        await closeAll(viewerContext);
        warm = null;
        const page = await viewerContext.newPage();
        await page.goto(`${serverUrl}/viewer/`, { waitUntil: 'commit' });
        return page;
      },
      async warmViewer() {
        if (!warm || warm.isClosed()) {
          await closeAll(viewerContext);
          warm = await apps.openViewer(viewerContext, serverUrl);
        }
        await warm.locator('[data-testid=server-state][data-state=open]').waitFor({ state: 'attached', timeout: VIEWER_READY_MS });
        await apps.waitForCameraState(warm, camera.cameraId, 'online', VIEWER_READY_MS);
        await standbyShowing(warm, camera);
        return warm;
      },
      idle,
      async setSource(next) {
        await setPageSource(camera.page, next);
      },
      senderPage: () => camera.page,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The PeerJS baseline: bench/baseline/camera.html and viewer.html through a stock PeerServer. */
export async function openPeerjs(browsers: Browsers, server: BaselineServer, format: SourceFormat | null): Promise<Subject> {
  const selectors = { watch: '#watch', stop: '#stop', video: 'video#remote' };
  const cameraId = `cam-${randomHex(16)}`;
  const viewerUrl = `${server.url}/baseline/viewer.html?camera=${cameraId}`;
  const cameraContext = await probedContext(browsers.camera, format, null);
  const viewerContext = await probedContext(browsers.viewer, null, selectors.watch);
  const close = async (): Promise<void> => {
    await viewerContext.close().catch(() => undefined);
    await cameraContext.close().catch(() => undefined);
  };
  try {
    const cameraPage = await cameraContext.newPage();
    await cameraPage.goto(`${server.url}/baseline/camera.html?id=${cameraId}`);
    await cameraPage.locator('#start').click();
    await cameraPage.locator('#state[data-state=open]').waitFor({ state: 'attached', timeout: VIEWER_READY_MS });
    let warm: Page | null = null;
    return {
      kind: 'peerjs',
      selectors,
      warmOnStandby: false,
      async freshViewer() {
        await closeAll(viewerContext);
        warm = null;
        const page = await viewerContext.newPage();
        await page.goto(viewerUrl, { waitUntil: 'commit' });
        return page;
      },
      async warmViewer() {
        if (!warm || warm.isClosed()) {
          await closeAll(viewerContext);
          warm = await viewerContext.newPage();
          await warm.goto(viewerUrl);
        }
        await warm.locator('#state[data-state=open]').waitFor({ state: 'attached', timeout: VIEWER_READY_MS });
        return warm;
      },
      idle: () => cameraPage.locator('#live[data-live="0"]').waitFor({ state: 'attached', timeout: 10_000 }),
      async setSource(next) {
        await setPageSource(cameraPage, next);
      },
      senderPage: () => cameraPage,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The raw loopback: bench/baseline/loopback.html, camera source and both connections in one page. */
export async function openRaw(browser: Browser, server: BaselineServer, format: SourceFormat): Promise<Subject> {
  const selectors = { watch: '#watch', stop: '#stop', video: 'video#remote' };
  const url = `${server.url}/baseline/loopback.html`;
  const context = await probedContext(browser, format, selectors.watch);
  let warm: Page | null = null;
  return {
    kind: 'raw',
    selectors,
    warmOnStandby: false,
    async freshViewer() {
      await closeAll(context);
      warm = null;
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'commit' });
      return page;
    },
    async warmViewer() {
      if (!warm || warm.isClosed()) {
        await closeAll(context);
        warm = await context.newPage();
        await warm.goto(url);
      }
      return warm;
    },
    idle: async () => undefined,
    async setSource(next) {
      if (warm && !warm.isClosed()) await setPageSource(warm, next);
    },
    senderPage: () => (warm && !warm.isClosed() ? warm : null),
    close: () => context.close().catch(() => undefined),
  };
}

async function setPageSource(page: Page, format: SourceFormat): Promise<void> {
  const ok = await page.evaluate(`(() => { const s = window.__bench && window.__bench.source; if (!s) return false; s.set(${JSON.stringify(format)}); return true; })()`);
  if (ok !== true) throw new Error('the page has no timecode source');
}

/** The page's time-to-first-frame probe state. */
export async function ttffState(page: Page): Promise<TtffProbe | null> {
  return (await page.evaluate('window.__bench ? window.__bench.ttff.state : null')) as TtffProbe | null;
}

/** Click Watch (the probe's clock starts in the page) and wait for the first frame; bounded. */
export async function watchAndTime(subject: Subject, page: Page, timeoutMs = 16_000): Promise<TtffProbe> {
  await page.locator(subject.selectors.watch).click({ timeout: 15_000 });
  // One call that the page answers when the run is done: polling it over CDP every 50 ms cost both processes CPU.
  const state = (await within(page.evaluate(`window.__bench.ttff.wait(${timeoutMs})`), timeoutMs + 5000, `${SUBJECT_LABELS[subject.kind]}: first frame`)) as TtffProbe | null;
  if (!state || !state.done) throw new Error(`${SUBJECT_LABELS[subject.kind]}: first frame: not within ${Math.round(timeoutMs / 1000)} s (last: ${JSON.stringify(state)})`);
  if (state.error) throw new Error(`${SUBJECT_LABELS[subject.kind]}: ${state.error}`);
  return state;
}

/** Click Stop and wait until the camera has let go. */
export async function stopWatching(subject: Subject, page: Page): Promise<void> {
  await page.locator(subject.selectors.stop).click({ timeout: 5000 }).catch((error: unknown) => {
    throw new Error(`${SUBJECT_LABELS[subject.kind]}: stop: ${message(error)}`);
  });
  await subject.idle();
}

/** Read glass-to-glass latency from the viewer page's live video for `durationMs`. */
export async function readGlassToGlass(subject: Subject, page: Page, durationMs: number): Promise<G2gProbe> {
  return (await page.evaluate(`window.__bench.g2g(${JSON.stringify(subject.selectors.video)}, ${durationMs})`)) as G2gProbe;
}

/** What the sending side's encoder is doing, from its open connections' outbound video. */
export interface SenderVideo {
  width: number;
  height: number;
  fps: number;
  /** Why the encoder sends less than asked: 'none', 'cpu', 'bandwidth' or 'other'. */
  limitation: string;
  encoder: string;
}

/** The outbound video of a page's open peer connections (from the RTCPeerConnection tracker). */
export async function senderVideo(page: Page): Promise<SenderVideo[]> {
  return (await page.evaluate(`(async () => {
    const out = [];
    for (const pc of (window.__pcs || [])) {
      if (pc.connectionState !== 'connected') continue;
      const report = await pc.getStats();
      report.forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video') {
          out.push({ width: r.frameWidth || 0, height: r.frameHeight || 0, fps: r.framesPerSecond || 0, limitation: r.qualityLimitationReason || '', encoder: r.encoderImplementation || '' });
        }
      });
    }
    return out;
  })()`)) as SenderVideo[];
}

/** Bytes a page has sent on its open peer connections: RTP media (outbound-rtp) and everything (transport). */
export interface SentBytes {
  media: number;
  transport: number;
  connections: number;
}

/** What `page`'s connected peer connections have sent so far (from the RTCPeerConnection tracker). */
export async function sentBytes(page: Page): Promise<SentBytes> {
  return (await page.evaluate(`(async () => {
    const out = { media: 0, transport: 0, connections: 0 };
    for (const pc of (window.__pcs || [])) {
      if (pc.connectionState !== 'connected') continue;
      out.connections++;
      const report = await pc.getStats();
      report.forEach((r) => {
        if (r.type === 'outbound-rtp') out.media += (r.bytesSent || 0) + (r.headerBytesSent || 0);
        if (r.type === 'transport') out.transport += r.bytesSent || 0;
      });
    }
    return out;
  })()`)) as SentBytes;
}
