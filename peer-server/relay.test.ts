/**
 * The relay's hot path: a relayed frame between two connected peers is delivered by the guard itself (checked once,
 * its text forwarded with the server's src), and everything else still goes through PeerServer as before.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningServer, ServerOptions } from './server.ts';
import { Client, offer, token } from './test-client.ts';
import { TestServers, registered } from './test-server.ts';
import type { RelayCounters } from './ws-server.ts';

const servers = new TestServers('pawcam-relay-', { open: true, expireTimeoutMs: 500 });

async function start(options: ServerOptions = {}): Promise<{ server: RunningServer; counters: RelayCounters }> {
  const counters: RelayCounters = { direct: 0, viaPeerServer: 0, dropped: 0 };
  const server = await servers.start({ relayCounters: counters, ...options });
  return { server, counters };
}

afterEach(() => servers.stopAll());
afterAll(() => servers.removeDirs());

describe('direct relay between connected peers', () => {
  it('delivers OFFER, ANSWER and CANDIDATE without PeerServer, src stamped by the server', async () => {
    const { server, counters } = await start();
    const viewer = await registered(server, 'viewer-a');
    const camera = await registered(server, 'cam-home');
    const before = { ...counters };
    viewer.send({ type: 'OFFER', dst: 'cam-home', payload: offer('00112233') });
    expect(await camera.ofType('OFFER')).toEqual({ type: 'OFFER', dst: 'cam-home', payload: offer('00112233'), src: 'viewer-a' });
    camera.send({ type: 'ANSWER', dst: 'viewer-a', payload: { a: 1 } });
    expect(await viewer.ofType('ANSWER')).toEqual({ type: 'ANSWER', dst: 'viewer-a', payload: { a: 1 }, src: 'cam-home' });
    viewer.send({ type: 'CANDIDATE', dst: 'cam-home', payload: { c: 2 } });
    expect(await camera.ofType('CANDIDATE')).toMatchObject({ src: 'viewer-a', payload: { c: 2 } });
    expect(counters.direct - before.direct).toBe(3);
    expect(counters.viaPeerServer - before.viaPeerServer).toBe(0);
  });

  it('never delivers what the client claimed as src, nor fields beyond the frame', async () => {
    const { server, counters } = await start();
    const viewer = await registered(server, 'viewer-a');
    const camera = await registered(server, 'cam-home');
    viewer.send('{"type":"OFFER","src":"cam-other","dst":"cam-home","payload":{"n":1}}');
    viewer.send('{"type":"OFFER","dst":"cam-home","payload":{"n":2},"src":"cam-other"}');
    viewer.send('{"type":"OFFER","dst":"cam-home","payload":{"n":3},"extra":{"x":1}}');
    for (const n of [1, 2, 3]) {
      expect(await camera.next((m) => (m['payload'] as { n?: number }).n === n)).toEqual({ type: 'OFFER', dst: 'cam-home', payload: { n }, src: 'viewer-a' });
    }
    expect(counters.direct).toBe(3);
  });

  it('drops malformed frames, and sends nothing for them', async () => {
    const { server, counters } = await start();
    const viewer = await registered(server, 'viewer-a');
    const camera = await registered(server, 'cam-home');
    for (const bad of ['{"type":"OFFER","dst":"cam-home"}', '{"type":"OFFER","dst":"cam-home","payload":[1]}', '{"type":"OPEN"}', 'x', '[]']) viewer.send(bad);
    viewer.send({ type: 'CANDIDATE', dst: 'cam-home', payload: { last: true } });
    expect(await camera.next((m) => m['type'] === 'CANDIDATE')).toMatchObject({ payload: { last: true } });
    expect(camera.messages).toEqual([]);
    expect(counters.dropped).toBe(5);
  });

  it('leaves a message for an absent peer to PeerServer, which hands it over when the peer connects, and says nothing to the sender', async () => {
    const { server, counters } = await start({ expireTimeoutMs: 5000 });
    const viewer = await registered(server, 'viewer-a');
    viewer.send({ type: 'OFFER', dst: 'cam-away', payload: { queued: true } });
    // A frame to itself comes back once the server has handled everything sent before it.
    viewer.send({ type: 'CANDIDATE', dst: 'viewer-a', payload: { barrier: true } });
    await viewer.next((m) => (m['payload'] as { barrier?: boolean }).barrier === true);
    expect(counters.viaPeerServer).toBe(1);
    const camera = await registered(server, 'cam-away');
    expect(await camera.ofType('OFFER')).toEqual({ type: 'OFFER', src: 'viewer-a', dst: 'cam-away', payload: { queued: true } });
    expect(viewer.messages).toEqual([]);
  });

  it('relays nothing from a socket whose ID was reclaimed on another one', async () => {
    const { server } = await start();
    const camera = await registered(server, 'cam-home');
    const old = await registered(server, 'viewer-a');
    const again = Client.connect(server, 'viewer-a', token('viewer-a'));
    await again.ofType('OPEN');
    await old.closed;
    again.send({ type: 'OFFER', dst: 'cam-home', payload: { from: 'new' } });
    expect(await camera.ofType('OFFER')).toMatchObject({ src: 'viewer-a', payload: { from: 'new' } });
  });
});
