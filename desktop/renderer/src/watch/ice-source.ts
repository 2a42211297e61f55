/**
 * The ICE servers each watch dials with, from protocol/ice-cache.ts (fetched from our own server's `POST /ice` once
 * the viewer is registered, kept fresh before minted TURN credentials expire), and LAN-only (host candidates) when
 * the server cannot be asked. "Always relay" turns this into relay-only ICE, which is refused outright when there is
 * no TURN relay.
 *
 * When a watch waits: for an ordinary watch, a cached configuration still within its lifetime answers at once (a
 * stale one is refreshed in the background, never in front of the dial). Only with nothing cached does it wait for a
 * fetch in flight, and briefly: a healthy server answers well within it, and dialling an internet camera with host
 * candidates only would fail after a long ICE timeout instead. Relay-only genuinely needs current TURN credentials:
 * it waits for a fetch in flight, or one it starts when what we hold is stale, for longer.
 */
import { PawcamError, toPawcamError } from '../../../../protocol/errors.ts';
import { IceCache, type IceAccess } from '../../../../protocol/ice-cache.ts';
import { LAN_ONLY, fetchIceConfig, rtcConfigFrom, type IceConfig, type RtcConfig } from '../../../../protocol/ice.ts';
import { realTimers, type Timers } from '../../../../protocol/timers.ts';
import { relayConfigMissingMessage, relayUnusableMessage } from '../messages.ts';

/** A relay-only watch waits at most this long for the server's answer before giving up on the relay. */
const FETCH_TIMEOUT_MS = 5_000;
/** An ordinary watch with nothing cached waits at most this long for a fetch in flight, then dials LAN-only. */
const FIRST_FETCH_WAIT_MS = 1_500;

/** Options of IceSource. */
export interface IceSourceOptions extends IceAccess {
  timers?: Timers;
  /** How long a relay-only watch waits for a fetch, ms. */
  fetchTimeoutMs?: number;
  /** How long an ordinary watch with no usable configuration waits for a fetch in flight, ms. */
  firstFetchWaitMs?: number;
}

/** Where a watch gets its RTCPeerConnection configuration. */
export interface RtcConfigSource {
  /** The configuration to dial with; rejects with a PawcamError when relay-only cannot be honoured. */
  rtcConfig(relayOnly: boolean): Promise<RtcConfig>;
}

/** ICE servers from our server, refreshed before their credentials expire. */
export class IceSource implements RtcConfigSource {
  readonly #cache: IceCache;
  readonly #timers: Timers;
  readonly #firstFetchWaitMs: number;

  constructor(options: IceSourceOptions) {
    const { serverUrl, id, token, fetch } = options;
    this.#timers = options.timers ?? realTimers;
    this.#firstFetchWaitMs = options.firstFetchWaitMs ?? FIRST_FETCH_WAIT_MS;
    this.#cache = new IceCache({
      load: () => fetchIceConfig(serverUrl, id, token, fetch),
      transport: options.transport,
      timers: this.#timers,
      waitMs: options.fetchTimeoutMs ?? FETCH_TIMEOUT_MS,
    });
  }

  /** Fetch as soon as the transport is open (now, if it is). */
  start(): void {
    this.#cache.start();
  }

  stop(): void {
    this.#cache.stop();
  }

  async rtcConfig(relayOnly: boolean): Promise<RtcConfig> {
    if (relayOnly) {
      // Asks again whenever what we hold is stale: a relay allocated with credentials about to expire would not last.
      await this.#cache.ready(true);
      return this.#answer(this.#cache.usable, true);
    }
    const cached = this.#cache.usable;
    if (cached) {
      // Asks again in the background when stale; this watch dials with credentials that are still valid.
      void this.#cache.ready(true);
      return this.#answer(cached, false);
    }
    await this.#atMost(this.#cache.ready(true), this.#firstFetchWaitMs);
    return this.#answer(this.#cache.usable, false);
  }

  #answer(ice: IceConfig | null, relayOnly: boolean): RtcConfig {
    if (ice) {
      try {
        return rtcConfigFrom(ice, relayOnly);
      } catch (error) {
        const failure = toPawcamError(error, 'connection-failed');
        throw new PawcamError(failure.code, relayUnusableMessage(failure.message), { cause: error });
      }
    }
    if (relayOnly) throw new PawcamError('connection-failed', relayConfigMissingMessage(this.#cache.lastError?.message ?? null));
    return { iceServers: [], iceTransportPolicy: LAN_ONLY.iceTransportPolicy };
  }

  /** `work`, or `ms` passed, whichever comes first. */
  async #atMost(work: Promise<void>, ms: number): Promise<void> {
    let timer: unknown = null;
    const limit = new Promise<void>((resolve) => (timer = this.#timers.setTimeout(resolve, ms)));
    await Promise.race([work, limit]);
    this.#timers.clearTimeout(timer);
  }
}
