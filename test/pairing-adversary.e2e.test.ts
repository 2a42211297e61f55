/**
 * The pairing attacks: a scripted malicious server (the real server with a hook that taps and rewrites
 * the frames it relays), a scripted malicious viewer, and real browsers for the camera and the honest viewers.
 * Each test plays one attack and asserts what the owner would notice: who the camera lists, whether an honest
 * viewer still gets a picture. Each failed against the code before the fix it guards (see the commit that added it).
 *
 * The server runs with `open: true`: these attacks come from parties that are enrolled (the server itself, a paired
 * viewer) or need no registration at all, so enrollment is beside the point here; the stranger's attacks on
 * enrollment are in ENROLL's adversary file.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import NodeWebSocket from 'ws';
import type { RelayedFrame } from '../peer-server/index.ts';
import { cameraStartPairing, newLinkInvitation, pairingLink, parseShortCode, viewerAcceptPairing, type PairAccept, type PairRequest } from '../protocol/pairing.ts';
import { expectFramesFlowing, invitationLink, openCamera, openViewer, pairNewCamera, waitForCameraState, watch } from './support/apps.ts';
import { launchChromium, newDeviceContext, waitFor } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** localStorage key the viewer reads to weaken its short codes (test only; pairing-host.ts TEST_CODE_BITS_KEY). */
const TEST_CODE_BITS_KEY = 'pawcam.test.shortCodeSecretBits';
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** What the malicious server does with relayed frames (switched per test). */
type Mode = 'honest' | 'steal-code-request';
let mode: Mode = 'honest';
let inject: ((frame: RelayedFrame) => boolean) | null = null;
const relayed: RelayedFrame[] = [];
/** Pairing requests the server kept from their viewer (steal-code-request). */
const stolen: RelayedFrame[] = [];

function relayTransform(frame: RelayedFrame, injectFrame: (f: RelayedFrame) => boolean): RelayedFrame[] {
  inject = injectFrame;
  relayed.push(structuredClone(frame));
  const kind = (frame.payload as { kind?: string }).kind;
  if (mode === 'steal-code-request' && kind === 'pair-request' && frame.dst.startsWith('pair-')) {
    stolen.push(structuredClone(frame));
    return [];
  }
  return [frame];
}

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function device(): Promise<BrowserContext> {
  const context = await newDeviceContext(browser);
  contexts.push(context);
  return context;
}

beforeAll(async () => {
  server = await startTestServer({ relayTransform, open: true });
  browser = await launchChromium();
});

beforeEach(() => {
  mode = 'honest';
  stolen.length = 0;
});

afterEach(async () => {
  // Every test's devices go, so one test's load (the flood) does not slow the next.
  for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.dispose();
});

/** The viewer IDs a page registered (from its signaling sockets' URLs). */
function socketIds(page: Page): string[] {
  const ids: string[] = [];
  page.on('websocket', (ws) => ids.push(new URL(ws.url()).searchParams.get('id') ?? ''));
  return ids;
}

async function pairedViewerIds(camera: Page): Promise<string[]> {
  return camera.locator('[data-testid=paired-viewer]').evaluateAll((els) => els.map((e) => e.getAttribute('data-viewer-id') ?? ''));
}

/**
 * The phone's running page is sent a pairing link (its tab navigated to it). Where the page asks the person at the
 * phone first, they say yes: the owner adds this viewer on purpose in the tests that use this.
 */
async function sendLinkToRunningCamera(camera: Page, link: string, settled: () => Promise<boolean>): Promise<void> {
  await camera.evaluate((hash) => {
    location.hash = hash;
  }, new URL(link).hash);
  const confirm = camera.getByTestId('pair-confirm-accept');
  await waitFor(async () => (await confirm.isVisible()) || (await settled()), Boolean, { what: 'the camera to ask or to finish pairing', timeoutMs: 30_000 });
  if (await confirm.isVisible()) await confirm.click();
}

