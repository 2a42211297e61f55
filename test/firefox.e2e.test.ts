/**
 * Beyond Chromium: the camera page in Firefox ESR streaming to the web viewer in Chromium, and the web
 * viewer in Firefox watching a camera page in Chromium, through the real server over HTTPS on loopback.
 */
import { describe, expect, it } from 'vitest';
import { expectFramesFlowing, liveViewers, openViewer, waitForCameraState, watch } from './support/apps.ts';
import { inboundStats, newDeviceContext, waitFor } from './support/browser.ts';
import {
  expectFramesFlowingFirefox,
  firefoxLiveViewers,
  firefoxVideoTime,
  inboundStatsFirefox,
  newFirefoxDevice,
  openFirefoxViewer,
  pairCameraWithFirefoxViewer,
  pairFirefoxCameraWithViewer,
  waitForFirefoxCameraState,
  watchInFirefox,
} from './support/firefox.ts';
import { serverChromiumAndFirefox } from './support/suite.ts';

const suite = serverChromiumAndFirefox();

describe('Firefox ESR ⇄ Chromium', () => {
  it('the camera page in Firefox streams video and sound to the web viewer in Chromium', async () => {
    const cameraDevice = await newFirefoxDevice(suite.firefox);
    const viewerDevice = await newDeviceContext(suite.chromium);
    const viewer = await openViewer(viewerDevice, suite.server.url);
    const { page: camera, cameraId } = await pairFirefoxCameraWithViewer(viewer, cameraDevice);
    expect(await firefoxLiveViewers(camera)).toBe(0);
    await waitForCameraState(viewer, cameraId, 'online');
    await watch(viewer, cameraId);
    const stats = await expectFramesFlowing(viewer);
    expect(stats.frameWidth).toBeGreaterThan(0);
    await waitFor(() => inboundStats(viewer), (s) => s.audioPacketsReceived > 20, { what: 'audio packets from Firefox' });
    await waitForCameraState(viewer, cameraId, 'watching');
    await waitFor(() => firefoxLiveViewers(camera), (n) => n === 1, { what: 'the Firefox camera page to count one viewer' });

    await viewerDevice.close();
    await cameraDevice.close();
  });

  it('the web viewer in Firefox watches a camera page in Chromium, with sound', async () => {
    const cameraDevice = await newDeviceContext(suite.chromium);
    const viewerDevice = await newFirefoxDevice(suite.firefox);
    const viewer = await openFirefoxViewer(viewerDevice, suite.server.url);
    const { page: camera, cameraId } = await pairCameraWithFirefoxViewer(viewer, cameraDevice);
    await waitForFirefoxCameraState(viewer, cameraId, 'online');
    await watchInFirefox(viewer, cameraId);
    const stats = await expectFramesFlowingFirefox(viewer);
    expect(stats.frameWidth).toBeGreaterThan(0);
    await waitFor(() => inboundStatsFirefox(viewer), (s) => s.audioPacketsReceived > 20, { what: 'audio packets in Firefox' });
    const t0 = await firefoxVideoTime(viewer);
    await waitFor(() => firefoxVideoTime(viewer), (t) => t > t0 + 0.5, { what: 'the video element in Firefox to play on' });
    await waitForFirefoxCameraState(viewer, cameraId, 'watching');
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(1);

    await viewerDevice.close();
    await cameraDevice.close();
  });
});
