/**
 * TURN end to end with a real coturn on loopback: with "Always relay", camera and viewer connect through the
 * TURN relay only (the selected candidate pair is of type relay on both sides) and frames decode; credentials the
 * relay does not accept end the attempt with a clear "relay refused" error, not a hang.
 */
import { createHmac } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFramesFlowing, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { inboundStats, launchChromium, newDeviceContext, waitFor } from './support/browser.ts';
import { startCoturn, type Coturn } from './support/coturn.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let coturn: Coturn;
let browser: Browser;

beforeAll(async () => {
  coturn = await startCoturn();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await coturn?.stop();
});

/** Turn on "Always relay" in the viewer's settings. */
async function alwaysRelay(viewer: Page): Promise<void> {
  await viewer.getByTestId('settings').click();
  const box = viewer.getByTestId('always-relay');
  await box.check();
  await expect(box.isChecked()).resolves.toBe(true);
  await viewer.keyboard.press('Escape');
}

/** Watch, and expect a clear "relay refused" error instead of a hang, with no media. */
async function expectRelayRefused(viewer: Page, cameraId: string): Promise<void> {
  await watch(viewer, cameraId);
  const error = viewer.locator('[data-testid=error][data-code=connection-failed]');
  await error.waitFor({ timeout: 40_000 });
  await expect(error.textContent()).resolves.toMatch(/relay/i);
  expect((await inboundStats(viewer)).framesDecoded).toBe(0);
}

async function relayedViewerAndCamera(server: TestServer) {
  const viewer = await openViewer(await newDeviceContext(browser), server.url);
  const camera = await pairNewCamera(viewer, await newDeviceContext(browser));
  await alwaysRelay(viewer);
  await waitForCameraState(viewer, camera.cameraId, 'online');
  return { viewer, camera };
}

describe('through a real coturn', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ turnUrls: [coturn.url], turnSecret: coturn.secret });
  });
  afterAll(async () => server?.dispose());

  it('relay-only: both sides use relay candidates and frames decode', async () => {
    const { viewer, camera } = await relayedViewerAndCamera(server);
    await watch(viewer, camera.cameraId);
    const stats = await expectFramesFlowing(viewer);
    expect(stats.candidateTypes.length).toBeGreaterThan(0);
    expect(new Set(stats.candidateTypes)).toEqual(new Set(['relay']));
    const cameraSide = await waitFor(() => inboundStats(camera.page), (s) => s.candidateTypes.length > 0, { what: 'the camera\'s selected pair' });
    expect(new Set(cameraSide.candidateTypes)).toEqual(new Set(['relay']));
    await expect(viewer.locator('[data-testid=stats]').getAttribute('data-route')).resolves.toBe('relayed');
    await viewer.context().close();
    await camera.page.context().close();
  });
});

describe('with expired credentials', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ turnUrls: [coturn.url], turnSecret: coturn.secret });
  });
  afterAll(async () => server?.dispose());

  it('ends with a clear "relay refused" error and no media', async () => {
    const { viewer, camera } = await relayedViewerAndCamera(server);
    // The viewer is handed credentials that expired a minute ago, correctly signed: coturn must refuse them.
    await viewer.route('**/ice', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { iceServers: { urls: string[]; username?: string; credential?: string }[]; ttl: number };
      for (const s of body.iceServers) {
        if (!s.username) continue;
        const username = `${Math.floor(Date.now() / 1000) - 60}:${s.username.split(':').slice(1).join(':')}`;
        s.username = username;
        s.credential = createHmac('sha1', coturn.secret).update(username).digest('base64');
      }
      await route.fulfill({ response, json: body });
    });
    await viewer.reload();
    await waitForCameraState(viewer, camera.cameraId, 'online');
    await expectRelayRefused(viewer, camera.cameraId);
    await viewer.context().close();
    await camera.page.context().close();
  });
});

describe('with credentials the relay refuses', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ turnUrls: [coturn.url], turnSecret: 'not-the-relays-secret' });
  });
  afterAll(async () => server?.dispose());

  it('ends with a clear "relay refused" error and no media', async () => {
    const { viewer, camera } = await relayedViewerAndCamera(server);
    await expectRelayRefused(viewer, camera.cameraId);
    await viewer.context().close();
    await camera.page.context().close();
  });
});