/**
 * A scripted malicious viewer (or camera): registers its own ID over the PeerJS wire protocol, with nothing of the
 * app but protocol/ — it computes whatever the protocol lets it.
 */
async function scriptedPeer(kind: 'viewer' | 'cam' = 'viewer'): Promise<{ id: string; send: (dst: string, payload: unknown) => void; next: (kind: string) => Promise<{ src: string; payload: Record<string, unknown> }>; close: () => void }> {
  const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
  const id = `${kind}-${hex(16)}`;
  const ws = new NodeWebSocket(`${server.url.replace(/^http/, 'ws')}/peerjs/peerjs?key=pawcam&id=${id}&token=${hex(16)}`, { rejectUnauthorized: false });
  const inbox: { src: string; payload: Record<string, unknown> }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; src?: string; payload?: Record<string, unknown> };
    if (message.src && message.payload) inbox.push({ src: message.src, payload: message.payload });
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the scripted viewer was not registered')), 15_000);
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'OPEN') {
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on('error', reject);
  });
  const heartbeat = setInterval(() => ws.send(JSON.stringify({ type: 'HEARTBEAT' })), 5_000);
  return {
    id,
    send: (dst, payload) => ws.send(JSON.stringify({ type: 'CANDIDATE', dst, payload })),
    async next(kind) {
      const deadline = Date.now() + 30_000;
      for (let round = 0; round < 300; round++) {
        const found = inbox.findIndex((m) => m.payload['kind'] === kind);
        if (found >= 0) return inbox.splice(found, 1)[0]!;
        if (Date.now() > deadline) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      throw new Error(`the scripted viewer got no ${kind}`);
    },
    close() {
      clearInterval(heartbeat);
      ws.close();
    },
  };
}

describe('a malicious server', () => {
  it('cannot search a typed code offline from the exchange it relays, and gets one online guess, which fails', async () => {
    const viewer = await openViewer(await device(), server.url);
    // Test-only: 16-bit codes, so the search below covers every code in a moment.
    await viewer.evaluate((key) => localStorage.setItem(key, '16'), TEST_CODE_BITS_KEY);
    await viewer.getByTestId('add-camera').click();
    await viewer.getByTestId('use-code').click();
    const code = ((await viewer.getByTestId('pair-short-code').textContent()) ?? '').trim();
    expect(code).toMatch(/^[0-9A-Z]{6}-[0-9A-Z]{3}[01]-0000$/);

    mode = 'steal-code-request';
    const camera = await (await device()).newPage();
    await camera.goto(`${server.url}/`);
    await camera.locator('details:has([data-testid=pair-code]) > summary').click();
    await camera.getByTestId('pair-code').fill(code);
    await camera.getByTestId('pair-code-submit').click();
    await waitFor(async () => stolen.length, (n) => n > 0, { what: 'the camera’s pairing request' });
    const frame = stolen[0]!;
    const { v: _v, ...request } = frame.payload as PairRequest & { v: number };

    // Offline: every code of the (16-bit) code space, tested against the captured request with the protocol's own
    // checks. A candidate the transcript cannot tell from the others is no find.
    const handle = frame.dst.slice('pair-'.length).toUpperCase();
    const consistent: string[] = [];
    const mallory = `viewer-${'e'.repeat(32)}`;
    for (let n = 0; n < 1 << 16 && consistent.length < 2; n++) {
      const secret = [n & 31, (n >> 5) & 31, (n >> 10) & 31, (n >> 15) & 1].map((c) => CODE_ALPHABET[c]).join('') + '0000';
      const candidate = parseShortCode(`${handle}${secret}`, Date.now());
      if (!candidate.ok) throw new Error(candidate.error);
      if (await viewerAcceptPairing(candidate.value, request, frame.src, mallory, 'Mallory')) consistent.push(secret);
    }
    const found = consistent.length === 1 ? consistent[0]! : null;
    expect(found, 'the offline search singled out the code').toBeNull();

    // Online: the server plays the viewer with one guess (it has nothing better than the first candidate).
    const guess = parseShortCode(`${handle}${consistent[0] ?? '00000000'}`, Date.now());
    if (!guess.ok) throw new Error(guess.error);
    const accepted = await viewerAcceptPairing(guess.value, request, frame.src, mallory, 'Mallory');
    expect(inject?.({ type: 'CANDIDATE', src: frame.dst, dst: frame.src, payload: { v: 1, ...accepted!.accept } })).toBe(true);
    await camera.locator('[data-testid=pair-status][data-state=failed]').waitFor({ timeout: 20_000 });
    expect(await pairedViewerIds(camera)).toEqual([]);
    // The guess burned the attempt on the phone: the same code is not tried again.
    await camera.getByTestId('pair-code').fill(code);
    await camera.getByTestId('pair-code-submit').click();
    await camera.locator('[data-testid=pair-status][data-state=failed][data-code=pairing-used]').waitFor({ timeout: 20_000 });
    expect(stolen).toHaveLength(1);
  });
});

