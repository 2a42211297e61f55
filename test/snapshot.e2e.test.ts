/**
 * Snapshots in the web viewer: the camera is fed a known solid picture; Snapshot downloads a PNG whose pixels are
 * that colour, at the stream's full resolution.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectFramesFlowing, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { launchChromium, newDeviceContext } from './support/browser.ts';
import { writeSolidY4m } from './support/media-files.ts';
import { centreColour, decodePng } from './support/png.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const WIDTH = 640;
const HEIGHT = 360;
const COLOUR: [number, number, number] = [230, 120, 30];

let server: TestServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-snap-'));
  const video = join(dir, 'orange.y4m');
  await writeSolidY4m(video, WIDTH, HEIGHT, COLOUR, 10);
  server = await startTestServer();
  browser = await launchChromium({ fakeVideo: video });
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

it('Snapshot saves the camera\'s picture as a PNG at the stream\'s resolution', async () => {
  const viewerContext = await newDeviceContext(browser);
  const viewer = await openViewer(viewerContext, server.url);
  const camera = await pairNewCamera(viewer, await newDeviceContext(browser));
  await camera.page.getByTestId('camera-name').fill('Rex / kitchen');
  await camera.page.getByTestId('camera-name').press('Enter');
  await waitForCameraState(viewer, camera.cameraId, 'online');
  await watch(viewer, camera.cameraId);
  await expectFramesFlowing(viewer);
  await viewer.waitForFunction(
    ([w, h]) => {
      const v = document.querySelector('[data-testid=live-video]') as HTMLVideoElement | null;
      return v !== null && v.videoWidth === w && v.videoHeight === h;
    },
    [WIDTH, HEIGHT],
    { timeout: 20_000 },
  );

  const [download] = await Promise.all([viewer.waitForEvent('download', { timeout: 15_000 }), viewer.getByTestId('snapshot').click()]);
  expect(download.suggestedFilename()).toMatch(/^pawcam-[A-Za-z0-9._-]+-\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.png$/);
  const path = join(dir, 'snap.png');
  await download.saveAs(path);
  const image = decodePng(await readFile(path));
  expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
  const [r, g, b] = centreColour(image);
  // Video coding shifts colours a little; the picture must still be that orange.
  expect(Math.abs(r - COLOUR[0])).toBeLessThan(30);
  expect(Math.abs(g - COLOUR[1])).toBeLessThan(30);
  expect(Math.abs(b - COLOUR[2])).toBeLessThan(30);
  await viewerContext.close();
  await camera.page.context().close();
});
