import { beforeEach, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../../protocol/ice.ts';
import { configureLogging, type LogRecord } from '../../../protocol/log.ts';
import { IceKeeper, MIN_REFRESH_MS } from './ice-keeper.ts';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';
import { FakeTransport } from '../../../protocol/testing/transport.ts';


const TURN = { iceServers: [{ urls: ['stun:example.net:3478'] }, { urls: ['turn:example.net:3478'], username: '1:cam', credential: 'c2VjcmV0' }], ttl: 600 };
const STUN_ONLY = { iceServers: [{ urls: ['stun:example.net:3478'] }], ttl: 600 };

let logs: LogRecord[];
beforeEach(() => {
  logs = [];
  configureLogging({ sink: (r) => logs.push(r), level: 'debug' });
});

function setup(answers: (() => unknown)[]) {
  const transport = new FakeTransport('connecting');
  const timers = new FakeTimers();
  const requests: { url: string; body: unknown }[] = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({ url, body: JSON.parse(init.body) });
    const answer = answers.shift()?.();
    if (answer instanceof Error) throw answer;
    return { ok: true, status: 200, json: async () => answer };
  };
  const keeper = new IceKeeper({ serverUrl: 'https://pawcam.test:8443/', id: 'cam-1', token: 'tok', transport, fetch, timers });
  return { transport, timers, requests, keeper };
}

describe('IceKeeper', () => {
  it('fetches the ICE servers for its ID and token once the transport opens, and on every re-open', async () => {
    const { transport, requests, keeper } = setup([() => STUN_ONLY, () => TURN]);
    keeper.start();
    await flush();
    expect(requests).toEqual([]);
    transport.setState('open');
    await flush();
    expect(requests).toEqual([{ url: 'https://pawcam.test:8443/ice', body: { id: 'cam-1', token: 'tok' } }]);
    expect(keeper.current).toEqual(STUN_ONLY);
    // The server restarted (maybe with TURN now).
    transport.setState('retrying');
    transport.setState('open');
    await flush();
    expect(requests).toHaveLength(2);
    expect(keeper.current).toEqual(TURN);
  });

  it('refreshes before the credentials expire (80% of the ttl, never more often than every 30 s)', async () => {
    const { transport, timers, requests, keeper } = setup([() => TURN, () => ({ ...TURN, ttl: 10 }), () => TURN]);
    transport.state = 'open';
    keeper.start();
    await flush();
    expect(requests).toHaveLength(1);
    expect(timers.nextIn()).toBe(480_000);
    timers.advance(479_999);
    await flush();
    expect(requests).toHaveLength(1);
    timers.advance(1);
    await flush();
    expect(requests).toHaveLength(2);
    expect(timers.nextIn()).toBe(MIN_REFRESH_MS);
    timers.advance(MIN_REFRESH_MS);
    await flush();
    expect(requests).toHaveLength(3);
    keeper.stop();
    expect(timers.pending.size).toBe(0);
  });

  it('answers with LAN candidates only when the fetch fails, logs why, and tries again later', async () => {
    const { transport, timers, requests, keeper } = setup([() => new Error('offline'), () => STUN_ONLY]);
    transport.state = 'open';
    keeper.start();
    await flush();
    expect(await keeper.choose(false)).toEqual({ ok: true, config: { iceServers: [], iceTransportPolicy: 'all' } });
    expect(logs.some((r) => r.level === 'warn' && /LAN candidates only/.test(r.msg))).toBe(true);
    timers.advance(10_000);
    await flush();
    expect(requests).toHaveLength(2);
    expect(await keeper.choose(false)).toEqual({ ok: true, config: { iceServers: [{ urls: ['stun:example.net:3478'] }], iceTransportPolicy: 'all' } });
  });

  it('relay-only: a relay config with TURN; refused without TURN or without any answer from the server', async () => {
    const withTurn = setup([() => TURN]);
    withTurn.transport.state = 'open';
    withTurn.keeper.start();
    const choice = await withTurn.keeper.choose(true);
    expect(choice).toEqual({ ok: true, config: { iceServers: TURN.iceServers, iceTransportPolicy: 'relay' } });

    const stunOnly = setup([() => STUN_ONLY]);
    stunOnly.transport.state = 'open';
    stunOnly.keeper.start();
    expect(await stunOnly.keeper.choose(true)).toEqual({ ok: false, reason: 'relay-unavailable' });
    expect((await stunOnly.keeper.choose(false)).ok).toBe(true);

    const down = setup([() => new Error('offline')]);
    down.transport.state = 'open';
    down.keeper.start();
    expect(await down.keeper.choose(true)).toEqual({ ok: false, reason: 'relay-unavailable' });
  });

  it('with nothing usable, a session waits briefly for the fetch in flight, then answers LAN-only', async () => {
    const { transport, timers, keeper } = setup([() => new Promise(() => undefined)]);
    transport.state = 'open';
    keeper.start();
    let choice: unknown = null;
    void keeper.choose(false).then((c) => (choice = c));
    timers.advance(1_499);
    await flush();
    expect(choice).toBeNull();
    timers.advance(1);
    await flush();
    expect(choice).toEqual({ ok: true, config: { iceServers: [], iceTransportPolicy: 'all' } });
  });

  it('with nothing usable, a session gets the servers as soon as the fetch in flight answers', async () => {
    let answer: (value: unknown) => void = () => undefined;
    const { transport, timers, keeper } = setup([() => new Promise((resolve) => (answer = resolve))]);
    transport.state = 'open';
    keeper.start();
    let choice: unknown = null;
    void keeper.choose(false).then((c) => (choice = c));
    timers.advance(300);
    await flush();
    expect(choice).toBeNull();
    answer(STUN_ONLY);
    await flush();
    expect(choice).toEqual({ ok: true, config: { iceServers: [{ urls: ['stun:example.net:3478'] }], iceTransportPolicy: 'all' } });
  });

  it('a session answers at once from what it holds while a fetch is in flight (server restarted)', async () => {
    const { transport, keeper, requests } = setup([() => TURN, () => new Promise(() => undefined)]);
    transport.state = 'open';
    keeper.start();
    await flush();
    transport.setState('retrying');
    transport.setState('open');
    await flush();
    expect(requests).toHaveLength(2);
    // No time passes: the session does not wait on the hanging fetch.
    expect(await keeper.choose(false)).toEqual({ ok: true, config: { iceServers: TURN.iceServers, iceTransportPolicy: 'all' } });
  });

  it('relay-only with stale credentials asks again and waits for them (up to 4 s)', async () => {
    let answer: (value: unknown) => void = () => undefined;
    const fresh = { ...TURN, iceServers: [{ urls: ['turn:new.example.net:3478'], username: '2:cam', credential: 'bmV3' }] };
    const { transport, timers, keeper, requests } = setup([() => TURN, () => new Promise((resolve) => (answer = resolve))]);
    transport.state = 'open';
    keeper.start();
    await flush();
    // Disconnected over the background refresh: past 80 % of the lifetime, still within it.
    transport.state = 'retrying';
    timers.advance(500_000);
    transport.state = 'open';
    let choice: unknown = null;
    void keeper.choose(true).then((c) => (choice = c));
    await flush();
    expect(requests).toHaveLength(2);
    timers.advance(3_000);
    await flush();
    expect(choice).toBeNull();
    answer(fresh);
    await flush();
    expect(choice).toEqual({ ok: true, config: { iceServers: fresh.iceServers, iceTransportPolicy: 'relay' } });
  });
});