describe('a guesser at typed codes', () => {
  it('gets one try per code, and after 3 failed tries in a row the viewer pauses typed codes until its owner resumes them', async () => {
    const viewer = await openViewer(await device(), server.url);
    await viewer.getByTestId('add-camera').click();
    await viewer.getByTestId('use-code').click();
    // The guesser: a device of its own on the server (any enrolled device, or the server itself) playing a camera.
    const guesser = await scriptedPeer('cam');
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const code = ((await viewer.getByTestId('pair-short-code').textContent()) ?? '').trim();
        await viewer.locator('[data-testid=pair-status][data-state=waiting]').waitFor({ timeout: 20_000 });
        const rendezvousId = `pair-${code.slice(0, 6).toLowerCase()}`;
        // It knows the handle (the rendezvous ID), not the secret: it guesses.
        const guess = parseShortCode(`${code.slice(0, 6)}00000000`, Date.now());
        if (!guess.ok) throw new Error(guess.error);
        const attemptState = await cameraStartPairing(guess.value, guesser.id, 'Mallory cam');
        guesser.send(rendezvousId, { v: 1, ...attemptState.request });
        const { payload } = await guesser.next('pair-accept');
        const { v: _v, ...accept } = payload as PairAccept & { v: number };
        // Its guess was wrong (2^-40): its own check fails, and it says so, as a camera would.
        expect(await attemptState.finish(accept)).toBeNull();
        guesser.send(rendezvousId, { v: 1, kind: 'pair-error', reason: 'invalid' });
        await viewer.locator('[data-testid=pair-status][data-state=failed]').waitFor({ timeout: 20_000 });
        if (attempt < 3) await viewer.getByTestId('pair-new').click();
      }
    } finally {
      guesser.close();
    }
    await viewer.locator('[data-testid=pair-status][data-code=pairing-paused]').waitFor({ timeout: 10_000 });
    await expect(viewer.getByTestId('pair-status').textContent()).resolves.toMatch(/paused/i);
    // No 'Make a new code' any more: only the owner's 'Allow typed codes again'.
    await expect(viewer.getByTestId('pair-new').count()).resolves.toBe(0);
    const usedCode = await viewer.getByTestId('pair-short-code').textContent();
    // The owner starts typed codes again: a fresh code is shown and waits for the phone.
    await viewer.getByTestId('resume-codes').click();
    await viewer.locator('[data-testid=pair-status][data-state=waiting]').waitFor({ timeout: 20_000 });
    await expect(viewer.getByTestId('pair-short-code').textContent()).resolves.not.toBe(usedCode);
  });
});

