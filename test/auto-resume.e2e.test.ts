/**
 * A camera left on comes back by itself after the phone's browser reloads the page. Where the
 * browser kept the camera and microphone permission the page starts the camera without a tap and the viewer watches
 * again; where it did not, the phone says in large type that it needs a tap, and the viewer says so (with the time)
 * instead of spinning — until someone taps Start camera.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraItem, expectFramesFlowing, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { launchChromium, newDeviceContext } from './support/browser.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let browser: Browser;
/** A browser whose permissions are only those a test grants: no auto-accepting media prompt. */
let strict: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  strict = await launchChromium({ denyMedia: true });
});

afterAll(async () => {
  await Promise.allSettled([browser?.close(), strict?.close()]);
  await server?.dispose();
});

describe('a reloaded camera page', () => {
  it('starts the camera by itself where the permission is kept, and the viewer watches again without a tap on the phone', async () => {
    const viewer = await openViewer(await newDeviceContext(browser), server.url);
    const phone = await newDeviceContext(browser);
    await phone.grantPermissions(['camera', 'microphone'], { origin: server.url });
    const { page: camera, cameraId } = await pairNewCamera(viewer, phone);
    await waitForCameraState(viewer, cameraId, 'online');
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);

    // The phone's browser reloads the page (a crash, memory pressure, an update). Nobody touches the phone.
    await camera.reload();
    await camera.getByTestId('preview').waitFor({ timeout: 20_000 });
    await camera.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 20_000 });
    await saveScreenshot(camera, import.meta.filename, 'camera-resumed-by-itself');
    expect(await camera.getByTestId('needs-tap').count()).toBe(0);

    // The viewer's own redial brings the picture back.
    await expectFramesFlowing(viewer);
    await camera.locator('[data-testid=live][data-viewers="1"]').waitFor({ timeout: 20_000 });
    await saveScreenshot(viewer, import.meta.filename, 'viewer-watching-after-reload');

    // A camera the owner stopped stays stopped after a reload.
    await camera.getByTestId('stop-camera').click();
    await camera.reload();
    await camera.getByTestId('start-camera').waitFor();
    expect(await camera.getByTestId('preview').count()).toBe(0);
    expect(await camera.getByTestId('needs-tap').count()).toBe(0);
    await viewer.context().close();
    await phone.close();
  });

  it('without a kept permission, says it needs a tap in large type; the viewer shows since when instead of spinning', async () => {
    const viewer = await openViewer(await newDeviceContext(browser), server.url);
    // The owner allowed the camera once ("only this time"): the browser forgets it before the reload.
    const phone = await newDeviceContext(strict);
    await phone.grantPermissions(['camera', 'microphone'], { origin: server.url });
    const { page: camera, cameraId } = await pairNewCamera(viewer, phone);
    await waitForCameraState(viewer, cameraId, 'online');
    await phone.clearPermissions();

    await camera.reload();
    const need = camera.getByTestId('needs-tap');
    await need.waitFor({ timeout: 20_000 });
    expect(await need.textContent()).toContain('Tap Start camera');
    // Large type: a person across the room reads it.
    expect(parseFloat(await need.evaluate((el) => getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(20);
    await saveScreenshot(camera, import.meta.filename, 'camera-needs-tap');

    const note = cameraItem(viewer, cameraId).getByTestId('camera-needs-tap');
    await note.waitFor({ timeout: 20_000 });
    expect(await note.textContent()).toMatch(/^Camera page needs a tap on the phone since \d{1,2}:\d{2}/);
    await watch(viewer, cameraId);
    const overlay = viewer.getByTestId('needs-tap');
    await overlay.waitFor({ timeout: 10_000 });
    expect(await overlay.textContent()).toMatch(/needs a tap on the phone since \d{1,2}:\d{2}/);
    expect(await viewer.getByTestId('reconnecting').count()).toBe(0);
    await saveScreenshot(viewer, import.meta.filename, 'viewer-camera-needs-tap');

    // Someone taps Start camera and allows the camera: it streams and the viewer's note goes.
    await phone.grantPermissions(['camera', 'microphone'], { origin: server.url });
    await camera.getByTestId('start-camera').click();
    await need.waitFor({ state: 'detached', timeout: 10_000 });
    const again = viewer.getByTestId('watch-again');
    await expect
      .poll(async () => (await viewer.getByTestId('live-state').getAttribute('data-state')) === 'live' || (await again.isVisible()), { timeout: 30_000 })
      .toBe(true);
    if (await again.isVisible()) await again.click();
    await expectFramesFlowing(viewer);
    await note.waitFor({ state: 'detached', timeout: 15_000 });
    await viewer.context().close();
    await phone.close();
  });
});
