/**
 * Push-to-talk is heard on the phone only while held; camera controls change what the viewer receives
 * without dropping the connection; the camera's status reaches the viewer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFramesFlowing, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { inboundStats, launchChromium, newDeviceContext, waitFor } from './support/browser.ts';
import { writeToneWav } from './support/media-files.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let viewerBrowser: Browser;
let cameraBrowser: Browser;
let dir: string;
let viewer: Page;
let camera: Page;
let cameraId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-talk-'));
  const tone = join(dir, 'tone-1k.wav');
  await writeToneWav(tone, 1000, 2);
  server = await startTestServer();
  // The owner's microphone plays a 1 kHz tone; the phone has two of Chromium's fake cameras. (fake_device_1 makes
  // depth frames WebRTC never sends, so the phone is given devices 0 and 2: a test-only device list, not product code.)
  viewerBrowser = await launchChromium({ fakeAudio: tone });
  cameraBrowser = await launchChromium({ args: ['--use-fake-device-for-media-stream=device-count=3'] });
  viewer = await openViewer(await newDeviceContext(viewerBrowser), server.url);
  const phone = await newDeviceContext(cameraBrowser);
  await phone.addInitScript(`(() => {
    const md = navigator.mediaDevices;
    const list = md.enumerateDevices.bind(md);
    md.enumerateDevices = async () => (await list()).filter((d) => !/fake_device_1/.test(d.label) && !/fake_device_1/.test(d.deviceId));
  })();`);
  ({ page: camera, cameraId } = await pairNewCamera(viewer, phone));
  await waitForCameraState(viewer, cameraId, 'online');
  await watch(viewer, cameraId);
  await expectFramesFlowing(viewer);
});

afterAll(async () => {
  await viewerBrowser?.close();
  await cameraBrowser?.close();
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/**
 * On the camera page: the loudest frequency and its level in the audio received from the viewer, measured with a
 * WebAudio analyser on the received track.
 */
async function receivedAudio(page: Page): Promise<{ peakHz: number; peakDb: number }> {
  return page.evaluate(async () => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; __analyser?: { an: AnalyserNode; rate: number } };
    if (!w.__analyser) {
      const pc = w.__pcs.find((p) => p.connectionState === 'connected');
      const track = pc?.getReceivers().find((r) => r.track.kind === 'audio')?.track;
      if (!track) throw new Error('no received audio track on the camera');
      const ctx = new AudioContext();
      await Promise.race([ctx.resume(), new Promise((r) => setTimeout(r, 1000))]);
      const an = ctx.createAnalyser();
      an.fftSize = 4096;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(an);
      w.__analyser = { an, rate: ctx.sampleRate };
    }
    const { an, rate } = w.__analyser;
    const bins = new Float32Array(an.frequencyBinCount);
    an.getFloatFrequencyData(bins);
    let peak = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[peak]!) peak = i;
    return { peakHz: (peak * rate) / an.fftSize, peakDb: bins[peak]! };
  });
}

const hearsTone = (a: { peakHz: number; peakDb: number }) => Math.abs(a.peakHz - 1000) < 60 && a.peakDb > -60;

describe('talk back', () => {
  it('the owner\'s 1 kHz tone is heard on the phone only while push-to-talk is held', async () => {
    const silent = await waitFor(() => receivedAudio(camera), (a) => !hearsTone(a), { what: 'silence before talking' });
    expect(hearsTone(silent)).toBe(false);

    const talk = viewer.getByTestId('talk');
    await talk.hover();
    await viewer.mouse.down();
    await waitFor(() => receivedAudio(camera), hearsTone, { what: 'the 1 kHz tone on the phone', timeoutMs: 10_000 });
    await camera.getByTestId('talking').waitFor({ timeout: 5_000 });

    await viewer.mouse.up();
    await waitFor(() => receivedAudio(camera), (a) => !hearsTone(a), { what: 'silence after releasing', timeoutMs: 10_000 });
    await camera.getByTestId('talking').waitFor({ state: 'hidden', timeout: 5_000 });
  });
});

describe('camera controls', () => {
  it('a quality preset changes the received resolution without a new connection', async () => {
    const before = await inboundStats(viewer);
    const connections = before.openConnections;
    await viewer.getByTestId('quality').selectOption('360p15');
    const after = await waitFor(() => inboundStats(viewer), (s) => s.frameHeight > 0 && s.frameHeight <= 360, {
      what: '360p frames',
      timeoutMs: 20_000,
    });
    expect(after.openConnections).toBe(connections);
    await expectFramesFlowing(viewer);
    await viewer.getByTestId('quality').selectOption('720p30');
    await waitFor(() => inboundStats(viewer), (s) => s.frameHeight >= 480, { what: 'larger frames again', timeoutMs: 20_000 });
  });

  it('switching the camera keeps the picture coming on the same connection', async () => {
    // Fake cameras report no facing mode, so which camera is live is read from the phone's preview track.
    const cameraLabel = () =>
      camera.getByTestId('preview').evaluate((v) => ((v as HTMLVideoElement).srcObject as MediaStream | null)?.getVideoTracks()[0]?.label ?? '');
    const before = await cameraLabel();
    const connections = (await inboundStats(viewer)).openConnections;
    await viewer.getByTestId('switch-camera').click();
    await waitFor(cameraLabel, (label) => label !== '' && label !== before, { what: 'the other camera on the phone', timeoutMs: 15_000 });
    await expectFramesFlowing(viewer);
    expect((await inboundStats(viewer)).openConnections).toBe(connections);
  });

  it('the camera reports its status: resolution sent and uptime', async () => {
    const status = viewer.getByTestId('camera-status');
    const width = await waitFor(async () => Number(await status.getAttribute('data-width')), (w) => w > 0, { what: 'status with resolution' });
    expect(width).toBeGreaterThan(0);
    await expect(status.textContent()).resolves.toMatch(/\d+\s*[×x]\s*\d+/);
  });
});