describe('a paired viewer', () => {
  it('cannot overwrite another paired viewer’s key (the accept names that viewer’s ID)', async () => {
    const honest = await openViewer(await device(), server.url);
    const { page: camera, cameraId } = await pairNewCamera(honest, await device());
    const [victimId] = await pairedViewerIds(camera);
    expect(victimId).toMatch(/^viewer-/);

    // The owner adds a second viewer — whose software is malicious: its accept claims the first viewer's ID.
    const mallory = await scriptedPeer();
    try {
      const invitation = newLinkInvitation(mallory.id, Date.now());
      let asked = false;
      const answered = (async () => {
        const { src, payload } = await mallory.next('pair-request');
        asked = true;
        const { v: _v, ...request } = payload as PairRequest & { v: number };
        const accepted = await viewerAcceptPairing(invitation, request, src, victimId!, 'Office PC');
        mallory.send(src, { v: 1, ...accepted!.accept });
        return { src, accepted: accepted! };
      })();
      await sendLinkToRunningCamera(camera, pairingLink(server.url, invitation), async () => asked);
      const { src } = await answered;
      expect(src).toBe(cameraId);
      // The camera settles the attempt one way or the other.
      await camera.locator('[data-testid=pair-status][data-state=failed], [data-testid=pair-status][data-state=paired]').first().waitFor({ timeout: 20_000 });
      await expect(camera.locator('[data-testid=pair-status]').getAttribute('data-state')).resolves.toBe('failed');
    } finally {
      mallory.close();
    }
    expect(await pairedViewerIds(camera)).toEqual([victimId]);
    // The first viewer's key still works: it watches.
    await waitForCameraState(honest, cameraId, 'online', 30_000);
    await watch(honest, cameraId);
    await expectFramesFlowing(honest);
  });

  it('cannot fill the camera’s replay cache and lock the other viewers out', async () => {
    const victim = await openViewer(await device(), server.url);
    const { page: camera, cameraId } = await pairNewCamera(victim, await device());
    const attacker = await (await device()).newPage();
    const attackerIds = socketIds(attacker);
    await attacker.goto(`${server.url}/viewer/`);
    const link = await invitationLink(attacker);
    await sendLinkToRunningCamera(camera, link, async () => (await pairedViewerIds(camera)).length === 2);
    await attacker.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
    const attackerId = attackerIds.find((id) => id.startsWith('viewer-'))!;
    expect(await pairedViewerIds(camera)).toContain(attackerId);

    // The attacker signs thousands of fresh offers with its own pair key (in its own page: the key is not
    // extractable, but its owner can use it) and has them delivered to the camera at once.
    const FLOOD = 4200;
    const offers = await attacker.evaluate(
      async ({ cameraId, viewerId, count }) => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open('pawcam-viewer');
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        const row = await new Promise<{ key: CryptoKey }>((resolve, reject) => {
          const get = db.transaction('pair-keys').objectStore('pair-keys').get(cameraId);
          get.onsuccess = () => resolve(get.result as { key: CryptoKey });
          get.onerror = () => reject(get.error);
        });
        const pc = new RTCPeerConnection();
        pc.createDataChannel('x');
        await pc.setLocalDescription(await pc.createOffer());
        const sdp = pc.localDescription!.sdp;
        pc.close();
        const enc = new TextEncoder();
        const transcript = (...fields: (string | number)[]) => {
          const parts = fields.map((f) => enc.encode(String(f)));
          const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
          const view = new DataView(out.buffer);
          let at = 0;
          for (const p of parts) {
            view.setUint32(at, p.length);
            out.set(p, at + 4);
            at += 4 + p.length;
          }
          return out;
        };
        const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
        const out: { sid: string; auth: { nonce: string; ts: number; mac: string } }[] = [];
        for (let i = 0; i < count; i++) {
          const sid = hex(4);
          const nonce = hex(12);
          const ts = Date.now();
          const mac = new Uint8Array(await crypto.subtle.sign('HMAC', row.key, transcript('pawcam-offer-v1', viewerId, cameraId, sid, nonce, ts, sdp)));
          out.push({ sid, auth: { nonce, ts, mac: b64(mac) } });
        }
        return { sdp, out };
      },
      { cameraId, viewerId: attackerId, count: FLOOD },
    );
    expect(inject).not.toBeNull();
    for (const { sid, auth } of offers.out) {
      expect(inject!({ type: 'OFFER', src: attackerId, dst: cameraId, payload: { v: 1, kind: 'signal', sid, signal: { type: 'offer', sdp: offers.sdp }, auth } })).toBe(true);
    }
    // The victim dials after the flood (its offer reaches the camera behind all of it) and is not locked out: its
    // offer is answered, not refused as a replay, and the picture plays. Its standby link was dialled before the
    // flood, so it reloads: the reloaded viewer dials again and opens its only camera by itself.
    const victimId = (await pairedViewerIds(camera)).find((id) => id !== attackerId)!;
    const toVictim = () => relayed.filter((f) => f.src === cameraId && f.dst.startsWith(victimId) && (f.type === 'ANSWER' || (f.payload as { kind?: string }).kind === 'hangup'));
    const seenBefore = toVictim().length;
    await victim.reload();
    await waitForCameraState(victim, cameraId, 'watching', 30_000);
    // The old standby link's end may come first (its page went away); what counts is the new dial's reply.
    const kindOf = (f: (typeof relayed)[number]) => (f.type === 'ANSWER' ? 'answer' : ((f.payload as { reason?: string }).reason ?? ''));
    const reply = await waitFor(
      async () => toVictim().slice(seenBefore).map(kindOf),
      (kinds) => kinds.some((k) => k === 'answer' || k.startsWith('refused')),
      { what: 'the camera’s reply to the victim', timeoutMs: 90_000 },
    );
    expect(reply.find((k) => k === 'answer' || k.startsWith('refused'))).toBe('answer');
    await expectFramesFlowing(victim);
  }, 300_000);
});

