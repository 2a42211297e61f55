/**
 * Two paired browsers can be told apart on the phone. A web viewer is named after its browser and
 * device until renamed, and a rename reaches a camera it is already paired with (over the authenticated data channel,
 * at the next watch or at once while watching) — not only future pairings.
 */
import { describe, expect, it } from 'vitest';
import { expectFramesFlowing, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { newDeviceContext, waitFor } from './support/browser.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { serverAndChromium } from './support/suite.ts';

const suite = serverAndChromium();

describe("the viewer's name on the phone", () => {
  it('starts as browser and device, and a rename reaches the camera it is paired with', async () => {
    const viewer = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    const { page: camera, cameraId } = await pairNewCamera(viewer, await newDeviceContext(suite.browser));
    const listed = camera.getByTestId('paired-viewer').locator('.name');
    expect(await listed.textContent()).toBe('Chrome on Linux');

    await waitForCameraState(viewer, cameraId, 'online');
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);
    await viewer.getByTestId('settings').click();
    const name = viewer.getByTestId('viewer-name');
    await name.fill('Office PC');
    await name.press('Enter');
    await viewer.getByTestId('settings-saved').waitFor({ timeout: 10_000 });
    await waitFor(() => listed.textContent(), (text) => text === 'Office PC', { what: 'the phone to list the new name' });
    await saveScreenshot(camera, import.meta.filename, 'camera-lists-renamed-viewer');

    // Kept by the phone: still the new name after the camera page reloads.
    await camera.reload();
    await waitFor(() => listed.textContent(), (text) => text === 'Office PC', { what: 'the new name after a reload' });
    await viewer.context().close();
    await camera.context().close();
  });
});
