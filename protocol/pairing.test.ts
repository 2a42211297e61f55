import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRESHNESS_MS, pairMacKey, ReplayGuard, signAnswer, signOffer, signPing, signPong, verifyAnswer, verifyOffer, verifyPing, verifyPong } from './auth.ts';
import { parseEnvelope } from './envelope.ts';
import {
  cameraStartPairing,
  encodeInvitation,
  INVITATION_TTL_MS,
  newLinkInvitation,
  newShortCode,
  pairingLink,
  parseInvitation,
  parseShortCode,
  viewerAcceptPairing,
  type Invitation,
  type PairRequest,
} from './pairing.ts';

const NOW = 1_800_000_000_000;
const CAM = 'cam-0123456789abcdef0123456789abcdef';
const VIEWER = 'viewer-00112233445566778899aabbccddeeff';

async function pairOnce(inv: Invitation) {
  const cam = await cameraStartPairing(inv, CAM, 'Rex cam');
  const viewer = await viewerAcceptPairing(inv, cam.request, CAM, VIEWER, 'Office PC');
  if (!viewer) throw new Error('viewer refused a good request');
  const finished = await cam.finish(viewer.accept);
  if (!finished) throw new Error('camera refused a good accept');
  return { cam, viewer, finished };
}

describe('pairing', () => {
  it('gives both sides the same key and each other\'s names and IDs', async () => {
    const { viewer, finished } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    expect(finished.pairing.peerId).toBe(VIEWER);
    expect(finished.pairing.peerName).toBe('Office PC');
    expect(viewer.pairing.peerId).toBe(CAM);
    expect(viewer.pairing.peerName).toBe('Rex cam');
    expect(Buffer.from(finished.pairing.key).equals(Buffer.from(viewer.pairing.key))).toBe(true);
    expect(await viewer.confirmDone(finished.done)).toBe(true);
  });

  it('every pairing makes a different key, even with the same invitation secret', async () => {
    const inv = newLinkInvitation(VIEWER, NOW);
    const a = await pairOnce(inv);
    const b = await pairOnce(inv);
    expect(Buffer.from(a.viewer.pairing.key).equals(Buffer.from(b.viewer.pairing.key))).toBe(false);
  });

  it('a relay that swaps shares, names or IDs, or a wrong secret, gets no pairing on either side', async () => {
    const inv = newLinkInvitation(VIEWER, NOW);
    const mallory = await cameraStartPairing(inv, CAM, 'Rex cam');
    const fresh = () => cameraStartPairing(inv, CAM, 'Rex cam');
    expect(await viewerAcceptPairing(inv, (await fresh()).request, 'cam-ffffffffffffffffffffffffffffffff', VIEWER, 'PC')).toBeNull();
    // The viewer answers any well-formed request (nothing in it can be checked), but a changed request or a wrong
    // secret gives keys whose confirmations do not match.
    for (const tamper of [
      (r: PairRequest) => ({ ...r, pub: mallory.request.pub }),
      (r: PairRequest) => ({ ...r, name: 'Evil' }),
      (r: PairRequest) => ({ ...r, sid: mallory.request.sid }),
    ]) {
      const cam = await fresh();
      const viewer = await viewerAcceptPairing(inv, tamper(cam.request), CAM, VIEWER, 'PC');
      expect(await cam.finish(viewer!.accept)).toBeNull();
    }
    const cam = await fresh();
    const wrong = await viewerAcceptPairing(newLinkInvitation(VIEWER, NOW), cam.request, CAM, VIEWER, 'PC');
    expect(await cam.finish(wrong!.accept)).toBeNull();
    const cam2 = await fresh();
    const viewer = await viewerAcceptPairing(inv, cam2.request, CAM, VIEWER, 'PC');
    const forged = await viewerAcceptPairing(inv, mallory.request, CAM, VIEWER, 'PC');
    expect(await cam2.finish({ ...viewer!.accept, pub: forged!.accept.pub })).toBeNull();
    // One accept per request: the guess above burned it, even the right accept is refused now.
    expect(await cam2.finish(viewer!.accept)).toBeNull();
    const cam3 = await fresh();
    const ok = await viewerAcceptPairing(inv, cam3.request, CAM, VIEWER, 'PC');
    const done = await cam3.finish(ok!.accept);
    expect(done).not.toBeNull();
    expect(await ok!.confirmDone({ kind: 'pair-done', confirm: forged!.accept.confirm })).toBe(false);
  });

  it('a link binds the viewer ID: an accept naming another viewer is refused (no overwriting its key)', async () => {
    const inv = newLinkInvitation(VIEWER, NOW);
    const cam = await cameraStartPairing(inv, CAM, 'Rex cam');
    const viewer = await viewerAcceptPairing(inv, cam.request, CAM, 'viewer-ffffffffffffffffffffffffffffffff', 'PC');
    expect(await cam.finish(viewer!.accept)).toBeNull();
  });

  it('a wrong short code is one failed guess; the camera learns nothing it could retry with', async () => {
    const { code, invitation } = newShortCode(NOW);
    const wrongText = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
    const typed = parseShortCode(wrongText, NOW);
    if (!typed.ok) throw new Error(typed.error);
    const cam = await cameraStartPairing(typed.value, CAM, 'Rex cam');
    const viewer = await viewerAcceptPairing(invitation, cam.request, CAM, VIEWER, 'PC');
    expect(await cam.finish(viewer!.accept)).toBeNull();
  });

  it('test-only short codes with 16 secret bits keep the format', () => {
    for (let i = 0; i < 50; i++) {
      const { code } = newShortCode(NOW, { secretBits: 16 });
      expect(code).toMatch(/^[0-9A-Z]{6}-[0-9A-Z]{3}[01]-0000$/);
    }
  });

  it('invitation links round-trip and garbage never throws', () => {
    const inv = newLinkInvitation(VIEWER, NOW);
    const link = pairingLink('https://192.168.1.5:8443/', inv);
    expect(link).toMatch(/^https:\/\/192\.168\.1\.5:8443\/#pair=viewer-/);
    const parsed = parseInvitation(new URL(link).hash);
    expect(parsed).toEqual({ ok: true, value: inv });
    expect(parseInvitation(encodeInvitation(inv)).ok).toBe(true);
    fc.assert(fc.property(fc.string(), (s) => {
      expect(typeof parseInvitation(s).ok).toBe("boolean");
    }), { numRuns: 2000 });
  });

  it('short codes parse forgivingly and pair like links', async () => {
    const { code, invitation } = newShortCode(NOW);
    expect(code).toMatch(/^[0-9A-Z]{6}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const typed = parseShortCode(` ${code.toLowerCase().replace(/-/g, ' ')} `, NOW);
    expect(typed.ok && typed.value.expiresAt).toBe(NOW + INVITATION_TTL_MS);
    expect(typed.ok).toBe(true);
    if (!typed.ok) return;
    expect(typed.value.rendezvousId).toBe(invitation.rendezvousId);
    const cam = await cameraStartPairing(typed.value, CAM, 'Rex cam');
    const viewer = await viewerAcceptPairing(invitation, cam.request, CAM, VIEWER, 'PC');
    const done = await cam.finish(viewer!.accept);
    expect(done).not.toBeNull();
    expect(await viewer!.confirmDone(done!.done)).toBe(true);
    expect(parseShortCode('ABC', NOW).ok).toBe(false);
    fc.assert(fc.property(fc.string(), (s) => {
      expect(typeof parseShortCode(s, NOW).ok).toBe("boolean");
    }), { numRuns: 2000 });
  });

  it('pairing messages travel as envelopes', async () => {
    const { cam, viewer, finished } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    for (const m of [cam.request, viewer.accept, finished.done, { kind: 'pair-error', reason: 'expired' }]) {
      expect(parseEnvelope(JSON.parse(JSON.stringify({ v: 1, ...m }))).ok).toBe(true);
    }
  });
});

describe('signal authentication', () => {
  const ctx = { viewerId: VIEWER, cameraId: CAM, sid: 'abcdef0123', sdp: 'v=0\r\na=fingerprint:sha-256 AA:BB\r\n' };

  it('accepts a fresh offer once; refuses a replay, a stale one, a rewritten fingerprint and another key', async () => {
    const { viewer } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    const key = await pairMacKey(viewer.pairing.key);
    const auth = await signOffer(key, ctx, NOW);
    const guard = new ReplayGuard();
    expect(await verifyOffer(key, ctx, auth, NOW + 1000, guard)).toBeNull();
    expect(await verifyOffer(key, ctx, auth, NOW + 2000, guard)).toBe('replay');
    expect(await verifyOffer(key, { ...ctx, sdp: ctx.sdp.replace('AA:BB', 'CC:DD') }, auth, NOW, new ReplayGuard())).toBe('bad-mac');
    expect(await verifyOffer(key, ctx, auth, NOW + FRESHNESS_MS + 1, new ReplayGuard())).toBe('stale');
    const { viewer: other } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    expect(await verifyOffer(await pairMacKey(other.pairing.key), ctx, auth, NOW, new ReplayGuard())).toBe('bad-mac');
  });

  it('covers the relay-only request: a relay cannot strip or add it', async () => {
    const { viewer } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    const key = await pairMacKey(viewer.pairing.key);
    const auth = await signOffer(key, { ...ctx, relayOnly: true }, NOW);
    expect(await verifyOffer(key, { ...ctx, relayOnly: true }, auth, NOW, new ReplayGuard())).toBeNull();
    expect(await verifyOffer(key, ctx, auth, NOW, new ReplayGuard())).toBe('bad-mac');
    const plain = await signOffer(key, ctx, NOW);
    expect(await verifyOffer(key, { ...ctx, relayOnly: true }, plain, NOW, new ReplayGuard())).toBe('bad-mac');
  });

  it('covers the standby-link request: a relay cannot turn a standby link into a live watch or back', async () => {
    const { viewer } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    const key = await pairMacKey(viewer.pairing.key);
    const auth = await signOffer(key, { ...ctx, standbyLink: true }, NOW);
    expect(await verifyOffer(key, { ...ctx, standbyLink: true }, auth, NOW, new ReplayGuard())).toBeNull();
    expect(await verifyOffer(key, ctx, auth, NOW, new ReplayGuard())).toBe('bad-mac');
    const plain = await signOffer(key, ctx, NOW);
    expect(await verifyOffer(key, { ...ctx, standbyLink: true }, plain, NOW, new ReplayGuard())).toBe('bad-mac');
    const both = await signOffer(key, { ...ctx, standbyLink: true, relayOnly: true }, NOW);
    expect(await verifyOffer(key, { ...ctx, relayOnly: true }, both, NOW, new ReplayGuard())).toBe('bad-mac');
  });

  it('binds an answer to its offer', async () => {
    const { viewer } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    const key = await pairMacKey(viewer.pairing.key);
    const actx = { ...ctx, offerNonce: 'aaaaaaaaaaaaaaaa' };
    const auth = await signAnswer(key, actx, NOW);
    expect(await verifyAnswer(key, actx, auth, NOW)).toBeNull();
    expect(await verifyAnswer(key, { ...actx, offerNonce: 'bbbbbbbbbbbbbbbb' }, auth, NOW)).toBe('bad-mac');
  });

  it('pings and pongs verify only with the pair key', async () => {
    const { viewer } = await pairOnce(newLinkInvitation(VIEWER, NOW));
    const key = await pairMacKey(viewer.pairing.key);
    const pctx = { viewerId: VIEWER, cameraId: CAM, nonce: 'abcdef0123456789' };
    const auth = await signPing(key, pctx, NOW);
    expect(await verifyPing(key, pctx, auth, NOW)).toBeNull();
    expect(await verifyPing(key, { ...pctx, viewerId: 'viewer-1' }, auth, NOW)).toBe('bad-mac');
    const mac = await signPong(key, pctx, 'Rex cam');
    expect(await verifyPong(key, pctx, 'Rex cam', mac)).toBe(true);
    expect(await verifyPong(key, pctx, 'Evil cam', mac)).toBe(false);
  });

  it('the replay guard stays bounded and fails closed — for the flooding viewer alone', () => {
    const g = new ReplayGuard({ maxPerViewer: 3 });
    const V2 = 'viewer-ffffffffffffffffffffffffffffffff';
    expect(g.admit(VIEWER, 'a', NOW, NOW)).toBe(true);
    expect(g.admit(VIEWER, 'b', NOW, NOW)).toBe(true);
    expect(g.admit(`${VIEWER}_mini`, 'c', NOW, NOW)).toBe(true);
    expect(g.admit(VIEWER, 'd', NOW, NOW)).toBe(false);
    expect(g.admit(`${VIEWER}_x`, 'd', NOW, NOW)).toBe(false);
    // Another viewer is not locked out by the first one's flood; the same nonce from it is its own.
    expect(g.admit(V2, 'a', NOW, NOW)).toBe(true);
    expect(g.admit(V2, 'a', NOW, NOW)).toBe(false);
    expect(g.admit(VIEWER, 'e', NOW + FRESHNESS_MS + 10, NOW + FRESHNESS_MS + 10)).toBe(true);
  });

  it('the replay guard survives a reload through its store, and ignores a damaged one', () => {
    let saved: unknown = null;
    const store = { load: () => saved, save: (s: unknown) => void (saved = JSON.parse(JSON.stringify(s))) };
    const before = new ReplayGuard({ store });
    expect(before.admit(VIEWER, 'n1', NOW, NOW)).toBe(true);
    const after = new ReplayGuard({ store });
    expect(after.admit(VIEWER, 'n1', NOW, NOW + 1000)).toBe(false);
    expect(after.admit(VIEWER, 'n2', NOW, NOW + 1000)).toBe(true);
    saved = { [VIEWER]: 'garbage' };
    expect(new ReplayGuard({ store }).admit(VIEWER, 'n1', NOW, NOW)).toBe(true);
    const throwing = { load: () => { throw new Error('no storage'); }, save: () => { throw new Error('full'); } };
    expect(new ReplayGuard({ store: throwing }).admit(VIEWER, 'n1', NOW, NOW)).toBe(true);
  });
});