describe('someone who gets a link opened on the phone', () => {
  it('does not pair with a running camera unless the person at the phone says yes', async () => {
    const owner = await openViewer(await device(), server.url);
    const { page: camera } = await pairNewCamera(owner, await device());
    const before = await pairedViewerIds(camera);

    const stranger = await openViewer(await device(), server.url);
    const link = await invitationLink(stranger);
    const requestsBefore = relayed.filter((f) => (f.payload as { kind?: string }).kind === 'pair-request').length;
    await camera.evaluate((hash) => {
      location.hash = hash;
    }, new URL(link).hash);
    await camera.locator('[data-testid=pair-status][data-state=confirm]').waitFor({ timeout: 20_000 });
    expect(relayed.filter((f) => (f.payload as { kind?: string }).kind === 'pair-request').length).toBe(requestsBefore);
    await camera.getByTestId('pair-confirm-reject').click();
    await expect(camera.locator('[data-testid=pair-status]').count()).resolves.toBe(0);

    // Nothing was sent, nothing was kept: the stranger still waits, the camera lists only its owner's viewer.
    expect(relayed.filter((f) => (f.payload as { kind?: string }).kind === 'pair-request').length).toBe(requestsBefore);
    await expect(stranger.locator('[data-testid=pair-status]').getAttribute('data-state')).resolves.toBe('waiting');
    expect(await pairedViewerIds(camera)).toEqual(before);
    await expect(stranger.locator('[data-testid=camera-item]').count()).resolves.toBe(0);
  });

  it('a page opened with the link is the owner’s own act: it pairs once Start camera is tapped', async () => {
    const owner = await openViewer(await device(), server.url);
    const link = await invitationLink(owner);
    const { page: camera } = await openCamera(await device(), link);
    await camera.locator('[data-testid=pair-status][data-state=paired]').waitFor({ timeout: 20_000 });
    expect(await pairedViewerIds(camera)).toHaveLength(1);
  });
});
