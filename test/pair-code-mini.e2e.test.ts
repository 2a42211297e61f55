/**
 * The typed-code fallback (a phone that cannot scan) and the mini view (the always-on-top window's
 * page, here in the web shell): it watches its camera by itself.
 */
import { expect, it } from 'vitest';
import { cameraItem, expectFramesFlowing, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { newDeviceContext } from './support/browser.ts';
import { serverAndChromium } from './support/suite.ts';

const suite = serverAndChromium();

it('pairs with a short typed code, then watches', async () => {
  const viewer = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
  await viewer.getByTestId('add-camera').click();
  await viewer.getByTestId('use-code').click();
  const code = ((await viewer.getByTestId('pair-short-code').textContent()) ?? '').trim();
  expect(code).toMatch(/^[0-9A-Z]{6}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

  const camera = await (await newDeviceContext(suite.browser)).newPage();
  await camera.goto(`${suite.server.url}/`);
  await camera.locator('details:has([data-testid=pair-code]) > summary').click();
  // Typed the way people type: lower case, spaces instead of dashes.
  await camera.getByTestId('pair-code').fill(code.toLowerCase().replace(/-/g, ' '));
  await camera.getByTestId('pair-code-submit').click();
  await camera.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
  await viewer.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
  const done = viewer.getByTestId('pair-finish');
  if (await done.isVisible()) await done.click();

  await camera.getByTestId('start-camera').click();
  const cameraId = ((await camera.getByTestId('camera-id').textContent()) ?? '').trim();
  await cameraItem(viewer, cameraId).waitFor({ timeout: 10_000 });
  await waitForCameraState(viewer, cameraId, 'online', 20_000);
  await watch(viewer, cameraId);
  await expectFramesFlowing(viewer);
  await viewer.context().close();
  await camera.context().close();
});

it('the mini view watches its camera by itself, with its name', async () => {
  const viewerContext = await newDeviceContext(suite.browser);
  const viewer = await openViewer(viewerContext, suite.server.url);
  const camera = await pairNewCamera(viewer, await newDeviceContext(suite.browser));
  // The mini window is its own page; close the main one (in the desktop app they register under different IDs).
  await viewer.close();
  const mini = await viewerContext.newPage();
  await mini.setViewportSize({ width: 320, height: 180 });
  await mini.goto(`${suite.server.url}/viewer/index.html?view=mini&camera=${camera.cameraId}`);
  await mini.getByTestId('mini-view').waitFor({ timeout: 10_000 });
  await expectFramesFlowing(mini);
  await expect(mini.getByTestId('live-camera-name').textContent()).resolves.not.toBe('');
  await viewerContext.close();
  await camera.page.context().close();
});
