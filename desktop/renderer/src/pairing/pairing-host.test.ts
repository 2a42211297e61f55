import { beforeAll, describe, expect, it, vi } from 'vitest';
import { configureLogging } from '../../../../protocol/log.ts';
import { INVITATION_TTL_MS, cameraStartPairing, newLinkInvitation, newShortCode, type Invitation, type PairAccept } from '../../../../protocol/pairing.ts';
import { MAX_FAILED_CODE_ATTEMPTS, PairingHost, type PairingStatus } from './pairing-host.ts';
import { FakeTimers } from '../../../../protocol/testing/timers.ts';
import { FakeTransport } from '../../../../protocol/testing/transport.ts';

const VIEWER = 'viewer-test';
const CAM = `cam-${'a'.repeat(32)}`;
const CAM_2 = `cam-${'b'.repeat(32)}`;

function setup(options: { full?: boolean; listed?: string[] } = {}) {
  const transport = new FakeTransport('open', VIEWER);
  const timers = new FakeTimers();
  const rendezvous: { transport: FakeTransport; token: string }[] = [];
  const adopted: { cameraId: string; name: string; key: Uint8Array }[] = [];
  const listed = new Set(options.listed ?? []);
  const host = new PairingHost({
    transport,
    viewerId: VIEWER,
    viewerName: () => 'Office PC',
    timers,
    openRendezvous: (id, token) => {
      const t = new FakeTransport('connecting', id);
      rendezvous.push({ transport: t, token });
      return t;
    },
    adopt: async (cameraId, name, key) => {
      adopted.push({ cameraId, name, key: new Uint8Array(key) });
      const replaced = listed.has(cameraId);
      listed.add(cameraId);
      return { replaced };
    },
    canAdopt: (cameraId) => !options.full || listed.has(cameraId),
  });
  host.start();
  const statuses: PairingStatus[] = [];
  host.on('change', (ticket) => statuses.push(ticket.status));
  return { transport, timers, host, rendezvous, adopted, statuses };
}

type Setup = ReturnType<typeof setup>;

/** A camera page sends its pairing request for `invitation` over `via`, as camera `cameraId`. */
async function request(s: Setup, invitation: Invitation, options: { via?: FakeTransport; cameraId?: string; from?: string } = {}) {
  const { via = s.transport, cameraId = CAM } = options;
  const from = options.from ?? cameraId;
  const camera = await cameraStartPairing(invitation, cameraId, 'Rex cam');
  via.deliver(from, { v: 1, ...camera.request });
  return camera;
}

/** The accept the viewer sent to `to` (waiting for it: checking a request is async). */
async function acceptTo(via: FakeTransport, to = CAM): Promise<PairAccept> {
  const sent = await vi.waitFor(() => {
    const found = via.sentOf('pair-accept').find((m) => m.dst === to);
    if (!found) throw new Error('no accept yet');
    return found;
  });
  const { v: _v, ...accept } = sent.envelope;
  return accept;
}

async function errorsTo(s: Setup, via = s.transport) {
  await s.host.settled();
  // Requests are checked concurrently: their answers may leave in any order.
  return via.sentOf('pair-error').map((m) => [m.dst, m.envelope.reason]).sort();
}

