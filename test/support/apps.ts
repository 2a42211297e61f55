/** Page objects for the two apps, driven the way a person would: through buttons and what the page shows. */
import type { BrowserContext, Page } from 'playwright-core';
import { inboundStats, waitFor, type MediaStats } from './browser.ts';

/** The phone: open the camera page, start the camera, wait until it is registered; returns its ID. */
export async function openCamera(context: BrowserContext, serverUrl: string): Promise<{ page: Page; cameraId: string }> {
  const page = await context.newPage();
  await page.goto(`${serverUrl}/`);
  await page.getByTestId('start-camera').click();
  await page.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 20_000 });
  const cameraId = (await page.getByTestId('camera-id').textContent())?.trim() ?? '';
  if (!/^cam-[0-9a-f]{32}$/.test(cameraId)) throw new Error(`camera page shows no camera ID: ${JSON.stringify(cameraId)}`);
  return { page, cameraId };
}

/** The number of viewers the camera page says are watching. */
export async function liveViewers(camera: Page): Promise<number> {
  return Number(await camera.getByTestId('live').getAttribute('data-viewers'));
}

/** The web viewer at /viewer/. */
export async function openViewer(context: BrowserContext, serverUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${serverUrl}/viewer/`);
  return page;
}

/** Add a camera by ID in the viewer. */
export async function addCamera(viewer: Page, cameraId: string, name: string): Promise<void> {
  await viewer.getByTestId('add-camera-id').fill(cameraId);
  await viewer.getByTestId('add-camera-name').fill(name);
  await viewer.getByTestId('add-camera').click();
  await cameraItem(viewer, cameraId).waitFor({ timeout: 5_000 });
}

/** The camera's row in the viewer's list. */
export function cameraItem(viewer: Page, cameraId: string) {
  return viewer.locator(`[data-testid=camera-item][data-camera-id="${cameraId}"]`);
}

/** Wait until the viewer shows the camera in `state`. */
export async function waitForCameraState(viewer: Page, cameraId: string, state: string, timeoutMs = 15_000): Promise<void> {
  await viewer.locator(`[data-testid=camera-item][data-camera-id="${cameraId}"][data-state=${state}]`).waitFor({ timeout: timeoutMs });
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
