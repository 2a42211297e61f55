import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../protocol/log.ts';
import type { RelayedFrame } from './relay-transform.ts';
import { captureLogs, Client, eventually, offer, peersOnline, token } from './test-client.ts';
import { TestServers, registered } from './test-server.ts';

/**
 * Plain-HTTP servers on loopback (TLS is covered in server.test.ts) with their own data dirs. Open mode, where the
 * first registration binds an ID: these tests are about binding and abuse limits (closed enrollment: enrollment.test.ts).
 */
const servers = new TestServers('pawcam-hard-', { open: true, expireTimeoutMs: 500 });

/** Resolves once the server has processed everything `client` sent before (a frame to itself comes back). */
/** Relay a marker from `from` to `to` (whose ID is `id`) and wait until `to` has it; the marker is not kept. */
async function barrierTo(from: Client, to: Client, id: string): Promise<void> {
  from.send({ type: 'CANDIDATE', dst: id, payload: { barrier: true } });
  await to.next((m) => (m['payload'] as { barrier?: boolean } | undefined)?.barrier === true);
}

async function barrier(client: Client, id: string): Promise<void> {
  client.send({ type: 'CANDIDATE', dst: id, payload: { barrier: true } });
  await client.next((m) => (m['payload'] as { barrier?: boolean } | undefined)?.barrier === true);
}

afterEach(() => servers.stopAll());
afterAll(() => servers.removeDirs());

describe('registration protection', () => {
  it('refuses another token for a live ID with ID-TAKEN, and the owner keeps its ID', async () => {
    const records: LogRecord[] = [];
    const server = await servers.start({ logger: captureLogs(records) });
    const owner = await registered(server, 'cam-home', 'owner');
    const thief = Client.connect(server, 'cam-home', token('thief'));
    expect(await thief.ofType('ID-TAKEN')).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    expect((await thief.closed).code).toBe(1008);
    expect(records.some((r) => r.msg === 'refused a WebSocket upgrade' && r.fields?.['why'] === 'ID bound to another token')).toBe(true);

    const viewer = await registered(server, 'viewer-a', 'viewer');
    viewer.send({ type: 'OFFER', dst: 'cam-home', payload: offer('00112233') });
    expect(await owner.ofType('OFFER')).toMatchObject({ src: 'viewer-a' });
  });

  it('refuses another token right after the owner drops, and lets the owner back', async () => {
    const server = await servers.start();
    const owner = await registered(server, 'cam-home', 'owner');
    owner.ws.close();
    await owner.closed;
    await eventually(async () => (await peersOnline(server)) === 0);

    const thief = Client.connect(server, 'cam-home', token('thief'));
    expect(await thief.ofType('ID-TAKEN')).toMatchObject({ type: 'ID-TAKEN' });
    await registered(server, 'cam-home', 'owner');
  });

  it('keeps the binding across a server restart with the same data dir', async () => {
    const dataDir = await servers.tempDir();
    const first = await servers.start({ dataDir });
    const owner = await registered(first, 'cam-home', 'owner');
    owner.ws.terminate();
    await first.close();

    const second = await servers.start({ dataDir });
    const thief = Client.connect(second, 'cam-home', token('thief'));
    expect(await thief.ofType('ID-TAKEN')).toMatchObject({ type: 'ID-TAKEN' });
    await registered(second, 'cam-home', 'owner');
  });

  it('refuses tokens shorter than 32 hex digits and malformed IDs with a PeerServer ERROR', async () => {
    const server = await servers.start();
    const short = Client.connect(server, 'cam-home', 'abc123');
    expect(await short.ofType('ERROR')).toMatchObject({ payload: { msg: expect.stringContaining('32 hex') } });
    const bad = Client.connect(server, 'cam-home-', token('x'));
    expect(await bad.ofType('ERROR')).toMatchObject({ payload: { msg: 'Invalid ID' } });
    await registered(server, 'cam-home', 'owner');
  });
});

