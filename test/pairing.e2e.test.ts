/**
 * Pairing end to end: only a paired, unrevoked viewer ever gets an answer or media — not a stranger who knows the
 * camera ID, not a revoked viewer, not a server that rewrites or replays what it relays.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import NodeWebSocket from 'ws';
import type { RelayedFrame } from '../peer-server/index.ts';
import {
  cameraItem,
  expectFramesFlowing,
  expectPaired,
  invitationLink,
  liveViewers,
  openCamera,
  openViewer,
  pairNewCamera,
  pairRunningCamera,
  waitForCameraState,
  watch,
} from './support/apps.ts';
import { inboundStats, launchChromium, newDeviceContext, waitFor } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** What the simulated malicious operator does to relayed frames (switched per test). */
type Mode = 'honest' | 'rewrite-answer-fingerprint' | 'rewrite-offer-fingerprint' | 'replay-answer';
let mode: Mode = 'honest';
/** The last honest answer each viewer got, by viewer ID. */
const capturedAnswers = new Map<string, RelayedFrame>();
let capturedOffer: RelayedFrame | null = null;
let inject: ((f: RelayedFrame) => boolean) | null = null;
const relayed: RelayedFrame[] = [];

const swapFingerprint = (frame: RelayedFrame): RelayedFrame => {
  const copy = structuredClone(frame);
  const payload = copy.payload as { signal?: { sdp?: string } };
  if (payload.signal?.sdp) {
    payload.signal.sdp = payload.signal.sdp.replace(/a=fingerprint:sha-256 [0-9A-F:]+/g, `a=fingerprint:sha-256 ${Array(32).fill('EE').join(':')}`);
  }
  return copy;
};

function relayTransform(frame: RelayedFrame, injectFrame: (f: RelayedFrame) => boolean): RelayedFrame[] {
  inject = injectFrame;
  relayed.push(structuredClone(frame));
  const payload = frame.payload as { kind?: string; sid?: string; signal?: { type?: string } };
  const isAnswer = frame.type === 'ANSWER' && payload.signal?.type === 'answer';
  const isOffer = frame.type === 'OFFER' && payload.signal?.type === 'offer';
  if (isOffer) capturedOffer = structuredClone(frame);
  switch (mode) {
    case 'honest':
      if (isAnswer) capturedAnswers.set(frame.dst, structuredClone(frame));
      return [frame];
    case 'rewrite-answer-fingerprint':
      return [isAnswer ? swapFingerprint(frame) : frame];
    case 'rewrite-offer-fingerprint':
      return [isOffer ? swapFingerprint(frame) : frame];
    case 'replay-answer': {
      // Drop the camera's real answer; hand the viewer the one captured from an earlier session, re-labelled.
      const earlier = capturedAnswers.get(frame.dst);
      if (!isAnswer || !earlier) return [frame];
      const replay = structuredClone(earlier);
      (replay.payload as { sid: string }).sid = payload.sid!;
      return [replay];
    }
  }
}

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ relayTransform });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

/** Peer connections of the page that got a remote description (an answer): a viewer that was answered. */
async function answeredConnections(page: Page): Promise<number> {
  return page.evaluate(
    () => ((window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []).filter((pc) => pc.remoteDescription !== null).length,
  );
}

async function liveError(viewer: Page, code: string): Promise<string> {
  const errors = viewer.locator('[data-testid=error]');
  const shown = await waitFor(
    async () => errors.evaluateAll((els) => els.map((e) => ({ code: e.getAttribute('data-code'), text: e.textContent ?? '' }))),
    (list) => list.some((e) => e.code === code),
    { what: `a ${code} error`, timeoutMs: 30_000 },
  );
  return shown.find((e) => e.code === code)!.text;
}

describe('pairing', () => {
  it('pairs through the QR link, watches, and stays paired across reloads of both pages', async () => {
    const viewer = await openViewer(await newDeviceContext(browser), server.url);
    const phone = await newDeviceContext(browser);
    const { page: camera, cameraId } = await pairNewCamera(viewer, phone);
    // The secret left the phone's address bar as soon as the page read it.
    expect(new URL(camera.url()).hash).toBe('');
    await expect(camera.locator('[data-testid=paired-viewer]').count()).resolves.toBe(1);

    await waitForCameraState(viewer, cameraId, 'online');
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);

    await camera.reload();
    // The camera was left on and the test browser keeps the permission: it starts again by itself.
    await camera.getByTestId('preview').waitFor({ timeout: 20_000 });
    await camera.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 20_000 });
    await viewer.reload();
    // The viewer opens on the camera it watched last, without a click (not on "Nothing playing").
    await expectFramesFlowing(viewer);
    await waitForCameraState(viewer, cameraId, 'watching', 20_000);
    await expect(camera.locator('[data-testid=paired-viewer]').count()).resolves.toBe(1);
    await viewer.context().close();
    await phone.close();
  });

  it('an invitation works once: a second phone opening the same link is told it was used', async () => {
    const viewer = await openViewer(await newDeviceContext(browser), server.url);
    const link = await invitationLink(viewer);
    const first = await openCamera(await newDeviceContext(browser), link);
    await expectPaired(viewer, first.page);
    // The second phone is one the server already knows (enrolled before); a new one could not even register, as the
    // link's enrollment credential is spent too.
    const secondPhone = await newDeviceContext(browser);
    const enrolled = await openCamera(secondPhone, server.url);
    await enrolled.page.close();
    const second = await openCamera(secondPhone, link);
    await second.page.locator('[data-testid=pair-status][data-state=failed][data-code=pairing-used]').waitFor({ timeout: 20_000 });
    await expect(cameraItem(viewer, second.cameraId).count()).resolves.toBe(0);
    await viewer.context().close();
    await first.page.context().close();
    await second.page.context().close();
  });
});

