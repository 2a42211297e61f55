import { beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../protocol/envelope.ts';
import { configureLogging } from '../../../protocol/log.ts';
import { newLinkInvitation, newShortCode, parseShortCode, viewerAcceptPairing, type Invitation, type PairRequest, type Pairing } from '../../../protocol/pairing.ts';
import { FakeTimers } from '../../../protocol/testing/timers.ts';
import { FakeTransport } from '../../../protocol/testing/transport.ts';
import { pairWithViewer, type PairingFlowOptions } from './pairing-flow.ts';

const CAMERA = 'cam-0123456789abcdef0123456789abcdef';
const VIEWER = 'viewer-00112233445566778899aabbccddeeff';



beforeEach(() => configureLogging({ sink: () => undefined }));

function setup(invitation: Invitation) {
  const transport = new FakeTransport();
  const timers = new FakeTimers(Date.now());
  const saved: { viewerId: string; name: string; key: Uint8Array }[] = [];
  const options: PairingFlowOptions = {
    transport,
    invitation,
    cameraId: CAMERA,
    cameraName: 'Rex cam',
    timers,
    save: async (pairing: Pairing) => void saved.push({ viewerId: pairing.peerId, name: pairing.peerName, key: new Uint8Array(pairing.key) }),
  };
  /** Play the viewer: answer the camera's request the way the viewer app does. */
  const viewerAnswers = (answer: (request: PairRequest, from: string) => Promise<void>) => {
    transport.onSend = (dst, envelope) => {
      if (envelope.kind === 'pair-request') {
        const { v: _v, ...request } = envelope;
        void answer(request, dst);
      }
    };
  };
  return { transport, timers, saved, options, viewerAnswers };
}

describe('pairWithViewer', () => {
  it('pairs through a link invitation: stores the viewer with the shared key and confirms', async () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const { transport, saved, options, viewerAnswers } = setup(invitation);
    let viewerSide: Awaited<ReturnType<typeof viewerAcceptPairing>> = null;
    viewerAnswers(async (request, dst) => {
      expect(dst).toBe(VIEWER);
      viewerSide = await viewerAcceptPairing(invitation, request, CAMERA, VIEWER, 'Office PC');
      transport.deliver(VIEWER, { v: 1, ...viewerSide!.accept });
    });

    const outcome = await pairWithViewer(options);
    expect(outcome).toEqual({ ok: true, viewerId: VIEWER, viewerName: 'Office PC' });
    expect(saved.map((s) => [s.viewerId, s.name])).toEqual([[VIEWER, 'Office PC']]);
    expect(Buffer.from(saved[0]!.key).equals(Buffer.from(viewerSide!.pairing.key))).toBe(true);
    const done = transport.sent.at(-1)!;
    expect(done.dst).toBe(VIEWER);
    expect(done.envelope.kind).toBe('pair-done');
    const { v: _v, ...doneMessage } = done.envelope as Extract<Envelope, { kind: 'pair-done' }>;
    expect(await viewerSide!.confirmDone(doneMessage)).toBe(true);
  });

  it('pairs through a typed short code via its rendezvous ID', async () => {
    const { code, invitation } = newShortCode(Date.now());
    const typed = parseShortCode(code.toLowerCase());
    if (!typed.ok) throw new Error(typed.error);
    const { transport, saved, options, viewerAnswers } = setup(typed.value);
    viewerAnswers(async (request, dst) => {
      expect(dst).toBe(invitation.rendezvousId);
      const viewerSide = await viewerAcceptPairing(invitation, request, CAMERA, VIEWER, 'Office PC');
      transport.deliver(invitation.rendezvousId, { v: 1, ...viewerSide!.accept });
    });
    expect(await pairWithViewer(options)).toMatchObject({ ok: true, viewerId: VIEWER });
    expect(saved).toHaveLength(1);
  });

  it('refuses an expired invitation locally, before sending anything', async () => {
    const { transport, saved, options, timers } = setup(newLinkInvitation(VIEWER, Date.now() - 10 * 60_000));
    timers.time = Date.now();
    expect(await pairWithViewer(options)).toEqual({ ok: false, failure: 'expired' });
    expect(transport.sent).toEqual([]);
    expect(saved).toEqual([]);
  });

  it.each(['expired', 'used', 'invalid'] as const)("reports the viewer's pair-error '%s' and stores nothing", async (reason) => {
    const { transport, saved, options, viewerAnswers } = setup(newLinkInvitation(VIEWER, Date.now()));
    viewerAnswers(async () => transport.deliver(VIEWER, { v: 1, kind: 'pair-error', reason }));
    expect(await pairWithViewer(options)).toEqual({ ok: false, failure: reason });
    expect(saved).toEqual([]);
  });

  it('refuses an accept that does not verify (another secret), stores nothing and tells the viewer', async () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const { transport, saved, options, viewerAnswers } = setup(invitation);
    viewerAnswers(async (request) => {
      // A relay that knows the viewer ID but not the secret answers with a guess of its own.
      const forged = await viewerAcceptPairing({ ...invitation, secret: newLinkInvitation(VIEWER, Date.now()).secret }, request, CAMERA, VIEWER, 'Mallory');
      transport.deliver(VIEWER, { v: 1, ...forged!.accept });
    });
    expect(await pairWithViewer(options)).toEqual({ ok: false, failure: 'bad-accept' });
    expect(saved).toEqual([]);
    expect(transport.sent.at(-1)).toEqual({ dst: VIEWER, envelope: { v: 1, kind: 'pair-error', reason: 'invalid' } });
  });

  it('a link binds the viewer: an accept naming another viewer is refused and nothing is stored', async () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const { transport, saved, options, viewerAnswers } = setup(invitation);
    viewerAnswers(async (request) => {
      const other = await viewerAcceptPairing(invitation, request, CAMERA, 'viewer-ffffffffffffffffffffffffffffffff', 'Office PC');
      transport.deliver(VIEWER, { v: 1, ...other!.accept });
    });
    expect(await pairWithViewer(options)).toEqual({ ok: false, failure: 'bad-accept' });
    expect(saved).toEqual([]);
  });

  it('a typed code may not replace a paired viewer\'s key (its viewer could name any viewer)', async () => {
    const { code, invitation: minted } = newShortCode(Date.now());
    const typed = parseShortCode(code, Date.now());
    if (!typed.ok) throw new Error(typed.error);
    const { transport, saved, options, viewerAnswers } = setup(typed.value);
    viewerAnswers(async (request) => {
      const accepted = await viewerAcceptPairing(minted, request, CAMERA, VIEWER, 'Office PC');
      transport.deliver(minted.rendezvousId, { v: 1, ...accepted!.accept });
    });
    expect(await pairWithViewer({ ...options, isPaired: async (id) => id === VIEWER })).toEqual({ ok: false, failure: 'already-paired' });
    expect(saved).toEqual([]);
    expect(transport.sent.at(-1)).toEqual({ dst: minted.rendezvousId, envelope: { v: 1, kind: 'pair-error', reason: 'invalid' } });
  });

  it('listens only to the rendezvous ID: an accept from anyone else is ignored', async () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const { transport, timers, saved, options, viewerAnswers } = setup(invitation);
    viewerAnswers(async (request) => {
      const honest = await viewerAcceptPairing(invitation, request, CAMERA, VIEWER, 'Office PC');
      transport.deliver('viewer-ffffffffffffffffffffffffffffffff', { v: 1, ...honest!.accept });
      transport.deliver('viewer-ffffffffffffffffffffffffffffffff', { v: 1, kind: 'pair-error', reason: 'used' });
      timers.fireAll();
    });
    expect(await pairWithViewer(options)).toEqual({ ok: false, failure: 'timeout' });
    expect(saved).toEqual([]);
  });

  it('times out when the viewer never answers, and fails fast when the server says it is gone', async () => {
    const a = setup(newLinkInvitation(VIEWER, Date.now()));
    a.viewerAnswers(async () => a.timers.fireAll());
    expect(await pairWithViewer(a.options)).toEqual({ ok: false, failure: 'timeout' });

    const b = setup(newLinkInvitation(VIEWER, Date.now()));
    b.viewerAnswers(async (_request, dst) => b.transport.expire(dst));
    expect(await pairWithViewer(b.options)).toEqual({ ok: false, failure: 'unreachable' });
  });

  it('waits for the server registration before sending, and gives up if it never comes', async () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const a = setup(invitation);
    a.transport.state = 'connecting';
    a.viewerAnswers(async (request) => {
      const viewerSide = await viewerAcceptPairing(invitation, request, CAMERA, VIEWER, 'Office PC');
      a.transport.deliver(VIEWER, { v: 1, ...viewerSide!.accept });
    });
    const outcome = pairWithViewer(a.options);
    await Promise.resolve();
    expect(a.transport.sent).toEqual([]);
    a.transport.setState('open');
    expect(await outcome).toMatchObject({ ok: true });

    const b = setup(newLinkInvitation(VIEWER, Date.now()));
    b.transport.state = 'retrying';
    const failed = pairWithViewer(b.options);
    b.timers.fireAll();
    expect(await failed).toEqual({ ok: false, failure: 'no-server' });
    expect(b.transport.sent).toEqual([]);
  });

  it('reports a failure to store the key and tells the viewer', async () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const { transport, options, viewerAnswers } = setup(invitation);
    viewerAnswers(async (request) => {
      const viewerSide = await viewerAcceptPairing(invitation, request, CAMERA, VIEWER, 'Office PC');
      transport.deliver(VIEWER, { v: 1, ...viewerSide!.accept });
    });
    const outcome = await pairWithViewer({ ...options, save: () => Promise.reject(new Error('quota')) });
    expect(outcome).toEqual({ ok: false, failure: 'internal' });
    expect(transport.sent.at(-1)!.envelope).toEqual({ v: 1, kind: 'pair-error', reason: 'invalid' });
  });
});