describe('origin check at the upgrade', () => {
  it('refuses a foreign page with 403 and a log line', async () => {
    const records: LogRecord[] = [];
    const server = await servers.start({ logger: captureLogs(records) });
    const evil = Client.connect(server, 'cam-home', token('x'), { origin: 'https://evil.example' });
    expect(await evil.refused).toBe(403);
    expect(records).toContainEqual(expect.objectContaining({ msg: 'refused a WebSocket upgrade', fields: expect.objectContaining({ why: 'origin not allowed', origin: 'https://evil.example' }) }));
    // Refused before binding: the ID is still free for its real owner.
    await registered(server, 'cam-home', 'owner');
  });

  it('allows our own pages, the desktop app, listed origins and non-browser clients', async () => {
    const server = await servers.start({ allowedOrigins: ['https://viewer.example.org'] });
    await registered(server, 'cam-same', 'a', { origin: server.url });
    await registered(server, 'cam-app', 'b', { origin: 'pawcam://app' });
    await registered(server, 'cam-listed', 'c', { origin: 'https://viewer.example.org' });
    await registered(server, 'cam-node', 'd');
    const wrongPort = Client.connect(server, 'cam-port', token('e'), { origin: server.url.replace(/:\d+$/, ':1') });
    expect(await wrongPort.refused).toBe(403);
  });
});

describe('abuse limits', () => {
  it('closes a flooding socket with 1008 and keeps serving everyone else', async () => {
    const records: LogRecord[] = [];
    const server = await servers.start({ logger: captureLogs(records) });
    const camera = await registered(server, 'cam-home', 'camera');
    const flooder = await registered(server, 'viewer-flood', 'flood');
    for (let i = 0; i < 400; i++) flooder.send({ type: 'HEARTBEAT' });
    expect((await flooder.closed).code).toBe(1008);
    expect(records.some((r) => r.msg === 'message rate exceeded; closing the socket')).toBe(true);

    const viewer = await registered(server, 'viewer-ok', 'ok');
    viewer.send({ type: 'OFFER', dst: 'cam-home', payload: offer('0badcafe') });
    expect(await camera.ofType('OFFER')).toMatchObject({ src: 'viewer-ok' });
    expect(await peersOnline(server)).toBe(2);
  });

  it('allows a burst of trickle ICE well within the limit', async () => {
    const server = await servers.start();
    const camera = await registered(server, 'cam-home', 'camera');
    const viewer = await registered(server, 'viewer-a', 'viewer');
    for (let i = 0; i < 100; i++) viewer.send({ type: 'CANDIDATE', dst: 'cam-home', payload: { n: i } });
    await eventually(() => camera.messages.filter((m) => m['type'] === 'CANDIDATE').length === 100);
    expect(viewer.ws.readyState).toBe(viewer.ws.OPEN);
  });

  it('holds at most 64 messages for an absent peer', async () => {
    const server = await servers.start({ expireTimeoutMs: 5000 });
    const viewer = await registered(server, 'viewer-a', 'viewer');
    for (let i = 0; i < 100; i++) viewer.send({ type: 'CANDIDATE', dst: 'cam-away', payload: { n: i } });
    await barrier(viewer, 'viewer-a');
    const camera = await registered(server, 'cam-away', 'camera');
    await eventually(() => camera.messages.length >= 64);
    // Anything still queued would reach the camera before a message relayed now.
    await barrierTo(viewer, camera, 'cam-away');
    expect(camera.messages.map((m) => (m['payload'] as { n: number }).n)).toEqual([...Array(64).keys()]);
    expect(viewer.ws.readyState).toBe(viewer.ws.OPEN);
  });

  it('queues for a bounded number of absent peers', async () => {
    const server = await servers.start({ expireTimeoutMs: 5000, limits: { relay: { queues: { perDestination: 64, destinations: 3 } } } });
    const viewer = await registered(server, 'viewer-a', 'viewer');
    const ids = ['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5'];
    for (const id of ids) viewer.send({ type: 'OFFER', dst: id, payload: offer('00112233') });
    await barrier(viewer, 'viewer-a');
    const cameras = await Promise.all(ids.map((id) => registered(server, id, id)));
    await eventually(() => cameras.slice(0, 3).every((c) => c.messages.length === 1));
    // Anything still queued would reach each camera before a message relayed now.
    await Promise.all(cameras.map((camera, i) => barrierTo(viewer, camera, ids[i]!)));
    expect(cameras.map((c) => c.messages.length)).toEqual([1, 1, 1, 0, 0]);
  });

  it('caps open sockets per client address', async () => {
    const server = await servers.start({ limits: { relay: { connectionsPerAddress: 2 } } });
    const a = await registered(server, 'cam-1', 'a');
    await registered(server, 'cam-2', 'b');
    expect(await Client.connect(server, 'cam-3', token('c')).refused).toBe(429);
    a.ws.close();
    await a.closed;
    await eventually(async () => (await peersOnline(server)) === 1);
    await registered(server, 'cam-3', 'c');
  });

  it('does not let one address bind new IDs without limit', async () => {
    const server = await servers.start({ limits: { relay: { newIdsPerAddress: { burst: 2, perSecond: 0.001 } } } });
    await registered(server, 'cam-1', 'a');
    await registered(server, 'cam-2', 'b');
    expect(await Client.connect(server, 'cam-3', token('c')).refused).toBe(429);
    // Owners of bound IDs are not new IDs.
    await registered(server, 'cam-1', 'a');
  });

  it('answers OPEN when the owner reclaims its ID while the server still holds its old socket, and closes the old one saying why', async () => {
    const server = await servers.start();
    const camera = await registered(server, 'cam-home', 'camera');
    const again = await registered(server, 'cam-home', 'camera');
    expect(await camera.ofType('ERROR')).toEqual({ type: 'ERROR', payload: { msg: 'superseded' } });
    expect(await camera.closed).toEqual({ code: 4409, reason: 'superseded' });
    const viewer = await registered(server, 'viewer-a', 'viewer');
    viewer.send({ type: 'OFFER', dst: 'cam-home', payload: offer('00112233') });
    expect(await again.ofType('OFFER')).toMatchObject({ src: 'viewer-a' });
    expect(camera.messages).toEqual([]);
  });
});

