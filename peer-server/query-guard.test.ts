/**
 * The policy and PeerServer must read the same ID and token from an upgrade: the policy takes the first of a repeated
 * query parameter, PeerServer the last, so a repeated one let a client pass the check as its own ID and register as
 * someone else's (an absent camera's), receiving its messages and sending as it.
 */
import WebSocket from 'ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, token } from './test-client.ts';
import { TestServers } from './test-server.ts';
import { repeatedPeerParam } from './ws-server.ts';

const servers = new TestServers('pawcam-query-', { open: true });

afterEach(() => servers.stopAll());
afterAll(() => servers.removeDirs());

describe('repeated query parameters', () => {
  it('cannot register an ID the policy never checked', async () => {
    const server = await servers.start();
    // The camera registers (binding its ID to its token), then goes away.
    const camera = Client.connect(server, 'cam-victim', token('victim'));
    await camera.ofType('OPEN');
    camera.ws.terminate();
    await camera.closed;

    const base = server.url.replace(/^http/, 'ws');
    const attacker = new Client(new WebSocket(`${base}/peerjs/peerjs?key=pawcam&id=viewer-x&token=${token('attacker')}&id=cam-victim&token=${token('attacker')}`));
    Client.all.push(attacker.ws);
    attacker.ws.on('error', () => undefined);
    expect(await attacker.refused).toBe(400);

    const viewer = Client.connect(server, 'viewer-b', token('viewer-b'));
    await viewer.ofType('OPEN');
    viewer.send({ type: 'OFFER', dst: 'cam-victim', payload: { secret: 1 } });
    // The camera, back, gets its ID (not ID-TAKEN) and the message held for it.
    const back = Client.connect(server, 'cam-victim', token('victim'));
    await back.ofType('OPEN');
    expect(await back.ofType('OFFER')).toMatchObject({ src: 'viewer-b', payload: { secret: 1 } });
    expect(attacker.messages).toEqual([]);
  });

  it('names the repeated parameter', () => {
    expect(repeatedPeerParam('/peerjs/peerjs?key=pawcam&id=a&token=t')).toBeNull();
    expect(repeatedPeerParam('/peerjs/peerjs?key=pawcam&id=a&token=t&id=b')).toBe('id');
    expect(repeatedPeerParam('/peerjs/peerjs?key=pawcam&key=peerjs&id=a&token=t')).toBe('key');
    expect(repeatedPeerParam('/peerjs/peerjs?key=pawcam&id=a&token=t&token=u')).toBe('token');
    expect(repeatedPeerParam(undefined)).toBeNull();
  });
});
