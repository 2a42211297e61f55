/**
 * The standby link, in real Chromium against the real server: while the viewer is open it keeps one connection per
 * online camera, whose slow thumbnail the camera list shows; Watch raises that connection (nothing through the
 * server), Stop lowers it, and it heals by itself when the camera page reloads. The camera films a y4m that turns
 * red then blue in a loop, so the thumbnail's colour proves the picture is live.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraItem, expectFramesFlowing, openViewer, pairNewCamera } from './support/apps.ts';
import { inboundStats, launchChromium, newDeviceContext, waitFor } from './support/browser.ts';
import { writeColourSequenceY4m } from './support/media-files.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import type { RelayedFrame } from '../peer-server/index.ts';

const RED: [number, number, number] = [220, 30, 30];
const BLUE: [number, number, number] = [30, 30, 220];

let dir: string;
let server: TestServer;
let browser: Browser;
/** Every signal and hang-up the server relayed (presence pings are counted apart: they are not part of a watch). */
const relayed: { src: string; dst: string; kind: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-standby-'));
  const video = join(dir, 'red-blue.y4m');
  // 4 s red, 4 s blue, looped: a thumbnail every 3 s sees both.
  await writeColourSequenceY4m(video, 320, 180, [RED, BLUE], 40, 10);
  server = await startTestServer({
    relayTransform: (frame: RelayedFrame) => {
      const kind = typeof frame.payload === 'object' && frame.payload !== null ? String((frame.payload as { kind?: unknown }).kind) : '?';
      relayed.push({ src: frame.src, dst: frame.dst, kind });
      return [frame];
    },
  });
  browser = await launchChromium({ fakeVideo: video });
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The average colour of the camera's thumbnail in the viewer's list, as the person sees it. */
async function thumbnailColour(viewer: Page, cameraId: string): Promise<[number, number, number] | null> {
  const video = cameraItem(viewer, cameraId).locator('[data-testid=camera-thumbnail] video');
  if ((await video.count()) === 0) return null;
  return video.evaluate((el) => {
    const v = el as HTMLVideoElement;
    if (v.videoWidth === 0) return null;
    const canvas = document.createElement('canvas');
    canvas.width = 16;
    canvas.height = 9;
    const context = canvas.getContext('2d');
    if (!context) return null;
    context.drawImage(v, 0, 0, 16, 9);
    const data = context.getImageData(0, 0, 16, 9).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
    const n = data.length / 4;
    return [sum[0]! / n, sum[1]! / n, sum[2]! / n] as [number, number, number];
  });
}

const isRed = (c: [number, number, number] | null) => c !== null && c[0] > 150 && c[2] < 90;
const isBlue = (c: [number, number, number] | null) => c !== null && c[2] > 150 && c[0] < 90;

/** Wait until the thumbnail has shown `changes` + 1 colours in turn (red, blue, red…): a live picture, not a still. */
async function thumbnailChanges(viewer: Page, cameraId: string, changes: number, timeoutMs: number): Promise<void> {
  const seen: string[] = [];
  await waitFor(
    async () => {
      const colour = await thumbnailColour(viewer, cameraId);
      const name = isRed(colour) ? 'red' : isBlue(colour) ? 'blue' : null;
      if (name && seen.at(-1) !== name) seen.push(name);
      return seen.length;
    },
    (n) => n > changes,
    { timeoutMs, intervalMs: 400, what: `the thumbnail to change colour ${changes} times` },
  );
}

/** The live view's picture size. */
async function liveSize(viewer: Page): Promise<{ width: number; height: number }> {
  return viewer.getByTestId('live-video').evaluate((el) => ({ width: (el as HTMLVideoElement).videoWidth, height: (el as HTMLVideoElement).videoHeight }));
}

/** Signals and hang-ups between this viewer and camera relayed so far. */
function watchFrames(viewerId: string, cameraId: string): number {
  const ends = new Set([viewerId, cameraId]);
  return relayed.filter((f) => ends.has(f.src) && ends.has(f.dst) && (f.kind === 'signal' || f.kind === 'hangup')).length;
}

/** The ID the viewer tab is registered under (it sends the camera's offers from it). */
async function viewerPeerId(cameraId: string): Promise<string> {
  const frame = await waitFor(
    async () => relayed.find((f) => f.dst === cameraId && f.kind === 'signal') ?? null,
    (f) => f !== null,
    { what: 'the standby link offer' },
  );
  return frame!.src;
}

describe('standby link', () => {
  let viewer: Page;
  let camera: { page: Page; cameraId: string };

  it('the camera list shows a live thumbnail that follows the picture; the phone counts a standby viewer, not a watcher', async () => {
    viewer = await openViewer(await newDeviceContext(browser), server.url);
    camera = await pairNewCamera(viewer, await newDeviceContext(browser));
    await camera.page.locator('[data-testid=standby-links][data-count="1"]').waitFor({ timeout: 20_000 });
    expect(await camera.page.getByTestId('live').getAttribute('data-viewers')).toBe('0');
    // Red, then blue, then red again (or the other way): the thumbnail follows the camera without a click.
    await thumbnailChanges(viewer, camera.cameraId, 2, 40_000);
    // Small and slow: a 160-pixel picture every few seconds.
    const thumb = await cameraItem(viewer, camera.cameraId)
      .locator('[data-testid=camera-thumbnail] video')
      .evaluate((el) => (el as HTMLVideoElement).videoWidth);
    expect(thumb).toBeLessThanOrEqual(160);
  });

  it('Watch raises the standby link: full-size frames flow and the server relays nothing for it; Stop lowers it again', async () => {
    const viewerId = await viewerPeerId(camera.cameraId);
    const before = watchFrames(viewerId, camera.cameraId);
    await cameraItem(viewer, camera.cameraId).getByTestId('watch').click();
    await expectFramesFlowing(viewer);
    await waitFor(() => liveSize(viewer), (s) => s.width > 160, { what: 'the live picture at full size' });
    await camera.page.locator('[data-testid=live][data-viewers="1"]').waitFor({ timeout: 10_000 });
    expect(watchFrames(viewerId, camera.cameraId)).toBe(before);

    await viewer.getByTestId('stop').click();
    await camera.page.locator('[data-testid=live][data-viewers="0"]').waitFor({ timeout: 10_000 });
    await camera.page.locator('[data-testid=standby-links][data-count="1"]').waitFor({ timeout: 10_000 });
    expect(watchFrames(viewerId, camera.cameraId)).toBe(before);
    // Still one connection, back on the thumbnail.
    expect((await inboundStats(viewer)).openConnections).toBe(1);
  });

  it('a camera page that reloads comes back on the standby link by itself', async () => {
    await camera.page.reload();
    await camera.page.getByTestId('stop-camera').waitFor({ timeout: 30_000 });
    await camera.page.locator('[data-testid=standby-links][data-count="1"]').waitFor({ timeout: 40_000 });
    // A picture that changes again (the old link's last frame would stand still).
    await thumbnailChanges(viewer, camera.cameraId, 1, 30_000);
  });

  it('with the server gone, Watch on the standby link still shows the picture', async () => {
    await server.stop();
    await viewer.locator('[data-testid=server-state]:not([data-state=open])').waitFor({ timeout: 20_000 });
    await cameraItem(viewer, camera.cameraId).getByTestId('watch').click();
    await expectFramesFlowing(viewer);
    await waitFor(() => liveSize(viewer), (s) => s.width > 160, { what: 'the live picture at full size' });
  });
});