describe('relayTransform (the malicious-operator simulator)', () => {
  const sdp = 'v=0\r\na=fingerprint:sha-256 AA:BB\r\n';

  it('sees frames with src stamped and can rewrite them', async () => {
    const seen: RelayedFrame[] = [];
    const server = await servers.start({
      relayTransform: (frame) => {
        seen.push(structuredClone(frame));
        const payload = frame.payload as { signal?: { sdp?: string } };
        if (payload.signal?.sdp) payload.signal.sdp = payload.signal.sdp.replace(/a=fingerprint:[^\r\n]*/, 'a=fingerprint:sha-256 EV:IL');
        return [frame];
      },
    });
    const camera = await registered(server, 'cam-home', 'camera');
    const viewer = await registered(server, 'viewer-a', 'viewer');
    viewer.send({ type: 'OFFER', dst: 'cam-home', src: 'forged', payload: offer('00112233', sdp) });
    const got = await camera.ofType('OFFER');
    expect(got).toEqual({ type: 'OFFER', src: 'viewer-a', dst: 'cam-home', payload: offer('00112233', 'v=0\r\na=fingerprint:sha-256 EV:IL\r\n') });
    expect(seen).toEqual([{ type: 'OFFER', src: 'viewer-a', dst: 'cam-home', payload: offer('00112233', sdp) }]);
  });

  it('can drop, duplicate, forge a sender, and replay a captured offer later', async () => {
    let captured: RelayedFrame | null = null;
    let inject: ((frame: RelayedFrame) => boolean) | null = null;
    const server = await servers.start({
      relayTransform: (frame, injectFrame) => {
        inject = injectFrame;
        if (frame.type === 'OFFER') captured ??= frame;
        if (frame.type === 'CANDIDATE') return [];
        if (frame.type === 'ANSWER') return [frame, { ...frame, src: 'cam-other' }];
        return [frame];
      },
    });
    const camera = await registered(server, 'cam-home', 'camera');
    const viewer = await registered(server, 'viewer-a', 'viewer');
    viewer.send({ type: 'OFFER', dst: 'cam-home', payload: offer('00112233', sdp) });
    viewer.send({ type: 'CANDIDATE', dst: 'cam-home', payload: { dropped: true } });
    expect(await camera.ofType('OFFER')).toMatchObject({ src: 'viewer-a' });

    camera.send({ type: 'ANSWER', dst: 'viewer-a', payload: { v: 1, kind: 'signal', sid: '00112233', signal: { type: 'answer', sdp } } });
    expect(await viewer.ofType('ANSWER')).toMatchObject({ src: 'cam-home' });
    expect(await viewer.ofType('ANSWER')).toMatchObject({ src: 'cam-other' });

    expect(inject!(captured!)).toBe(true);
    expect(await camera.ofType('OFFER')).toEqual({ type: 'OFFER', src: 'viewer-a', dst: 'cam-home', payload: offer('00112233', sdp) });
    expect(camera.messages).toEqual([]);
    expect(inject!({ ...captured!, dst: 'cam-nobody' })).toBe(false);
  });
});
