import { beforeEach, describe, expect, it } from 'vitest';
import { IceCache, MIN_REFRESH_MS } from './ice-cache.ts';
import type { IceConfig } from './ice.ts';
import { configureLogging, type LogRecord } from './log.ts';
import { FakeTimers, flush } from './testing/timers.ts';
import { FakeTransport } from './testing/transport.ts';

const TURN: IceConfig = { iceServers: [{ urls: ['turn:example.net:3478'], username: '1:cam', credential: 'c2VjcmV0' }], ttl: 600 };
const STATIC: IceConfig = { iceServers: [{ urls: ['stun:example.net:3478'] }], ttl: 0 };

let logs: LogRecord[];
beforeEach(() => {
  logs = [];
  configureLogging({ sink: (r) => logs.push(r), level: 'debug' });
});

function setup(answers: (IceConfig | Error)[]) {
  const transport = new FakeTransport('open');
  const timers = new FakeTimers();
  let loads = 0;
  const cache = new IceCache({
    load: async () => {
      loads++;
      const answer = answers.shift();
      if (!answer || answer instanceof Error) throw answer ?? new Error('no answer');
      return answer;
    },
    transport,
    timers,
    waitMs: 4_000,
  });
  return { transport, timers, cache, loads: () => loads };
}

describe('IceCache', () => {
  it('a ttl of 0 never expires and schedules nothing: it is used until the next open replaces it', async () => {
    const s = setup([STATIC, TURN]);
    s.cache.start();
    await flush();
    expect(s.cache.usable).toEqual(STATIC);
    expect(s.timers.pending.size).toBe(0);
    s.timers.advance(365 * 24 * 3600 * 1000);
    expect(s.cache.usable).toEqual(STATIC);
    // Fresh for ever: a caller that may fetch does not ask the server again.
    await s.cache.ready(true);
    expect(s.loads()).toBe(1);
    s.transport.setState('retrying');
    s.transport.setState('open');
    await flush();
    expect(s.loads()).toBe(2);
    expect(s.cache.usable).toEqual(TURN);
  });

  it('a positive ttl expires: past it the configuration is not handed out (no dead credentials)', async () => {
    const s = setup([TURN]);
    s.transport.state = 'retrying';
    s.cache.start();
    s.transport.setState('open');
    await flush();
    expect(s.cache.usable).toEqual(TURN);
    s.transport.setState('retrying');
    s.timers.advance(600_000);
    expect(s.cache.usable).toBeNull();
  });

  it('refreshes at 80% of the ttl, never more often than MIN_REFRESH_MS', async () => {
    const s = setup([TURN, { ...TURN, ttl: 10 }, TURN]);
    s.cache.start();
    await flush();
    expect(s.timers.nextIn()).toBe(480_000);
    s.timers.advance(480_000);
    await flush();
    expect(s.loads()).toBe(2);
    expect(s.timers.nextIn()).toBe(MIN_REFRESH_MS);
    s.cache.stop();
    expect(s.timers.pending.size).toBe(0);
  });

  it('retries a failed fetch with backoff, keeps the error for the caller, and logs why', async () => {
    const s = setup([new Error('offline'), TURN]);
    s.cache.start();
    await flush();
    expect(s.cache.usable).toBeNull();
    expect(s.cache.lastError?.message).toBe('offline');
    expect(logs.some((r) => r.level === 'warn' && /LAN candidates only/.test(r.msg))).toBe(true);
    s.timers.advance(10_000);
    await flush();
    expect(s.loads()).toBe(2);
    expect(s.cache.usable).toEqual(TURN);
    expect(s.cache.lastError).toBeNull();
  });

  it('ready() waits for a fetch in flight, but at most waitMs', async () => {
    const transport = new FakeTransport('open');
    const timers = new FakeTimers();
    const cache = new IceCache({ load: () => new Promise<IceConfig>(() => undefined), transport, timers, waitMs: 4_000 });
    cache.start();
    let done = false;
    void cache.ready(false).then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    timers.advance(4_000);
    await flush();
    expect(done).toBe(true);
  });
});
