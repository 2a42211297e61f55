import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pairMacKey, signPong, verifyPing } from '../../../../protocol/auth.ts';
import { randomBytes } from '../../../../protocol/crypto.ts';
import { configureLogging } from '../../../../protocol/log.ts';
import { Presence, type PresenceEntry } from './presence.ts';
import { FakeTransport } from '../../../../protocol/testing/transport.ts';

const CAM_A = `cam-${'a'.repeat(32)}`;
const CAM_B = `cam-${'b'.repeat(32)}`;
const CAM_C = `cam-${'c'.repeat(32)}`;

const keys = new Map<string, CryptoKey>();
let otherKey: CryptoKey;

async function setup(state: 'open' | 'connecting' = 'open') {
  const transport = new FakeTransport(state);
  let n = 0;
  const available = new Map(keys);
  const presence = new Presence({ transport, keyFor: async (id) => available.get(id) ?? null, nonce: () => (++n).toString(16).padStart(8, '0') });
  const changes: [string, PresenceEntry][] = [];
  presence.on('change', (id, entry) => changes.push([id, entry]));
  return { transport, presence, changes, available };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** The last ping sent to `cameraId`, after the camera checked it the way the camera page does. */
async function lastPing({ transport, presence }: Setup, cameraId: string) {
  await presence.settled();
  const last = transport.sentOf('ping').filter((p) => p.dst === cameraId).at(-1);
  if (!last) throw new Error('no ping to answer');
  const { nonce, auth } = last.envelope;
  expect(auth).toBeDefined();
  expect(await verifyPing(keys.get(cameraId)!, { viewerId: transport.id, cameraId, nonce }, auth!, Date.now())).toBeNull();
  return last.envelope;
}

/** The camera answers the last ping it got with a MACed pong (or a forged one made with `key`). */
async function pong(s: Setup, cameraId: string, name = 'Cam', key = keys.get(cameraId)!): Promise<void> {
  const { nonce } = await lastPing(s, cameraId);
  const mac = await signPong(key, { viewerId: s.transport.id, cameraId, nonce }, name);
  s.transport.deliver(cameraId, { v: 1, kind: 'pong', nonce, name, mac });
  await s.presence.settled();
}

describe('Presence', () => {
  beforeAll(async () => {
    configureLogging({ sink: () => {} });
    keys.set(CAM_A, await pairMacKey(randomBytes(32)));
    keys.set(CAM_B, await pairMacKey(randomBytes(32)));
    otherKey = await pairMacKey(randomBytes(32));
  });
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pings every camera at start and every 3 s, each ping MACed with that camera\'s key', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A, CAM_B]);
    s.presence.start();
    await s.presence.settled();
    // Signing is async: the two pings may leave in either order.
    expect(s.transport.sentOf('ping').map((p) => p.dst).sort()).toEqual([CAM_A, CAM_B]);
    await lastPing(s, CAM_A);
    await lastPing(s, CAM_B);
    vi.advanceTimersByTime(2999);
    await s.presence.settled();
    expect(s.transport.sentOf('ping')).toHaveLength(2);
    vi.advanceTimersByTime(1);
    await s.presence.settled();
    expect(s.transport.sentOf('ping')).toHaveLength(4);
  });

  it('goes online on a verified pong and trusts its name', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    expect(s.presence.get(CAM_A).state).toBe('unknown');
    await pong(s, CAM_A, 'Kitchen');
    expect(s.presence.get(CAM_A)).toEqual({ state: 'online', reportedName: 'Kitchen' });
    expect(s.changes).toEqual([[CAM_A, { state: 'online', reportedName: 'Kitchen' }]]);
  });

  it('ignores forged pongs: another key, a changed name, no MAC', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    await pong(s, CAM_A, 'Kitchen', otherKey);
    const { nonce } = await lastPing(s, CAM_A);
    const mac = await signPong(keys.get(CAM_A)!, { viewerId: s.transport.id, cameraId: CAM_A, nonce }, 'Kitchen');
    s.transport.deliver(CAM_A, { v: 1, kind: 'pong', nonce, name: 'Evil twin', mac });
    s.transport.deliver(CAM_A, { v: 1, kind: 'pong', nonce, name: 'Kitchen' });
    s.transport.deliver(CAM_A, { v: 1, kind: 'pong', nonce });
    await s.presence.settled();
    expect(s.presence.get(CAM_A).state).toBe('unknown');
    // A pong MACed for another camera does not count for this one either.
    const macForB = await signPong(keys.get(CAM_A)!, { viewerId: s.transport.id, cameraId: CAM_B, nonce }, 'Kitchen');
    s.transport.deliver(CAM_A, { v: 1, kind: 'pong', nonce, name: 'Kitchen', mac: macForB });
    await s.presence.settled();
    expect(s.presence.get(CAM_A).state).toBe('unknown');
    s.transport.deliver(CAM_A, { v: 1, kind: 'pong', nonce, name: 'Kitchen', mac });
    await s.presence.settled();
    expect(s.presence.get(CAM_A)).toEqual({ state: 'online', reportedName: 'Kitchen' });
  });

  it('ignores pongs from cameras not in the list and pongs to nonces it never sent', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    await s.presence.settled();
    const mac = await signPong(keys.get(CAM_A)!, { viewerId: s.transport.id, cameraId: CAM_A, nonce: 'deadbeef00' }, 'x');
    s.transport.deliver(CAM_B, { v: 1, kind: 'pong', nonce: 'deadbeef00', name: 'x', mac });
    s.transport.deliver(CAM_A, { v: 1, kind: 'pong', nonce: 'deadbeef00', name: 'x', mac });
    await s.presence.settled();
    expect(s.presence.get(CAM_A).state).toBe('unknown');
    expect(s.presence.get(CAM_B).state).toBe('unknown');
  });

  it('goes offline at once when the server expires a message to the camera', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    await pong(s, CAM_A);
    s.transport.expire(CAM_B);
    expect(s.presence.get(CAM_A).state).toBe('online');
    s.transport.expire(CAM_A);
    expect(s.presence.get(CAM_A).state).toBe('offline');
    vi.advanceTimersByTime(3000);
    await pong(s, CAM_A);
    expect(s.presence.get(CAM_A).state).toBe('online');
  });

  it('goes offline when no pong came for 8 s', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    await pong(s, CAM_A);
    vi.advanceTimersByTime(3000);
    await pong(s, CAM_A); // last pong at t = 3 s
    vi.advanceTimersByTime(7999);
    expect(s.presence.get(CAM_A).state).toBe('online');
    vi.advanceTimersByTime(1);
    expect(s.presence.get(CAM_A).state).toBe('offline');
  });

  it('marks a camera that never answers offline 8 s after the first ping', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    await s.presence.settled();
    vi.advanceTimersByTime(7999);
    expect(s.presence.get(CAM_A).state).toBe('unknown');
    vi.advanceTimersByTime(1);
    expect(s.presence.get(CAM_A).state).toBe('offline');
  });

  it('says "not paired" for a camera without a key, pings nobody for it, and asks again once it has one', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_C]);
    s.presence.start();
    await s.presence.settled();
    expect(s.transport.sentOf('ping')).toEqual([]);
    expect(s.presence.get(CAM_C)).toEqual({ state: 'unknown', unpaired: true });
    vi.advanceTimersByTime(20_000);
    await s.presence.settled();
    expect(s.presence.get(CAM_C)).toEqual({ state: 'unknown', unpaired: true });
    expect(s.transport.sentOf('ping')).toEqual([]);
    // Paired now: refresh() asks at once.
    keys.set(CAM_C, await pairMacKey(randomBytes(32)));
    s.available.set(CAM_C, keys.get(CAM_C)!);
    s.presence.refresh(CAM_C);
    await pong(s, CAM_C, 'Porch');
    expect(s.presence.get(CAM_C)).toEqual({ state: 'online', reportedName: 'Porch' });
    keys.delete(CAM_C);
  });

  it('waits for the transport to open, and says unknown while it is down', async () => {
    const s = await setup('connecting');
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    await s.presence.settled();
    expect(s.transport.sent).toHaveLength(0);
    vi.advanceTimersByTime(20_000);
    expect(s.presence.get(CAM_A).state).toBe('unknown');
    s.transport.setState('open');
    await s.presence.settled();
    expect(s.transport.sentOf('ping')).toHaveLength(1);
    await pong(s, CAM_A);
    expect(s.presence.get(CAM_A).state).toBe('online');
    s.transport.setState('retrying');
    expect(s.presence.get(CAM_A).state).toBe('unknown');
    const sent = s.transport.sent.length;
    vi.advanceTimersByTime(20_000);
    await s.presence.settled();
    expect(s.transport.sent).toHaveLength(sent);
    expect(s.presence.get(CAM_A).state).toBe('unknown');
  });

  it('pings a camera added while running at once and forgets a removed one', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    s.presence.setCameras([CAM_A, CAM_B]);
    await s.presence.settled();
    // Signing is async: the two pings may leave in either order.
    expect(s.transport.sentOf('ping').map((p) => p.dst).sort()).toEqual([CAM_A, CAM_B]);
    await pong(s, CAM_B);
    s.presence.setCameras([CAM_A]);
    expect(s.presence.get(CAM_B).state).toBe('unknown');
    vi.advanceTimersByTime(3000);
    await s.presence.settled();
    expect(s.transport.sentOf('ping').filter((p) => p.dst === CAM_B)).toHaveLength(1);
  });

  it('stops pinging after stop()', async () => {
    const s = await setup();
    s.presence.setCameras([CAM_A]);
    s.presence.start();
    await s.presence.settled();
    s.presence.stop();
    vi.advanceTimersByTime(30_000);
    await s.presence.settled();
    expect(s.transport.sentOf('ping')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
