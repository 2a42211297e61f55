/**
 * The ICE servers one device dials or answers with, cached: fetched from our own server whenever the signaling
 * connection opens, refreshed before minted TURN credentials expire, retried with backoff when the server cannot be
 * asked, and never used past their lifetime (no dead credentials). Both apps hold one; each maps what it finds to its
 * own answer (the camera's IceKeeper, the viewer's IceSource).
 *
 * A `ttl` of 0 means the configuration does not expire (the server minted no credentials): it is used until the
 * next (re)open replaces it, and nothing is scheduled.
 */
import { Backoff } from './backoff.ts';
import { toPawcamError, type PawcamError } from './errors.ts';
import type { FetchLike, IceConfig } from './ice.ts';
import { createLogger } from './log.ts';
import type { Timers } from './timers.ts';
import type { TransportEvents, TransportState } from './transport.ts';

const log = createLogger('ice-cache');

/** Share of the credentials' lifetime after which they are fetched again. */
export const REFRESH_AT = 0.8;
/** Never refresh more often than this in the background (the server rate-limits /ice per peer). */
export const MIN_REFRESH_MS = 30_000;

/** The part of the signaling transport the cache watches: it fetches on every open. */
export interface TransportStateSource {
  readonly state: TransportState;
  on(event: 'state', listener: TransportEvents['state']): () => void;
}

/** Where and as whom a device asks for its ICE servers (`POST /ice` serves registered peers only). */
export interface IceAccess {
  serverUrl: string;
  /** The device's registered ID and its token. */
  id: string;
  token: string;
  transport: TransportStateSource;
  fetch: FetchLike;
}

/** Options of IceCache. */
export interface IceCacheOptions {
  /** Ask the server (protocol/ice.ts `fetchIceConfig` with this peer's credentials); rejects when it cannot. */
  load: () => Promise<IceConfig>;
  transport: TransportStateSource;
  timers: Timers;
  /** How long a caller of `ready()` waits for a fetch before going on with what there is, ms. */
  waitMs: number;
}

/** A cached, self-refreshing ICE configuration. */
export class IceCache {
  readonly #options: IceCacheOptions;
  readonly #timers: Timers;
  readonly #retry = new Backoff({ initialMs: 5_000, maxMs: 300_000 });
  #off: (() => void) | null = null;
  #ice: IceConfig | null = null;
  #fetchedAt = 0;
  #lastError: PawcamError | null = null;
  #inflight: Promise<void> | null = null;
  #timer: unknown = null;

  constructor(options: IceCacheOptions) {
    this.#options = options;
    this.#timers = options.timers;
  }

  /** Fetch whenever the transport opens (now, if it is open). */
  start(): void {
    if (this.#off) return;
    this.#off = this.#options.transport.on('state', (state) => {
      // Every (re)open: the server may have restarted with other ICE settings.
      if (state === 'open') void this.#refresh();
    });
    if (this.#options.transport.state === 'open') void this.#refresh();
  }

  /** Stop listening and cancel the scheduled refresh. */
  stop(): void {
    this.#off?.();
    this.#off = null;
    this.#schedule(null);
  }

  /** The configuration if it has not expired, else null (never fetched, or too old to trust its credentials). */
  get usable(): IceConfig | null {
    if (!this.#ice) return null;
    if (this.#ice.ttl === 0) return this.#ice;
    return this.#timers.now() < this.#fetchedAt + this.#ice.ttl * 1000 ? this.#ice : null;
  }

  /** Why the last fetch failed (null after a success). */
  get lastError(): PawcamError | null {
    return this.#lastError;
  }

  /**
   * Wait (at most `waitMs`) for a fetch in flight; with `fetchIfStale`, first start one when the configuration is
   * stale and the server can be asked.
   */
  async ready(fetchIfStale: boolean): Promise<void> {
    const work = this.#inflight ?? (fetchIfStale && !this.#fresh() && this.#options.transport.state === 'open' ? this.#refresh() : null);
    if (!work) return;
    let timer: unknown = null;
    const limit = new Promise<void>((resolve) => (timer = this.#timers.setTimeout(resolve, this.#options.waitMs)));
    await Promise.race([work, limit]);
    this.#timers.clearTimeout(timer);
  }

  /** Young enough that nobody needs to ask again. */
  #fresh(): boolean {
    if (!this.#ice) return false;
    if (this.#ice.ttl === 0) return true;
    return this.#timers.now() < this.#fetchedAt + this.#ice.ttl * 1000 * REFRESH_AT;
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#fetch().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    try {
      const ice = await this.#options.load();
      this.#ice = ice;
      this.#fetchedAt = this.#timers.now();
      this.#lastError = null;
      this.#retry.reset();
      const turn = ice.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn')));
      log.info('ICE servers from the server', { servers: ice.iceServers.length, turn, ttl: ice.ttl });
      this.#schedule(ice.ttl > 0 ? Math.max(MIN_REFRESH_MS, ice.ttl * 1000 * REFRESH_AT) : null);
    } catch (error) {
      this.#lastError = toPawcamError(error);
      const delay = this.#retry.next();
      // Host candidates still work on a LAN: keep going, say why the relay is missing, and try again later.
      log.warn('could not fetch the ICE servers; using LAN candidates only meanwhile', { error: this.#lastError.message, retryInMs: delay });
      this.#schedule(delay);
    }
  }

  #schedule(ms: number | null): void {
    this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    if (ms === null || !this.#off) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      if (this.#off && this.#options.transport.state === 'open') void this.#refresh();
    }, ms);
  }
}
