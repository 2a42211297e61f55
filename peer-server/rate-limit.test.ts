import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../protocol/log.ts';
import { KeyedLimiter, TokenBucket, throttledLogger } from './rate-limit.ts';
import { captureLogs } from './test-client.ts';

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const bucket = new TokenBucket({ burst: 3, perSecond: 2 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.secondsToNext(0)).toBe(1);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
    expect(bucket.isFull(10_000)).toBe(true);
  });
});

describe('KeyedLimiter', () => {
  it('limits each key on its own', () => {
    const limiter = new KeyedLimiter({ burst: 1, perSecond: 1 });
    expect(limiter.take('a', 0)).toBe(true);
    expect(limiter.take('a', 0)).toBe(false);
    expect(limiter.take('b', 0)).toBe(true);
    expect(limiter.retryAfter('a', 0)).toBe(1);
  });

  it('bounds its keys, forgetting full buckets first', () => {
    const limiter = new KeyedLimiter({ burst: 1, perSecond: 1 }, 2);
    expect(limiter.take('a', 0)).toBe(true);
    expect(limiter.take('b', 0)).toBe(true);
    expect(limiter.take('c', 0)).toBe(false);
    expect(limiter.take('c', 5000)).toBe(true);
    expect(limiter.size).toBeLessThanOrEqual(2);
  });
});

describe('throttledLogger', () => {
  it('writes a burst per message, then counts what it suppressed', () => {
    const records: LogRecord[] = [];
    let now = 0;
    const log = throttledLogger(captureLogs(records), { burst: 2, perSecond: 1 }, () => now);
    for (let i = 0; i < 5; i++) log.warn('refused', { i });
    log.warn('other');
    expect(records.map((r) => [r.msg, r.fields])).toEqual([
      ['refused', { i: 0 }],
      ['refused', { i: 1 }],
      ['other', undefined],
    ]);
    now = 1000;
    log.warn('refused', { i: 5 });
    expect(records.at(-1)?.fields).toEqual({ i: 5, suppressed: 3 });
  });
});

describe('limitKey', () => {
  it('counts an IPv6 /64 as one client and IPv4 (also IPv4-mapped) per address', async () => {
    const { limitKey } = await import('./rate-limit.ts');
    expect(limitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    expect(limitKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(limitKey('192.0.2.7')).toBe('192.0.2.7');
  });
});
