/**
 * Healing: the picture survives a server restart and comes back by itself after a killed peer connection
 * or a closed and reopened camera page; four viewers watch at once and one leaving does not disturb the others.
 * Bounds: media does not depend on the server, so a restart must not stop frames at all; a broken session is
 * re-dialled and live again within 20 s; a reopened camera within 30 s.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectFramesFlowing, liveViewers, openCamera, openViewer, pairNewCamera, pairRunningCamera, waitForCameraState, watch } from './support/apps.ts';
import { inboundStats, newDeviceContext, waitFor } from './support/browser.ts';
import { serverAndChromium } from './support/suite.ts';

const suite = serverAndChromium();

async function liveState(viewer: Page): Promise<string | null> {
  return viewer.getByTestId('live-state').getAttribute('data-state');
}

describe('a watch session heals by itself', () => {
  it('server restart, killed peer connection, camera page closed and reopened', async () => {
    const viewer = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    const phone = await newDeviceContext(suite.browser);
    let { page: camera, cameraId } = await pairNewCamera(viewer, phone);
    await waitForCameraState(viewer, cameraId, 'online');
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);

    // 1. The server restarts: media is peer to peer, so frames keep coming; presence returns.
    await suite.server.restart();
    await expectFramesFlowing(viewer);
    await camera.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 40_000 });
    await expectFramesFlowing(viewer);

    // 2. The peer connection dies: the viewer says so and re-dials without a click.
    await viewer.evaluate(() => {
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) pc.close();
    });
    await waitFor(() => liveState(viewer), (s) => s === 'reconnecting', { what: 'reconnecting…', timeoutMs: 10_000 });
    await waitFor(() => liveState(viewer), (s) => s === 'live', { what: 'live again', timeoutMs: 20_000 });
    await expectFramesFlowing(viewer);
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(1);

    // 3. The camera page closes and is opened again (same phone: same ID, same pairing).
    await camera.close();
    await waitFor(() => liveState(viewer), (s) => s === 'reconnecting', { what: 'reconnecting after the camera left', timeoutMs: 15_000 });
    ({ page: camera, cameraId } = await openCamera(phone, suite.server.url));
    await waitFor(() => liveState(viewer), (s) => s === 'live', { what: 'live with the reopened camera', timeoutMs: 30_000 });
    await expectFramesFlowing(viewer);
    // No duplicate sessions piled up on either side.
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await inboundStats(viewer)).openConnections, { timeout: 10_000 }).toBe(1);
    await viewer.context().close();
    await phone.close();
  });
});

describe('several viewers', () => {
  it('four viewers watch one camera; one stopping does not disturb the others', async () => {
    const first = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
    const { page: camera, cameraId } = await pairNewCamera(first, await newDeviceContext(suite.browser));
    const viewers = [first];
    for (let i = 0; i < 3; i++) {
      const v = await openViewer(await newDeviceContext(suite.browser), suite.server.url);
      await pairRunningCamera(v, camera, cameraId);
      viewers.push(v);
    }
    for (const v of viewers) {
      await waitForCameraState(v, cameraId, 'online');
      await watch(v, cameraId);
    }
    for (const v of viewers) await expectFramesFlowing(v, 5);
    await expect.poll(() => liveViewers(camera), { timeout: 15_000 }).toBe(4);

    await viewers[1]!.getByTestId('stop').click();
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(3);
    for (const v of [viewers[0]!, viewers[2]!, viewers[3]!]) await expectFramesFlowing(v, 5);
    for (const v of viewers) await v.context().close();
    await camera.context().close();
  });
});
