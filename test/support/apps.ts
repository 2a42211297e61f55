/** Page objects for the two apps, driven the way a person would: through buttons and what the page shows. */
import type { BrowserContext, Page } from 'playwright-core';
import { inboundStats, waitFor, type MediaStats } from './browser.ts';
import { enrollmentLinkFor, ownerLinkFor } from './server.ts';

/**
 * The phone: open the camera page (at `url`: the server's root, or a pairing link as the phone's camera app would
 * open it), start the camera, wait until it is registered; returns its ID.
 */
export async function openCamera(context: BrowserContext, url: string): Promise<{ page: Page; cameraId: string }> {
  const page = await context.newPage();
  // The server is closed: a phone gets in with a pairing link, or (no pairing yet) with an enrollment link from its
  // owner, as `npm run server -- enroll` prints one.
  const enrollLink = url.includes('#') ? null : await enrollmentLinkFor(url);
  await page.goto(url.includes('#') ? url : (enrollLink ?? `${url.replace(/\/+$/, '')}/`));
  // A page this browser already allowed the camera starts by itself (as after a reload at home); a new one waits for
  // the tap a person gives it.
  // While it starts by itself the button reads "Starting…" (disabled), then gives way to Stop camera.
  const start = page.locator('[data-testid=start-camera]:not([disabled])');
  const running = page.getByTestId('stop-camera');
  await start.or(running).first().waitFor({ timeout: 30_000 });
  if (!(await running.isVisible())) await start.click();
  await page.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 20_000 });
  const cameraId = (await page.getByTestId('camera-id').textContent())?.trim() ?? '';
  if (!/^cam-[0-9a-f]{32}$/.test(cameraId)) throw new Error(`camera page shows no camera ID: ${JSON.stringify(cameraId)}`);
  return { page, cameraId };
}

/** The number of viewers the camera page says are watching. */
export async function liveViewers(camera: Page): Promise<number> {
  return Number(await camera.getByTestId('live').getAttribute('data-viewers'));
}

/** The web viewer at /viewer/, opened with the owner link the server printed (once per browser is enough). */
export async function openViewer(context: BrowserContext, serverUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(ownerLinkFor(serverUrl) ?? `${serverUrl}/viewer/`);
  return page;
}

/** In the viewer: Add camera → the pairing link the QR code shows. */
export async function invitationLink(viewer: Page): Promise<string> {
  await viewer.getByTestId('add-camera').click();
  const field = viewer.getByTestId('pair-link');
  await field.waitFor({ timeout: 10_000 });
  await viewer.getByTestId('pair-qr').waitFor({ timeout: 10_000 });
  const link = await waitFor(
    async () => ((await field.evaluate((el) => ('value' in el ? (el as HTMLInputElement).value : el.textContent))) ?? '').trim(),
    (text) => text.includes('#pair='),
    { what: 'the pairing link' },
  );
  return link;
}

/** Wait until the viewer and the camera page both say they are paired. */
export async function expectPaired(viewer: Page, camera: Page): Promise<void> {
  await camera.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
  await viewer.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
  // The user closes the pairing panel with Done, as they would.
  const done = viewer.getByTestId('pair-finish');
  if (await done.isVisible()) await done.click();
}

/**
 * Pair a new phone with the viewer the way a user does: Add camera in the viewer, the phone opens the QR link and
 * taps Start camera. Returns the camera page and its ID; the camera is then in the viewer's list.
 */
export async function pairNewCamera(viewer: Page, phone: BrowserContext): Promise<{ page: Page; cameraId: string }> {
  const link = await invitationLink(viewer);
  const camera = await openCamera(phone, link);
  await expectPaired(viewer, camera.page);
  await cameraItem(viewer, camera.cameraId).waitFor({ timeout: 5_000 });
  return camera;
}

/**
 * Pair an already running camera page with the viewer (the phone opens a new link while streaming); the person at
 * the phone says yes on screen, as the page asks.
 */
export async function pairRunningCamera(viewer: Page, camera: Page, cameraId: string): Promise<void> {
  const link = await invitationLink(viewer);
  await camera.evaluate((hash) => {
    location.hash = hash;
  }, new URL(link).hash);
  await camera.getByTestId('pair-confirm-accept').click({ timeout: 10_000 });
  await expectPaired(viewer, camera);
  await cameraItem(viewer, cameraId).waitFor({ timeout: 5_000 });
}

/** Rename a camera in the viewer's list. */
export async function renameCamera(viewer: Page, cameraId: string, name: string): Promise<void> {
  const field = cameraItem(viewer, cameraId).getByTestId('camera-name');
  await field.fill(name);
  await field.press('Enter');
}

/** The camera's row in the viewer's list. */
export function cameraItem(viewer: Page, cameraId: string) {
  return viewer.locator(`[data-testid=camera-item][data-camera-id="${cameraId}"]`);
}

/** Wait until the viewer shows the camera in `state` (on timeout, the error says which state it showed). */
export async function waitForCameraState(viewer: Page, cameraId: string, state: string, timeoutMs = 15_000): Promise<void> {
  const item = cameraItem(viewer, cameraId);
  await waitFor(() => item.getAttribute('data-state', { timeout: 2_000 }).catch(() => null), (s) => s === state, {
    timeoutMs,
    what: `camera ${cameraId} to show ${state}`,
  });
}

/** Click Watch on the camera's row. */
export async function watch(viewer: Page, cameraId: string): Promise<void> {
  await cameraItem(viewer, cameraId).getByTestId('watch').click();
}

/** Wait until video frames are decoding and keep growing; returns the stats seen. */
export async function expectFramesFlowing(viewer: Page, minGrowth = 10): Promise<MediaStats> {
  const first = await waitFor(() => inboundStats(viewer), (s) => s.framesDecoded > 0, { what: 'first decoded frame' });
  return waitFor(() => inboundStats(viewer), (s) => s.framesDecoded >= first.framesDecoded + minGrowth, {
    what: `${minGrowth} more decoded frames`,
  });
}

/** The live video element's playback position (it advances while frames play). */
export async function videoTime(viewer: Page): Promise<number> {
  return viewer.getByTestId('live-video').evaluate((v) => (v as HTMLVideoElement).currentTime);
}
