/**
 * The camera page in WebKit: Debian's WebKitGTK has getUserMedia but is built without WebRTC (no RTCPeerConnection). The
 * camera page must still load, show the camera's preview, and tell the user exactly that this browser cannot stream,
 * without throwing.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { newViewerId } from '../protocol/ids.ts';
import { newLinkInvitation, pairingLink } from '../protocol/pairing.ts';
import { waitFor } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { COLLECT_PAGE_ERRORS, launchWebKit, pageErrors, type WebDriverSession, type WebKitBrowser } from './support/webkit.ts';

let server: TestServer;
let webkit: WebKitBrowser;

beforeAll(async () => {
  server = await startTestServer();
  webkit = await launchWebKit();
});

afterAll(async () => {
  await webkit?.close();
  await server?.dispose();
});

interface Preview {
  width: number;
  height: number;
  time: number;
  paused: boolean;
  tracks: string[];
}

const READ_PREVIEW = `
  const v = document.querySelector('video[data-testid=preview]');
  if (!v) return null;
  const tracks = v.srcObject && v.srcObject.getTracks ? v.srcObject.getTracks().map((t) => t.kind + ':' + t.readyState) : [];
  return { width: v.videoWidth, height: v.videoHeight, time: v.currentTime, paused: v.paused, tracks };
`;

/** Open the camera page at `url` afresh and tap Start camera; checks the page came up whole first. */
async function startCamera(session: WebDriverSession, url: string): Promise<void> {
  // A fresh document even when only the fragment differs from the page already open.
  await session.navigate('about:blank');
  await session.navigate(url);
  await session.execute(COLLECT_PAGE_ERRORS);
  // The collector comes after the page's own scripts: a page that threw while loading would not be whole.
  await session.waitForSelector('[data-testid=start-camera]', 10_000);
  const cameraId = await session.execute<string>("return document.querySelector('[data-testid=camera-id]')?.textContent.trim() ?? ''");
  expect(cameraId).toMatch(/^cam-[0-9a-f]{32}$/);
  await session.click('[data-testid=start-camera]');
}

/** The page says, in words and by code, that this browser cannot stream; the preview plays the mock camera. */
async function expectPreviewButCannotStream(session: WebDriverSession): Promise<void> {
  await session.waitForSelector('[data-testid=error][data-code=unsupported-browser]', 15_000);
  const notice = await session.execute<string>("return document.querySelector('[data-testid=error]').innerText");
  expect(notice).toMatch(/this browser cannot stream/i);
  expect(notice).toMatch(/WebRTC/);

  const first = await waitFor(() => session.execute<Preview | null>(READ_PREVIEW), (p) => p !== null && p.width > 0 && !p.paused, {
    what: 'the preview to show the mock camera',
  });
  expect(first?.tracks).toContain('video:live');
  await waitFor(() => session.execute<Preview | null>(READ_PREVIEW), (p) => p !== null && p.time > first!.time + 0.5, {
    what: 'the preview to play on',
  });

  // It never tries to go live: no server status, no viewer count.
  const live = await session.execute<{ serverState: boolean; viewers: string | null }>(
    "return { serverState: document.querySelector('[data-testid=server-state]') !== null, viewers: document.querySelector('[data-testid=live]')?.getAttribute('data-viewers') ?? null }",
  );
  expect(live.serverState).toBe(false);
  expect(live.viewers ?? '0').toBe('0');
}

describe('the camera page in WebKitGTK (getUserMedia, no WebRTC)', () => {
  beforeEach(() => {
    onTestFailed(async () => {
      const shot = join(tmpdir(), `pawcam-webkit-failure-${Date.now()}.png`);
      await writeFile(shot, await webkit.session.screenshot()).catch(() => undefined);
      console.error(`WebKit screenshot: ${shot}\n--- WebKit output (end) ---\n${webkit.output().slice(-3000)}`);
    });
  });

  it('shows the mock camera and says precisely that this browser cannot stream, without uncaught errors', async () => {
    const { session } = webkit;
    const capabilities = await (async () => {
      await session.navigate(`${server.url}/`);
      return session.execute<{ peerConnection: string; getUserMedia: string; secure: boolean }>(
        'return { peerConnection: typeof RTCPeerConnection, getUserMedia: typeof navigator.mediaDevices?.getUserMedia, secure: window.isSecureContext }',
      );
    })();
    // What this engine is: if Debian ever builds WebKitGTK with WebRTC, this test no longer covers "cannot stream".
    expect(capabilities).toEqual({ peerConnection: 'undefined', getUserMedia: 'function', secure: true });

    await startCamera(session, `${server.url}/`);
    await expectPreviewButCannotStream(session);
    expect(await pageErrors(session)).toEqual([]);
  });

  it('opened from a pairing link, it says the same and does not pretend to pair', async () => {
    const { session } = webkit;
    await startCamera(session, pairingLink(server.url, newLinkInvitation(newViewerId(), Date.now())));
    await expectPreviewButCannotStream(session);
    const pairState = await session.execute<string | null>("return document.querySelector('[data-testid=pair-status]')?.getAttribute('data-state') ?? null");
    expect(['pairing', 'paired']).not.toContain(pairState);
    expect(await pageErrors(session)).toEqual([]);
  });
});