describe('PairingHost', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));

  it('pairs through a link: answers the request, keeps the camera only after its confirmation verifies', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    expect(ticket.invitation.rendezvousId).toBe(VIEWER);
    expect(ticket.status).toEqual({ phase: 'waiting' });
    const camera = await request(s, ticket.invitation);
    const accept = await acceptTo(s.transport);
    expect(accept).toMatchObject({ kind: 'pair-accept', viewerId: VIEWER, name: 'Office PC' });
    expect(s.host.ticket(ticket.id)?.status).toEqual({ phase: 'pairing', cameraName: 'Rex cam' });
    // Nothing is kept before the camera confirms.
    expect(s.adopted).toEqual([]);
    const finished = await camera.finish(accept);
    expect(finished).not.toBeNull();
    s.transport.deliver(CAM, { v: 1, ...finished!.done });
    await s.host.settled();
    expect(s.adopted).toEqual([{ cameraId: CAM, name: 'Rex cam', key: finished!.pairing.key }]);
    expect(s.host.ticket(ticket.id)?.status).toEqual({ phase: 'paired', cameraId: CAM, cameraName: 'Rex cam', replaced: false });
    expect(s.statuses.map((x) => x.phase)).toEqual(['pairing', 'paired']);
  });

  it('says when a camera already in the list paired again (its key is replaced)', async () => {
    const s = setup({ listed: [CAM] });
    const ticket = s.host.createLink();
    const camera = await request(s, ticket.invitation);
    const finished = await camera.finish(await acceptTo(s.transport));
    s.transport.deliver(CAM, { v: 1, ...finished!.done });
    await s.host.settled();
    expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'paired', replaced: true });
  });

  it('keeps nothing when the camera\'s confirmation does not verify', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    const camera = await request(s, ticket.invitation);
    const finished = await camera.finish(await acceptTo(s.transport));
    // Someone else's confirmation: a valid-looking MAC made with another key.
    const other = setup();
    const otherTicket = other.host.createLink();
    const otherCamera = await request(other, otherTicket.invitation);
    const otherDone = (await otherCamera.finish(await acceptTo(other.transport)))!.done;
    expect(otherDone.confirm).not.toBe(finished!.done.confirm);
    s.transport.deliver(CAM_2, { v: 1, ...finished!.done });
    s.transport.deliver(CAM, { v: 1, ...otherDone });
    await s.host.settled();
    expect(s.adopted).toEqual([]);
    expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'failed', code: 'pairing-failed' });
  });

  it('keeps nothing when the camera refuses our accept, goes away or never confirms', async () => {
    for (const ending of ['refused', 'gone', 'timeout'] as const) {
      const s = setup();
      const ticket = s.host.createLink();
      await request(s, ticket.invitation);
      await acceptTo(s.transport);
      if (ending === 'refused') s.transport.deliver(CAM, { v: 1, kind: 'pair-error', reason: 'invalid' });
      if (ending === 'gone') s.transport.expire(CAM);
      if (ending === 'timeout') s.timers.advance(20_000);
      await s.host.settled();
      expect(s.adopted).toEqual([]);
      expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'failed', code: 'pairing-failed' });
    }
  });

  it('answers "used" to a second request for a burned invitation', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    await request(s, ticket.invitation);
    await acceptTo(s.transport);
    await request(s, ticket.invitation, { cameraId: CAM_2 });
    await vi.waitFor(() => expect(s.transport.sentOf('pair-error')).toHaveLength(1));
    expect(s.transport.sentOf('pair-error').map((m) => [m.dst, m.envelope.reason])).toEqual([[CAM_2, 'used']]);
    expect(s.transport.sentOf('pair-accept')).toHaveLength(1);
  });

  it('answers "expired" once the invitation ran out, and says so on screen', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    s.timers.advance(INVITATION_TTL_MS);
    expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'failed', code: 'pairing-expired' });
    await request(s, ticket.invitation);
    expect(await errorsTo(s)).toEqual([[CAM, 'expired']]);
    expect(s.transport.sentOf('pair-accept')).toEqual([]);
  });

  it('answers "expired" to a link the panel withdrew', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    s.host.withdraw(ticket.id);
    await request(s, ticket.invitation);
    expect(await errorsTo(s)).toEqual([[CAM, 'expired']]);
  });

  it('one attempt per invitation: a request with another secret burns it, and nothing is saved', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    // A guesser: nothing in a CPace request can be checked, so the viewer answers — and the guesser's finish fails.
    const guesser = await request(s, newLinkInvitation(VIEWER, s.timers.now()));
    expect(await guesser.finish(await acceptTo(s.transport))).toBeNull();
    s.transport.deliver(CAM, { v: 1, kind: 'pair-error', reason: 'invalid' });
    await s.host.settled();
    expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'failed', code: 'pairing-failed' });
    // The right phone comes too late: the link is used up.
    await request(s, ticket.invitation, { cameraId: CAM_2 });
    expect(await errorsTo(s)).toEqual([[CAM_2, 'used']]);
    expect(s.adopted).toEqual([]);
  });

  it('a forged sender gets "invalid" and burns the invitation', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    await request(s, ticket.invitation, { from: CAM_2 });
    expect(await errorsTo(s)).toEqual([[CAM_2, 'invalid']]);
    expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'failed' });
  });

  it('one link at a time: a new link withdraws the open one', async () => {
    const s = setup();
    const first = s.host.createLink();
    const second = s.host.createLink();
    await request(s, second.invitation);
    await acceptTo(s.transport);
    await request(s, first.invitation, { cameraId: CAM_2 });
    await vi.waitFor(() => expect(s.transport.sentOf('pair-error').map((m) => [m.dst, m.envelope.reason])).toEqual([[CAM_2, 'used']]));
  });

  it(`pauses typed codes after ${MAX_FAILED_CODE_ATTEMPTS} failed attempts in a row until the owner resumes them`, async () => {
    const s = setup();
    const paused: boolean[] = [];
    s.host.on('codes-paused', (p) => paused.push(p));
    const failOnce = async (i: number) => {
      const ticket = s.host.createCode();
      const rendezvous = s.rendezvous[i]!.transport;
      rendezvous.setState('open');
      const { invitation: wrong } = newShortCode(s.timers.now());
      const guesser = await request(s, { ...wrong, rendezvousId: ticket.invitation.rendezvousId }, { via: rendezvous });
      expect(await guesser.finish(await acceptTo(rendezvous))).toBeNull();
      rendezvous.deliver(CAM, { v: 1, kind: 'pair-error', reason: 'invalid' });
      await s.host.settled();
      return s.host.ticket(ticket.id)!;
    };
    expect((await failOnce(0)).status).toMatchObject({ phase: 'failed', code: 'pairing-failed', message: expect.stringMatching(/did not match/) });
    await failOnce(1);
    expect(s.host.codesPaused).toBe(false);
    expect((await failOnce(2)).status).toMatchObject({ phase: 'failed', code: 'pairing-paused' });
    expect(s.host.codesPaused).toBe(true);
    expect(paused).toEqual([true]);
    const refused = s.host.createCode();
    expect(refused.code).toBeNull();
    expect(refused.status).toMatchObject({ code: 'pairing-paused', message: expect.stringMatching(/paused/) });
    expect(s.rendezvous).toHaveLength(3);
    s.host.resumeCodes();
    expect(paused).toEqual([true, false]);
    const again = s.host.createCode();
    expect(again.code).not.toBeNull();
    expect(s.rendezvous).toHaveLength(4);
  });

  it('answers "expired" to a request it cannot place while no invitation is open (an old link)', async () => {
    const s = setup();
    const ticket = s.host.createLink();
    s.host.withdraw(ticket.id);
    await request(s, newLinkInvitation(VIEWER, s.timers.now()));
    expect(await errorsTo(s)).toEqual([[CAM, 'expired']]);
  });

  it('ignores requests when it has invited no one', async () => {
    const s = setup();
    await request(s, newLinkInvitation(VIEWER, s.timers.now()));
    expect(await errorsTo(s)).toEqual([]);
    expect(s.transport.sent).toEqual([]);
  });

  it('refuses when the camera list is full', async () => {
    const s = setup({ full: true });
    const ticket = s.host.createLink();
    await request(s, ticket.invitation);
    expect(await errorsTo(s)).toEqual([[CAM, 'invalid']]);
    expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'failed', message: expect.stringMatching(/full/) });
  });

  it('pairs through a short code on a temporary rendezvous ID, closed once used', async () => {
    const s = setup();
    const ticket = s.host.createCode();
    expect(ticket.code).toMatch(/^[0-9A-Z]{6}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(ticket.status).toEqual({ phase: 'preparing' });
    const [rendezvous] = s.rendezvous;
    expect(rendezvous!.transport.id).toBe(ticket.invitation.rendezvousId);
    expect(rendezvous!.transport.id).toMatch(/^pair-[0-9a-z]{6}$/);
    expect(rendezvous!.token).toMatch(/^[0-9a-f]{32}$/);
    expect(rendezvous!.transport.started).toBe(1);
    rendezvous!.transport.setState('open');
    expect(s.host.ticket(ticket.id)?.status).toEqual({ phase: 'waiting' });
    // A request for the code on the viewer's own ID is not for it.
    await request(s, ticket.invitation);
    expect(await errorsTo(s)).toEqual([]);
    const camera = await request(s, ticket.invitation, { via: rendezvous!.transport });
    const finished = await camera.finish(await acceptTo(rendezvous!.transport));
    rendezvous!.transport.deliver(CAM, { v: 1, ...finished!.done });
    await s.host.settled();
    expect(s.adopted.map((a) => a.cameraId)).toEqual([CAM]);
    expect(rendezvous!.transport.closed).toBe(1);
  });

  it('closes a code\'s rendezvous when it expires or the panel withdraws it', async () => {
    const s = setup();
    s.host.createCode();
    s.timers.advance(INVITATION_TTL_MS);
    expect(s.rendezvous[0]!.transport.closed).toBe(1);
    const ticket = s.host.createCode();
    s.host.withdraw(ticket.id);
    expect(s.rendezvous[1]!.transport.closed).toBe(1);
    expect(s.timers.pending.size).toBe(0);
  });

  it('says so when the server will not reserve a code', async () => {
    const s = setup();
    const ticket = s.host.createCode();
    s.rendezvous[0]!.transport.setState('id-taken');
    expect(s.host.ticket(ticket.id)?.status).toMatchObject({ phase: 'failed', code: 'pairing-failed' });
    expect(s.rendezvous[0]!.transport.closed).toBe(1);
  });
});
