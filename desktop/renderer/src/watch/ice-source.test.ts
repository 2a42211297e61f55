import { beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../../../protocol/ice.ts';
import { configureLogging } from '../../../../protocol/log.ts';
import { IceSource } from './ice-source.ts';
import { FakeTransport } from '../../../../protocol/testing/transport.ts';
import { FakeTimers, flush } from '../../../../protocol/testing/timers.ts';

const TURN = { iceServers: [{ urls: ['stun:turn.example:3478'] }, { urls: ['turn:turn.example:3478?transport=udp'], username: '1:viewer-test', credential: 'c1' }], ttl: 600 };
const STUN_ONLY = { iceServers: [{ urls: 'stun:turn.example:3478' }], ttl: 600 };

/**
 * The server's /ice, answering with `reply` (a body, an HTTP status, or a thrown network error); while `held`, requests
 * wait until `release()` (a slow server).
 */
function fakeIce(reply: unknown = TURN) {
  const calls: { url: string; body: unknown }[] = [];
  let waiting: (() => void)[] = [];
  const server = {
    reply,
    calls,
    held: false,
    release() {
      server.held = false;
      for (const go of waiting) go();
      waiting = [];
    },
  };
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, body: JSON.parse(init.body) });
    if (server.held) await new Promise<void>((resolve) => waiting.push(resolve));
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
    await flush();
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

  it('a watch dials at once with a cached configuration while a fetch is in flight', async () => {
    const s = setup();
    s.source.start();
    await s.source.rtcConfig(false);
    // The server restarted: the re-open asks again, and the server is slow to answer.
    s.server.held = true;
    s.transport.setState('retrying');
    s.transport.setState('open');
    expect(s.server.calls).toHaveLength(2);
    expect(await s.source.rtcConfig(false)).toEqual({ iceServers: TURN.iceServers, iceTransportPolicy: 'all' });
    s.server.release();
  });

  /**
   * Credentials past 80 % of their lifetime (the viewer was disconnected over the background refresh), and a server
   * that holds its answer to the next fetch: new credentials, released by the test.
   */
  async function staleWithRefreshHeld() {
    const s = setup();
    s.source.start();
    await s.source.rtcConfig(false);
    s.transport.state = 'retrying';
    s.timers.advance(500_000);
    s.transport.state = 'open';
    s.server.held = true;
    s.server.reply = { ...TURN, iceServers: [{ urls: ['turn:new.example:3478'], username: '2:viewer-test', credential: 'c2' }] };
    return s;
  }

  it('a watch with stale credentials dials with them at once and asks again in the background', async () => {
    const s = await staleWithRefreshHeld();
    expect(await s.source.rtcConfig(false)).toEqual({ iceServers: TURN.iceServers, iceTransportPolicy: 'all' });
    expect(s.server.calls).toHaveLength(2);
    s.server.release();
    await flush();
    expect(await s.source.rtcConfig(false)).toMatchObject({ iceServers: [{ urls: ['turn:new.example:3478'] }] });
  });

  it('with nothing cached, a watch waits briefly for the fetch in flight, then dials LAN-only', async () => {
    const slow = setup();
    slow.server.held = true;
    slow.source.start();
    let config: unknown = null;
    void slow.source.rtcConfig(false).then((c) => (config = c));
    slow.timers.advance(1_499);
    await flush();
    expect(config).toBeNull();
    slow.timers.advance(1);
    await flush();
    expect(config).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    slow.server.release();

    // A server that answers within the wait: the watch gets its servers as soon as they come.
    const prompt = setup();
    prompt.server.held = true;
    prompt.source.start();
    config = null;
    void prompt.source.rtcConfig(false).then((c) => (config = c));
    prompt.timers.advance(200);
    prompt.server.release();
    await flush();
    expect(config).toEqual({ iceServers: TURN.iceServers, iceTransportPolicy: 'all' });
  });

  it('relay-only with stale credentials waits for fresh ones (up to 5 s)', async () => {
    const s = await staleWithRefreshHeld();
    let config: unknown = null;
    void s.source.rtcConfig(true).then((c) => (config = c));
    s.timers.advance(3_000);
    await flush();
    expect(config).toBeNull();
    s.server.release();
    await flush();
    expect(config).toEqual({ iceServers: [{ urls: ['turn:new.example:3478'], username: '2:viewer-test', credential: 'c2' }], iceTransportPolicy: 'relay' });
  });

  it('stops its timers', async () => {
    const s = setup();
    s.source.start();
    await s.source.rtcConfig(false);
    s.source.stop();
    expect(s.timers.pending.size).toBe(0);
  });
});
