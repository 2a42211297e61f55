/**
 * Real Firefox ESR for end-to-end tests: Debian's build driven by puppeteer-core over WebDriver BiDi, with fake
 * media devices, loopback-only ICE and every background service that would reach the network switched off. Page
 * helpers mirror apps.ts (same data-testid hooks) for puppeteer's API.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { BrowserContext as PlaywrightContext, Page as PlaywrightPage } from 'playwright-core';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { cameraItem, invitationLink, openCamera } from './apps.ts';
import { INBOUND_STATS_SCRIPT, TRACK_PEER_CONNECTIONS, waitFor, type MediaStats } from './browser.ts';
import { enrollmentLinkFor, ownerLinkFor } from './server.ts';

/** Debian's Firefox ESR; never a downloaded one. */
export const FIREFOX_PATH = process.env['PAWCAM_FIREFOX'] ?? '/usr/bin/firefox-esr';

/**
 * Preferences on top of puppeteer's test profile (which already silences updates, safebrowsing, telemetry
 * uploads and the first-run pages).
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  // Fake camera (a moving test picture) and microphone (a tone), granted without a prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  // Plain IP host candidates on loopback (no mDNS names): the network namespace has nothing but 127.0.0.1.
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // The viewer starts playback with sound without a click, as the Chromium tests' autoplay flag does.
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Nothing in the background may try the network (it would only fail inside the namespace, slowly and noisily).
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.google.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.safebrowsing.update.enabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.topsites.contile.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': '',
  'extensions.update.enabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.trr.mode': 5,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'media.gmp-manager.url': '',
};

/** Launch headless Firefox ESR; fails with what to install when it is missing. */
export async function launchFirefox(): Promise<Browser> {
  try {
    await access(FIREFOX_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Firefox ESR is not installed at ${FIREFOX_PATH}: install Debian's firefox-esr package (.ci/run does) ` +
        'or point PAWCAM_FIREFOX at a Firefox binary.',
    );
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocol: 'webDriverBiDi',
    acceptInsecureCerts: true,
    extraPrefsFirefox: FIREFOX_PREFS,
    timeout: 30_000,
    protocolTimeout: 30_000,
    // The tests close the browser in afterAll; puppeteer's own signal handlers would only race with vitest's.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
}

/** A fresh browser context (its own storage: another device). */
export async function newFirefoxDevice(browser: Browser): Promise<BrowserContext> {
  return browser.createBrowserContext();
}

/** A new page in `context` that tracks its peer connections from before the page's own scripts run. */
export async function newTrackedPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.setViewport({ width: 1100, height: 760 });
  await page.evaluateOnNewDocument(TRACK_PEER_CONNECTIONS);
  return page;
}

/** Sum inbound media over the page's open peer connections (Firefox's getStats, same shape as inboundStats). */
export async function inboundStatsFirefox(page: Page): Promise<MediaStats> {
  return page.evaluate(INBOUND_STATS_SCRIPT) as Promise<MediaStats>;
}

/**
 * The phone, in Firefox: open the camera page (at `url`: the server's root, or a pairing link as the phone's camera
 * app would open it), start the camera, wait until it is registered; returns its ID.
 */
export async function openFirefoxCamera(context: BrowserContext, url: string): Promise<{ page: Page; cameraId: string }> {
  const page = await newTrackedPage(context);
  // A closed server: without a pairing link the phone opens an enrollment link from the owner (see apps.ts).
  const enrollLink = url.includes('#') ? null : await enrollmentLinkFor(url);
  await page.goto(url.includes('#') ? url : (enrollLink ?? `${url.replace(/\/+$/, '')}/`), { waitUntil: 'load', timeout: 20_000 });
  await page.locator('[data-testid=start-camera]').setTimeout(10_000).click();
  await page.waitForSelector('[data-testid=server-state][data-state=open]', { timeout: 20_000 });
  const cameraId = await textOf(page, '[data-testid=camera-id]');
  if (!/^cam-[0-9a-f]{32}$/.test(cameraId)) throw new Error(`camera page shows no camera ID: ${JSON.stringify(cameraId)}`);
  return { page, cameraId };
}

/** The number of viewers the camera page (in Firefox) says are watching. */
export async function firefoxLiveViewers(camera: Page): Promise<number> {
  return Number(await camera.$eval('[data-testid=live]', (el) => el.getAttribute('data-viewers')));
}

/** The web viewer at /viewer/, in Firefox. */
export async function openFirefoxViewer(context: BrowserContext, serverUrl: string): Promise<Page> {
  const page = await newTrackedPage(context);
  await page.goto(ownerLinkFor(serverUrl) ?? `${serverUrl}/viewer/`, { waitUntil: 'load', timeout: 20_000 });
  return page;
}

