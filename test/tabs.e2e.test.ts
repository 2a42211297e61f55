/**
 * Two tabs of the same browser (one pairing, one storage) both watch, and
 * closing one leaves the other working — each tab connects under its own ID instead of taking the other's place at the
 * server. The mini view (?view=mini) is another such tab.
 */
import { describe, expect, it } from 'vitest';
import { cameraItem, expectFramesFlowing, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { newDeviceContext } from './support/browser.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { serverAndChromium } from './support/suite.ts';

const suite = serverAndChromium();

describe('the web viewer in several tabs of one browser', () => {
  it('two tabs both watch; closing one leaves the other watching, and it can watch again', async () => {
    const browserProfile = await newDeviceContext(suite.browser);
    const first = await openViewer(browserProfile, suite.server.url);
    const { cameraId } = await pairNewCamera(first, await newDeviceContext(suite.browser));
    await waitForCameraState(first, cameraId, 'online');
    await watch(first, cameraId);
    await expectFramesFlowing(first);

    // The second tab opens on the camera watched last by itself, and watches alongside the first.
    const second = await openViewer(browserProfile, suite.server.url);
    await cameraItem(second, cameraId).waitFor({ timeout: 10_000 });
    await expectFramesFlowing(second);
    await waitForCameraState(second, cameraId, 'watching');
    // The first tab still receives while the second watches, and neither says it is open elsewhere.
    await expectFramesFlowing(first);
    expect(await first.locator('[data-testid=error][data-code=superseded], [data-testid=error][data-code=id-taken]').count()).toBe(0);
    await saveScreenshot(second, import.meta.filename, 'viewer-second-tab-watching');

    await second.close();
    await expectFramesFlowing(first);
    // Still registered at the server: a new watch from the first tab works after the second tab is gone.
    await first.getByTestId('stop').click();
    await waitForCameraState(first, cameraId, 'online');
    await watch(first, cameraId);
    await expectFramesFlowing(first);
    await saveScreenshot(first, import.meta.filename, 'viewer-first-tab-after-second-closed');

    // The mini view is a third tab: it watches too, and closing it leaves the first tab watching.
    const mini = await browserProfile.newPage();
    await mini.setViewportSize({ width: 320, height: 180 });
    await mini.goto(`${suite.server.url}/viewer/index.html?view=mini&camera=${cameraId}`);
    await mini.getByTestId('mini-view').waitFor({ timeout: 10_000 });
    await expectFramesFlowing(mini);
    await saveScreenshot(mini, import.meta.filename, 'viewer-mini-tab');
    await mini.close();
    await expectFramesFlowing(first);
    await browserProfile.close();
    // Three tabs, four watches and many frame checks: room for a loaded 2-core machine.
  }, 180_000);
});