describe('who gets an answer', () => {
  let viewer: Page;
  let viewerContext: BrowserContext;
  let camera: Page;
  let cameraId: string;

  beforeAll(async () => {
    mode = 'honest';
    viewerContext = await newDeviceContext(browser);
    viewer = await openViewer(viewerContext, server.url);
    ({ page: camera, cameraId } = await pairNewCamera(viewer, await newDeviceContext(browser)));
    await waitForCameraState(viewer, cameraId, 'online');
  });

  it('a stranger who knows the camera ID gets no answer, no presence reply and no media', async () => {
    const stranger = await (await newDeviceContext(browser)).newPage();
    await stranger.goto(`${server.url}/healthz`);
    // The worst case on a closed server: the stranger holds an enrolled ID (a device of another household).
    const strangerId = `viewer-${randomBytes(16).toString('hex')}`;
    const strangerToken = randomBytes(16).toString('hex');
    await server.enroll(strangerId, strangerToken);
    await stranger.evaluate(async ({ camId, id, token }) => {
      const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
      const ws = new WebSocket(`wss://${location.host}/peerjs/peerjs?key=pawcam&id=${id}&token=${token}`);
      const received: { type: string }[] = [];
      (window as unknown as { __stranger: unknown }).__stranger = { received };
      await new Promise<void>((resolve, reject) => {
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data)) as { type: string };
          received.push(m);
          if (m.type === 'OPEN') resolve();
        };
        ws.onerror = () => reject(new Error('stranger socket failed'));
      });
      const pc = new RTCPeerConnection({ iceServers: [] });
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const sdp = pc.localDescription!.sdp;
      const send = (type: string, payload: object) => ws.send(JSON.stringify({ type, dst: camId, payload }));
      send('OFFER', { v: 1, kind: 'signal', sid: hex(4), signal: { type: 'offer', sdp } });
      send('OFFER', { v: 1, kind: 'signal', sid: hex(4), signal: { type: 'offer', sdp }, auth: { nonce: hex(12), ts: Date.now(), mac: 'A'.repeat(43) } });
      send('CANDIDATE', { v: 1, kind: 'ping', nonce: hex(8) });
      send('CANDIDATE', { v: 1, kind: 'ping', nonce: hex(8), auth: { nonce: hex(8), ts: Date.now(), mac: 'B'.repeat(43) } });
    }, { camId: cameraId, id: strangerId, token: strangerToken });

    // The paired viewer's session, started after the stranger's messages, is answered: the camera has handled
    // everything the stranger sent by then.
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);
    const received = await stranger.evaluate(() => (window as unknown as { __stranger: { received: { type: string }[] } }).__stranger.received.map((m) => m.type));
    expect(received.filter((t) => t !== 'OPEN' && t !== 'HEARTBEAT')).toEqual([]);
    expect(await answeredConnections(stranger)).toBe(0);
    await expect.poll(() => liveViewers(camera)).toBe(1);
    await viewer.getByTestId('stop').click();
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(0);
    await stranger.context().close();
  });

  it('a revoked viewer loses its live picture at once and is never answered again', async () => {
    // Learn the other viewer's registered ID from its signaling socket, to pick its row on the camera page.
    const other = await (await newDeviceContext(browser)).newPage();
    const socketIds: string[] = [];
    other.on('websocket', (ws) => socketIds.push(new URL(ws.url()).searchParams.get('id') ?? ''));
    // Another viewer of the same household: opened with the owner link, as the owner would.
    await other.goto(server.ownerLink);
    await pairRunningCamera(other, camera, cameraId);
    await waitForCameraState(other, cameraId, 'online');
    await watch(other, cameraId);
    await expectFramesFlowing(other);

    const target = socketIds.find((id) => id.startsWith('viewer-')) ?? '';
    expect(target).not.toBe('');
    camera.once('dialog', (d) => void d.accept());
    await camera.locator(`[data-testid=paired-viewer][data-viewer-id="${target}"]`).getByTestId('revoke').click();
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(0);

    // The revoked viewer tries again (by itself, or with Watch): it makes a new offer…
    const framesAtRevoke = (await inboundStats(other)).framesDecoded;
    const answeredAtRevoke = await answeredConnections(other);
    const pcCount = () => other.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.length);
    const pcsAtRevoke = await pcCount();
    await cameraItem(other, cameraId).getByTestId('watch').click({ timeout: 3_000 }).catch(() => undefined);
    await waitFor(pcCount, (n) => n > pcsAtRevoke, { what: 'a new offer from the revoked viewer', timeoutMs: 30_000 });
    // …and the paired viewer's session, started after it, is answered: the camera has handled that offer by then.
    await watch(viewer, cameraId);
    await expectFramesFlowing(viewer);
    expect(await answeredConnections(other)).toBe(answeredAtRevoke);
    expect((await inboundStats(other)).framesDecoded).toBeLessThanOrEqual(framesAtRevoke);
    await expect.poll(() => liveViewers(camera)).toBe(1);
    await viewer.getByTestId('stop').click();
    await expect.poll(() => liveViewers(camera), { timeout: 10_000 }).toBe(0);
    await other.context().close();
  });

  it('a relay that rewrites the DTLS fingerprint in the answer is caught by the viewer; no media flows', async () => {
    mode = 'rewrite-answer-fingerprint';
    try {
      // A dial made now goes through the rewriting relay: the reloaded viewer dials its only camera by itself (its
      // standby link from before was dialled honestly, and Watch would only raise it).
      await viewer.reload();
      expect(await liveError(viewer, 'tampered')).toMatch(/tamper|altered/i);
      expect((await inboundStats(viewer)).framesDecoded).toBe(0);
      await expect.poll(() => liveViewers(camera)).toBe(0);
    } finally {
      mode = 'honest';
    }
  });

  it('a relay that rewrites the fingerprint in the offer is refused by the camera, and the viewer says so', async () => {
    mode = 'rewrite-offer-fingerprint';
    try {
      await viewer.reload();
      await waitForCameraState(viewer, cameraId, 'online');
      await watch(viewer, cameraId);
      expect(await liveError(viewer, 'tampered')).toMatch(/tamper|altered|refused/i);
      expect((await inboundStats(viewer)).framesDecoded).toBe(0);
      await expect.poll(() => liveViewers(camera)).toBe(0);
    } finally {
      mode = 'honest';
    }
  });

  it('a relay that replays an earlier answer into a new session is caught; a replayed offer is never answered', async () => {
    await viewer.reload();
    // The reloaded viewer opens on its only camera by itself (an honest watch, whose answer the relay keeps).
    await waitForCameraState(viewer, cameraId, 'watching');
    expect(capturedAnswers.size).toBeGreaterThan(0);
    mode = 'replay-answer';
    try {
      // Reloaded again, it dials again by itself, and the relay answers with an earlier answer.
      await viewer.reload();
      expect(await liveError(viewer, 'tampered')).toMatch(/tamper|altered/i);
      expect((await inboundStats(viewer)).framesDecoded).toBe(0);
    } finally {
      mode = 'honest';
    }

    // Replay the last captured offer to the camera: it must not answer it again.
    const offer = capturedOffer;
    expect(offer).not.toBeNull();
    const answersBefore = relayed.filter((f) => f.type === 'ANSWER').length;
    expect(inject?.(structuredClone(offer!))).toBe(true);
    const refusal = await waitFor(
      async () => relayed.filter((f) => f.type === 'CANDIDATE' && (f.payload as { kind?: string }).kind === 'hangup').map((f) => (f.payload as { reason?: string }).reason ?? ''),
      (reasons) => reasons.some((r) => r.startsWith('refused: replay')),
      { what: 'the camera to refuse the replayed offer' },
    );
    expect(refusal.length).toBeGreaterThan(0);
    expect(relayed.filter((f) => f.type === 'ANSWER').length).toBe(answersBefore);
    await expect.poll(() => liveViewers(camera)).toBe(0);
  });
});

