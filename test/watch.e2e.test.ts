/**
 * Watching end to end: a camera page and web viewers in separate browser contexts (separate devices), through
 * the real server over HTTPS on loopback.
 */
import { describe, expect, it } from 'vitest';
import {
  cameraItem,
  expectFramesFlowing,
  liveViewers,
  openCamera,
  openViewer,
  pairNewCamera,
  pairRunningCamera,
  renameCamera,
  videoTime,
  waitForCameraState,
  watch,
} from './support/apps.ts';
import { inboundStats, launchChromium, newDeviceContext, waitFor } from './support/browser.ts';
import { startTestServer } from './support/server.ts';
import { serverAndChromium } from './support/suite.ts';

const suite = serverAndChromium();

describe('camera page → server → web viewer', () => {
  it('two viewers watch live video with sound; the viewer sees the camera go offline when its page closes', async () => {
    const cameraContext = await newDeviceContext(suite.browser);
    const viewerA = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    const { page: camera, cameraId } = await pairNewCamera(viewerA, cameraContext);
    await expect.poll(() => liveViewers(camera)).toBe(0);
    await waitForCameraState(viewerA, cameraId, 'online');
    await watch(viewerA, cameraId);
    const statsA = await expectFramesFlowing(viewerA);
    expect(statsA.frameWidth).toBeGreaterThan(0);
    await waitFor(() => inboundStats(viewerA), (s) => s.audioPacketsReceived > 20, { what: 'audio packets' });
    const t0 = await videoTime(viewerA);
    await waitFor(() => videoTime(viewerA), (t) => t > t0 + 0.5, { what: 'the video element to play on' });
    await waitForCameraState(viewerA, cameraId, 'watching');

    const viewerB = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    await pairRunningCamera(viewerB, camera, cameraId);
    await waitForCameraState(viewerB, cameraId, 'online');
    await watch(viewerB, cameraId);
    await expectFramesFlowing(viewerB);
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(2);
    // The first viewer keeps receiving while the second watches.
    await expectFramesFlowing(viewerA);

    // Stop on B: the camera frees that session, A goes on.
    await viewerB.getByTestId('stop').click();
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(1);
    await expectFramesFlowing(viewerA);

    await cameraContext.close();
    await waitForCameraState(viewerB, cameraId, 'offline', 12_000);
    await expect(cameraItem(viewerB, cameraId).getAttribute('data-state')).resolves.toBe('offline');
  });

  it('the camera list and names survive a reload of the viewer', async () => {
    const viewerContext = await newDeviceContext(suite.browser);
    const viewer = await openViewer(viewerContext, suite.server.url);
    const camera = await pairNewCamera(viewer, await newDeviceContext(suite.browser));
    await renameCamera(viewer, camera.cameraId, 'Kitchen');
    await viewer.reload();
    // A reloaded viewer opens on its only camera by itself.
    await waitForCameraState(viewer, camera.cameraId, 'watching');
    await expect(cameraItem(viewer, camera.cameraId).getByTestId('camera-name').inputValue()).resolves.toBe('Kitchen');
    await viewerContext.close();
    await camera.page.context().close();
  });

  it('the camera keeps its ID across reloads', async () => {
    const context = await newDeviceContext(suite.browser);
    const first = await openCamera(context, suite.server.url);
    await first.page.close();
    const second = await openCamera(context, suite.server.url);
    expect(second.cameraId).toBe(first.cameraId);
    await context.close();
  });
});

describe('the camera page explains what is wrong', () => {
  it('says so when the camera permission is denied', async () => {
    const denying = await launchChromium({ denyMedia: true });
    try {
      const page = await (await newDeviceContext(denying)).newPage();
      await page.goto(`${suite.server.url}/`);
      await page.getByTestId('start-camera').click();
      await page.locator('[data-testid=error][data-code=permission-denied]').waitFor({ timeout: 15_000 });
    } finally {
      await denying.close();
    }
  });

  it('says to use HTTPS when opened over plain HTTP on a LAN name', async () => {
    const plain = await startTestServer({ http: true });
    // A name that maps to loopback but is not a secure context, as a LAN address over HTTP is for a phone.
    const lan = await launchChromium({ args: ['--host-resolver-rules=MAP pawcam.lan 127.0.0.1'] });
    try {
      const page = await (await newDeviceContext(lan)).newPage();
      await page.goto(`http://pawcam.lan:${plain.port}/`);
      await page.getByTestId('start-camera').click().catch(() => undefined);
      await page.locator('[data-testid=error][data-code=insecure-context]').waitFor({ timeout: 15_000 });
    } finally {
      await lan.close();
      await plain.dispose();
    }
  });

  it('shows the server unreachable with a retry countdown, and reconnects by itself when the server is back', async () => {
    const context = await newDeviceContext(suite.browser);
    const { page } = await openCamera(context, suite.server.url);
    await suite.server.stop();
    await page.locator('[data-testid=server-state][data-state=retrying]').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('server-state').textContent()).resolves.toMatch(/retry/i);
    await suite.server.restart();
    await page.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 40_000 });
    await context.close();
  });
});
