/**
 * Issue 14 items 5 and 6 in a real browser: words that misled or lingered, and what looked unfinished. The viewer
 * clears the phone's figures and disables every control while it reconnects; the quality menu says what arrives; a
 * touch screen is not told about the Space key; the camera ID waits in a Details view; "Paired with …" leaves the phone
 * after a while; during a server outage the live phone says what still works instead of showing a red error; the
 * pages follow the system's light scheme. A typed code no viewer shows says just that (not "the viewer is not
 * connected"); a short code gets one sentence at the form and no stale banner; the Add camera panel asks for the name
 * the phone lists the viewer by.
 */
import { describe, expect, it } from 'vitest';
import { cameraItem, expectFramesFlowing, expectPaired, openCamera, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { newDeviceContext, TRACK_PEER_CONNECTIONS, waitFor } from './support/browser.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { serverAndChromium } from './support/suite.ts';

const suite = serverAndChromium();

describe('words and looks', () => {
  it('the viewer says what arrives, and shows no stale figures or live controls while it reconnects', async () => {
    const viewer = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    const { page: camera, cameraId } = await pairNewCamera(viewer, await newDeviceContext(suite.browser));
    await waitForCameraState(viewer, cameraId, 'online');
    // The card leads with the name; the long ID waits behind Details.
    const id = cameraItem(viewer, cameraId).getByTestId('camera-id');
    expect(await id.isVisible()).toBe(false);
    await cameraItem(viewer, cameraId).locator('[data-testid=camera-details] > summary').click();
    expect(await id.isVisible()).toBe(true);

    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);
    const arriving = viewer.getByTestId('quality-arriving');
    await arriving.waitFor({ timeout: 15_000 });
    expect(await arriving.textContent()).toMatch(/^Arriving \d+×\d+/);
    await viewer.getByTestId('camera-status').waitFor();
    // The battery, where the phone tells it, has an SVG icon, never an emoji a font may lack.
    expect(await viewer.getByTestId('camera-status').textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
    await saveScreenshot(viewer, import.meta.filename, 'viewer-live-quality');

    // The phone's camera stops: the viewer redials, and shows nothing it cannot stand behind.
    await camera.getByTestId('stop-camera').click();
    await viewer.locator('[data-testid=live-state][data-state=reconnecting]').waitFor({ timeout: 20_000 });
    expect(await viewer.getByTestId('camera-status').count()).toBe(0);
    expect(await arriving.count()).toBe(0);
    for (const control of ['torch', 'switch-camera', 'chime', 'quality', 'talk']) {
      expect(await viewer.getByTestId(control).isDisabled(), `${control} while reconnecting`).toBe(true);
    }
    await saveScreenshot(viewer, import.meta.filename, 'viewer-reconnecting');

    await camera.getByTestId('start-camera').click();
    await viewer.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await viewer.getByTestId('camera-status').waitFor({ timeout: 15_000 });
    // The fake camera has no torch: the button stays off when live too — the same either way.
    expect(await viewer.getByTestId('torch').isDisabled()).toBe(true);
    await viewer.context().close();
    await camera.context().close();
  });

  it('the phone: the ID behind Details, "Paired with" leaves, and an outage while live is not a red error', async () => {
    const viewer = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    const { page: camera, cameraId } = await pairNewCamera(viewer, await newDeviceContext(suite.browser));
    expect(await camera.getByTestId('camera-id').isVisible()).toBe(false);
    await waitForCameraState(viewer, cameraId, 'online');
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);
    await camera.locator('[data-testid=live][data-viewers="1"]').waitFor({ timeout: 15_000 });

    await suite.server.stop();
    await camera.locator('[data-testid=server-state][data-state=retrying]').waitFor({ timeout: 20_000 });
    const stillLive = camera.getByTestId('outage-still-live');
    await stillLive.waitFor();
    expect(await stillLive.textContent()).toMatch(/keeps\s+the picture and sound/);
    expect(await camera.getByTestId('error').count()).toBe(0);
    await expectFramesFlowing(viewer);
    await saveScreenshot(camera, import.meta.filename, 'camera-live-through-outage');
    await suite.server.restart();
    await camera.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 30_000 });
    expect(await stillLive.count()).toBe(0);

    // "Paired with …" was news at pairing; it leaves by itself (30 s), the pairing stays listed.
    await camera.getByTestId('pair-status').waitFor({ state: 'detached', timeout: 45_000 });
    expect(await camera.getByTestId('paired-viewer').count()).toBe(1);
    await viewer.context().close();
    await camera.context().close();
  }, 120_000);

  it('a touch screen is not told about the Space key; both pages follow the light scheme', async () => {
    const phoneViewer = await suite.browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      colorScheme: 'light',
    });
    await phoneViewer.addInitScript(TRACK_PEER_CONNECTIONS);
    const viewer = await openViewer(phoneViewer, suite.server.url);
    const { page: camera, cameraId } = await pairNewCamera(viewer, await newDeviceContext(suite.browser));
    await waitForCameraState(viewer, cameraId, 'online');
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);
    const talk = viewer.getByTestId('talk');
    await talk.waitFor();
    expect(await talk.textContent()).not.toContain('Space');
    const background = await viewer.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(244, 245, 247)');
    await saveScreenshot(viewer, import.meta.filename, 'viewer-phone-light');

    await camera.emulateMedia({ colorScheme: 'light' });
    expect(await camera.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(244, 245, 247)');
    await saveScreenshot(camera, import.meta.filename, 'camera-light');
    await phoneViewer.close();
    await camera.context().close();
  });

  it('a typed code no viewer shows says so without blaming the viewer; a short code gets one sentence, no stale banner', async () => {
    const viewer = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    await viewer.getByTestId('add-camera').click();
    await viewer.getByTestId('use-code').click();
    const code = ((await viewer.getByTestId('pair-short-code').textContent()) ?? '').trim();
    expect(code).toMatch(/^[0-9A-Z]{6}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    // One mistyped character in the part that finds the viewer: no viewer holds that code.
    const mistyped = `${code[0] === '7' ? '8' : '7'}${code.slice(1)}`;

    const camera = await (await newDeviceContext(suite.browser)).newPage();
    await camera.goto(`${suite.server.url}/`);
    await camera.locator('details:has([data-testid=pair-code]) > summary').click();
    await camera.getByTestId('pair-code').fill(mistyped);
    await camera.getByTestId('pair-code-submit').click();
    const banner = camera.getByTestId('pair-status');
    await camera.locator('[data-testid=pair-status][data-state=failed]').waitFor({ timeout: 30_000 });
    const said = (await banner.locator('p').textContent())?.trim();
    expect(said).toBe('No viewer is showing this code right now — check the code, or make a new one in the viewer.');
    // Said once: not a second, larger "this server does not know this camera" error beside it.
    expect(await camera.getByTestId('error').count()).toBe(0);
    expect(await camera.getByTestId('server-state').count()).toBe(0);
    // The viewer is connected the whole time, still showing its code.
    expect(await viewer.locator('[data-testid=pair-status][data-state=waiting]').count()).toBe(1);
    await saveScreenshot(camera, import.meta.filename, 'camera-code-no-viewer');

    // A short code: one sentence at the form, and the banner of the failed try leaves.
    await camera.getByTestId('pair-code').fill(code.slice(0, 10));
    await camera.getByTestId('pair-code-submit').click();
    const problem = camera.getByTestId('pair-code-error');
    await problem.waitFor();
    expect(await problem.textContent()).toBe(
      'That is not a pairing code yet: it has 9 of the 14 letters and digits. Type all of the code the viewer shows, like ABC123-DEFG-HJK4.',
    );
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    expect(await camera.locator('[role=alert]').count()).toBe(1);
    expect(await camera.getByTestId('server-state').count()).toBe(0);
    await saveScreenshot(camera, import.meta.filename, 'camera-code-too-short');

    // Editing the code takes the sentence away; the right code pairs with the viewer that was there all along.
    await camera.getByTestId('pair-code').fill(code);
    expect(await problem.count()).toBe(0);
    await camera.getByTestId('pair-code-submit').click();
    await expectPaired(viewer, camera);
    await viewer.context().close();
    await camera.context().close();
  }, 90_000);

  it('the Add camera panel asks for the name the phone lists this viewer by, starting from browser and device', async () => {
    const viewer = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    await viewer.getByTestId('add-camera').click();
    const name = viewer.getByTestId('pair-viewer-name');
    await name.waitFor({ timeout: 10_000 });
    expect(await name.inputValue()).toBe('Chrome on Linux');
    await name.fill('Kitchen tablet');
    await name.press('Enter');
    expect(await viewer.getByTestId('pair-viewer-name-saved').textContent()).toContain('“Kitchen tablet”');
    await saveScreenshot(viewer, import.meta.filename, 'viewer-pair-name');

    const field = viewer.getByTestId('pair-link');
    const link = await waitFor(() => field.inputValue(), (text) => text.includes('#pair='), { what: 'the pairing link' });
    const { page: camera } = await openCamera(await newDeviceContext(suite.browser), link);
    await expectPaired(viewer, camera);
    expect(await camera.getByTestId('paired-viewer').locator('.name').textContent()).toBe('Kitchen tablet');
    // The viewer's one name: its header and Settings say the same.
    await viewer.getByTestId('settings').click();
    expect(await viewer.getByTestId('viewer-name').inputValue()).toBe('Kitchen tablet');
    await saveScreenshot(camera, import.meta.filename, 'camera-lists-chosen-name');
    await viewer.context().close();
    await camera.context().close();
  });
});