describe('registration is protected', () => {
  function register(id: string, token: string): Promise<string> {
    const url = `${server.url.replace(/^http/, 'ws')}/peerjs/peerjs?key=pawcam&id=${id}&token=${token}`;
    return new Promise((resolve, reject) => {
      const ws = new NodeWebSocket(url, { rejectUnauthorized: false });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('no answer from the server'));
      }, 10_000);
      ws.on('message', (data) => {
        const type = (JSON.parse(String(data)) as { type: string }).type;
        if (type === 'HEARTBEAT') return;
        clearTimeout(timer);
        ws.close();
        resolve(type);
      });
      ws.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }
  const otherToken = 'f'.repeat(32);

  it('a second client cannot take a live camera\'s ID, nor right after the camera drops; the camera gets it back', async () => {
    const context = await newDeviceContext(browser);
    const first = await openCamera(context, server.url);
    // A closed server answers "not-enrolled" (an ERROR) alike for a held ID and an unknown one: nothing to learn.
    await expect(register(first.cameraId, otherToken)).resolves.toBe('ERROR');
    await first.page.close();
    await expect(register(first.cameraId, otherToken)).resolves.toBe('ERROR');
    const again = await openCamera(context, server.url);
    expect(again.cameraId).toBe(first.cameraId);
    await context.close();
  });
});