/** In the Firefox viewer: Add camera → the pairing link the QR code shows (as apps.ts's invitationLink). */
export async function firefoxInvitationLink(viewer: Page): Promise<string> {
  await viewer.locator('[data-testid=add-camera]').setTimeout(10_000).click();
  await viewer.waitForSelector('[data-testid=pair-link]', { timeout: 10_000 });
  await viewer.waitForSelector('[data-testid=pair-qr]', { timeout: 10_000 });
  return waitFor(
    async () => (await viewer.$eval('[data-testid=pair-link]', (el) => ('value' in el ? (el as HTMLInputElement).value : el.textContent) ?? '')).trim(),
    (text) => text.includes('#pair='),
    { what: 'the pairing link in Firefox' },
  );
}

/** Wait until the page (camera or viewer, in Firefox) says it is paired. */
export async function expectFirefoxPaired(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=pair-status][data-state=paired]', { timeout: 20_000 });
}

/**
 * Camera page in Firefox, viewer in Chromium: pair them the way a user does (Add camera in the viewer, the phone
 * opens the QR link and taps Start camera). One of the two steps to swap if the way viewers meet cameras changes.
 */
export async function pairFirefoxCameraWithViewer(viewer: PlaywrightPage, phone: BrowserContext): Promise<{ page: Page; cameraId: string }> {
  const link = await invitationLink(viewer);
  const camera = await openFirefoxCamera(phone, link);
  await expectFirefoxPaired(camera.page);
  await viewer.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
  // Done closes the Add camera dialog (it covers the list), as a user would, if the viewer left it open.
  const done = viewer.getByTestId('pair-finish');
  if (await done.isVisible()) await done.click();
  await cameraItem(viewer, camera.cameraId).waitFor({ timeout: 5_000 });
  return camera;
}

/**
 * Viewer in Firefox, camera page in Chromium: the same pairing, the other way round. The other step to swap if the
 * way viewers meet cameras changes.
 */
export async function pairCameraWithFirefoxViewer(
  viewer: Page,
  phone: PlaywrightContext,
): Promise<{ page: PlaywrightPage; cameraId: string }> {
  const link = await firefoxInvitationLink(viewer);
  const camera = await openCamera(phone, link);
  await camera.page.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
  await expectFirefoxPaired(viewer);
  const done = await viewer.$('[data-testid=pair-finish]');
  if (done && (await done.isVisible())) await done.click();
  await viewer.waitForSelector(`[data-testid=camera-item][data-camera-id="${camera.cameraId}"]`, { timeout: 5_000 });
  return camera;
}

/** Wait until the Firefox viewer shows the camera in `state`. */
export async function waitForFirefoxCameraState(viewer: Page, cameraId: string, state: string, timeoutMs = 15_000): Promise<void> {
  await viewer.waitForSelector(`[data-testid=camera-item][data-camera-id="${cameraId}"][data-state=${state}]`, { timeout: timeoutMs });
}

/** Click Watch on the camera's row in the Firefox viewer. */
export async function watchInFirefox(viewer: Page, cameraId: string): Promise<void> {
  // As playwright's click does: wait until the button is enabled (puppeteer would click a disabled one silently).
  const button = `[data-testid=camera-item][data-camera-id="${cameraId}"] [data-testid=watch]:not([disabled])`;
  await viewer.waitForSelector(button, { visible: true, timeout: 10_000 });
  await viewer.locator(button).setTimeout(10_000).click();
}

/** Wait until video frames decode in the Firefox page and keep growing; returns the stats seen. */
export async function expectFramesFlowingFirefox(viewer: Page, minGrowth = 10): Promise<MediaStats> {
  const first = await waitFor(() => inboundStatsFirefox(viewer), (s) => s.framesDecoded > 0, { what: 'first decoded frame in Firefox' });
  return waitFor(() => inboundStatsFirefox(viewer), (s) => s.framesDecoded >= first.framesDecoded + minGrowth, {
    what: `${minGrowth} more decoded frames in Firefox`,
  });
}

/** The Firefox viewer's live video element's playback position (it advances while frames play). */
export async function firefoxVideoTime(viewer: Page): Promise<number> {
  return viewer.$eval('video[data-testid=live-video]', (v) => (v as HTMLVideoElement).currentTime);
}

/** The text of the first element matching `selector`, trimmed. */
async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.$eval(selector, (el) => el.textContent ?? '')).trim();
}
