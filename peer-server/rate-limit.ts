/** Token buckets: one per socket for message rates, and a bounded map of them keyed by address or peer ID. */
import type { Logger } from '../protocol/log.ts';

/** A bucket's shape: `burst` tokens at most, refilled at `perSecond`. */
export interface BucketRate {
  burst: number;
  perSecond: number;
}

/** One token bucket. Time is passed in (epoch ms) so tests can drive it. */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly rate: BucketRate,
    now: number,
  ) {
    this.#tokens = rate.burst;
    this.#at = now;
  }

  /** Take one token; false when the bucket is empty. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Is the bucket back to full (so forgetting it changes nothing)? */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.rate.burst;
  }

  /** Seconds until the next token. */
  secondsToNext(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.rate.perSecond);
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#at) / 1000;
    this.#tokens = Math.min(this.rate.burst, this.#tokens + elapsed * this.rate.perSecond);
    this.#at = now;
  }
}

/**
 * A token bucket per key (remote address, peer ID). Full buckets are forgotten, since a new one is identical; the
 * number of keys is capped so hostile input cannot grow the map without bound (past the cap, unknown keys are refused).
 */
export class KeyedLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  #takesSincePrune = 0;

  constructor(
    readonly rate: BucketRate,
    readonly maxKeys = 100_000,
  ) {}

  /** Take one token for `key`. */
  take(key: string, now: number): boolean {
    return this.#bucket(key, now)?.take(now) ?? false;
  }

  /** Seconds until `key` may try again (for Retry-After). */
  retryAfter(key: string, now: number): number {
    return Math.max(1, this.#buckets.get(key)?.secondsToNext(now) ?? 1);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #bucket(key: string, now: number): TokenBucket | null {
    if (++this.#takesSincePrune >= 1000) this.#prune(now);
    const known = this.#buckets.get(key);
    if (known) return known;
    if (this.#buckets.size >= this.maxKeys) this.#prune(now);
    if (this.#buckets.size >= this.maxKeys) return null;
    const bucket = new TokenBucket(this.rate, now);
    this.#buckets.set(key, bucket);
    return bucket;
  }

  #prune(now: number): void {
    this.#takesSincePrune = 0;
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }
}

/**
 * A logger that writes at most `burst` lines per message text and then one per `perSecond`, counting the rest, so
 * a flood of refused requests cannot flood the log. The next line written says how many were suppressed.
 */
export function throttledLogger(log: Logger, rate: BucketRate = { burst: 10, perSecond: 1 / 6 }, now: () => number = Date.now): Logger {
  const limiter = new KeyedLimiter(rate, 1000);
  const suppressed = new Map<string, number>();
  const at =
    (level: keyof Logger) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!limiter.take(msg, now())) {
        suppressed.set(msg, (suppressed.get(msg) ?? 0) + 1);
        return;
      }
      const missed = suppressed.get(msg);
      suppressed.delete(msg);
      log[level](msg, missed ? { ...fields, suppressed: missed } : fields);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * The key an address is limited under: an IPv4 address as is, an IPv6 address by its /64 (one home or VPS gets a
 * whole /64, so counting single IPv6 addresses would hand one client 2^64 fresh allowances). IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, how a dual-stack socket reports IPv4 peers) counts as the IPv4 address.
 */
export function limitKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  const [head = '', tail = ''] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = bare.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  if (groups.length < 4 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g) && !/^\d{1,3}(?:\.\d{1,3}){3}$/.test(g))) return bare.slice(0, 45);
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
