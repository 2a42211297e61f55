import { beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../../../protocol/ice.ts';
import { configureLogging } from '../../../../protocol/log.ts';
import { IceSource } from './ice-source.ts';
import { FakeTransport } from '../../../../protocol/testing/transport.ts';
import { FakeTimers } from '../../../../protocol/testing/timers.ts';

const TURN = { iceServers: [{ urls: ['stun:turn.example:3478'] }, { urls: ['turn:turn.example:3478?transport=udp'], username: '1:viewer-test', credential: 'c1' }], ttl: 600 };
const STUN_ONLY = { iceServers: [{ urls: 'stun:turn.example:3478' }], ttl: 600 };

/** The server's /ice, answering with `reply` (a body, an HTTP status, or a thrown network error). */
function fakeIce(reply: unknown = TURN) {
  const calls: { url: string; body: unknown }[] = [];
  const server = { reply, calls };
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, body: JSON.parse(init.body) });
    const r = server.reply;
    if (r instanceof Error) throw r;
    if (typeof r === 'number') return { ok: false, status: r, json: async () => ({ error: 'no' }) };
    return { ok: true, status: 200, json: async () => structuredClone(r) };
  };
  return { server, fetch };
}

function setup(reply: unknown = TURN, state: 'open' | 'connecting' = 'open') {
  const transport = new FakeTransport(state);
  const timers = new FakeTimers();
  const { server, fetch } = fakeIce(reply);
  const source = new IceSource({ serverUrl: 'https://pawcam.example:8443/', id: 'viewer-test', token: 'f'.repeat(32), transport, fetch, timers });
  return { transport, timers, server, source };
}

describe('IceSource', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));

  it('fetches the ICE servers once registered, as that peer, and hands them to every watch', async () => {
    const s = setup(TURN, 'connecting');
    s.source.start();
    expect(s.server.calls).toEqual([]);
    s.transport.setState('open');
    const config = await s.source.rtcConfig(false);
    expect(s.server.calls).toEqual([{ url: 'https://pawcam.example:8443/ice', body: { id: 'viewer-test', token: 'f'.repeat(32) } }]);
    expect(config).toEqual({ iceServers: TURN.iceServers, iceTransportPolicy: 'all' });
    await s.source.rtcConfig(false);
    expect(s.server.calls).toHaveLength(1);
  });

  it('turns "always relay" into relay-only ICE', async () => {
    const s = setup();
    s.source.start();
    expect(await s.source.rtcConfig(true)).toMatchObject({ iceTransportPolicy: 'relay' });
  });

  it('refuses relay-only when the server has no TURN relay', async () => {
    const s = setup(STUN_ONLY);
    s.source.start();
    await expect(s.source.rtcConfig(true)).rejects.toMatchObject({ code: 'connection-failed', message: expect.stringMatching(/no TURN relay/) });
    expect(await s.source.rtcConfig(false)).toEqual({ iceServers: [{ urls: ['stun:turn.example:3478'] }], iceTransportPolicy: 'all' });
  });

  it('falls back to LAN only when the server cannot be asked, and says why relay-only cannot work', async () => {
    const s = setup(401);
    s.source.start();
    expect(await s.source.rtcConfig(false)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    await expect(s.source.rtcConfig(true)).rejects.toMatchObject({ code: 'connection-failed', message: expect.stringMatching(/could not be fetched.*HTTP 401/) });
    const offline = setup(new TypeError('Failed to fetch'));
    offline.source.start();
    expect(await offline.source.rtcConfig(false)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
  });

  it('refreshes before the credentials expire, and asks again at a watch when they are stale', async () => {
    const s = setup();
    s.source.start();
    await s.source.rtcConfig(false);
    expect(s.server.calls).toHaveLength(1);
    // 80 % of the 600 s lifetime: refreshed in the background.
    s.timers.advance(480_000);
    await s.source.rtcConfig(false);
    expect(s.server.calls).toHaveLength(2);
    // While disconnected the background refresh waits; a watch after expiry gets LAN only (no dead credentials).
    s.transport.setState('retrying');
    s.timers.advance(700_000);
    expect(s.server.calls).toHaveLength(2);
    expect(await s.source.rtcConfig(false)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    s.transport.setState('open');
    expect(await s.source.rtcConfig(false)).toMatchObject({ iceServers: TURN.iceServers });
    expect(s.server.calls).toHaveLength(3);
  });

  it('stops its timers', async () => {
    const s = setup();
    s.source.start();
    await s.source.rtcConfig(false);
    s.source.stop();
    expect(s.timers.pending.size).toBe(0);
  });
});
