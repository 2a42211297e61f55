/**
 * The ICE servers the camera answers with, from protocol/ice-cache.ts (fetched from our own server's `POST /ice`
 * for this registered ID and token on every open, refreshed before minted TURN credentials expire). With no
 * answer from the server, sessions use host candidates only (LAN). A viewer's "always relay" request is honoured
 * only with a TURN relay; otherwise the session is refused rather than silently exposing addresses.
 *
 * When a session waits: for an ordinary session, a configuration still within its lifetime answers at once, even
 * while a fetch is in flight (a re-open after a server restart asks again just as viewers redial). With nothing
 * usable it waits briefly for the fetch in flight (answering an internet viewer with host candidates only would fail
 * after a long ICE timeout). A relay-only session cannot do without current TURN credentials: it waits for a fetch in
 * flight, or one it starts when what we hold is stale, for longer.
 */
import { IceCache, type IceAccess } from '../../../protocol/ice-cache.ts';
import { LAN_ONLY, fetchIceConfig, rtcConfigFrom, type IceConfig, type RtcConfig } from '../../../protocol/ice.ts';
import type { Timers } from '../../../protocol/timers.ts';

export { MIN_REFRESH_MS } from '../../../protocol/ice-cache.ts';

/** A relay-only session waits at most this long for a fetch before answering with what there is. */
export const FETCH_WAIT_MS = 4_000;
/** An ordinary session with no usable configuration waits at most this long for a fetch in flight, then goes LAN-only. */
export const FIRST_FETCH_WAIT_MS = 1_500;

/** The configuration for one session, or why the viewer's request cannot be honoured. */
export type IceChoice = { ok: true; config: RtcConfig } | { ok: false; reason: 'relay-unavailable' };

/** Where sessions get their RTCPeerConnection configuration. */
export interface IceSource {
  choose(relayOnly: boolean): Promise<IceChoice>;
}

/** Options of IceKeeper. */
export interface IceKeeperOptions extends IceAccess {
  timers: Timers;
  /** How long a relay-only session waits for a fetch, ms. */
  fetchWaitMs?: number;
  /** How long an ordinary session with no usable configuration waits for a fetch in flight, ms. */
  firstFetchWaitMs?: number;
}

/** Keeps the ICE configuration fresh while the camera is registered. */
export class IceKeeper implements IceSource {
  readonly #cache: IceCache;
  readonly #timers: Timers;
  readonly #firstFetchWaitMs: number;

  constructor(options: IceKeeperOptions) {
    const { serverUrl, id, token, fetch } = options;
    this.#timers = options.timers;
    this.#firstFetchWaitMs = options.firstFetchWaitMs ?? FIRST_FETCH_WAIT_MS;
    this.#cache = new IceCache({
      load: () => fetchIceConfig(serverUrl, id, token, fetch),
      transport: options.transport,
      timers: options.timers,
      waitMs: options.fetchWaitMs ?? FETCH_WAIT_MS,
    });
  }

  /** Fetch whenever the transport opens (now, if it is open). */
  start(): void {
    this.#cache.start();
  }

  stop(): void {
    this.#cache.stop();
  }

  /** The servers we have now (null before the first successful fetch, or once they expired). */
  get current(): IceConfig | null {
    return this.#cache.usable;
  }

  async choose(relayOnly: boolean): Promise<IceChoice> {
    // A relay-only session cannot do without TURN: it asks the server again when what we hold is stale. Others never
    // start a fetch (the camera answers many sessions; the server rate-limits /ice) and wait only with nothing usable.
    if (relayOnly) await this.#cache.ready(true);
    else if (!this.#cache.usable) await this.#atMost(this.#cache.ready(false), this.#firstFetchWaitMs);
    const ice = this.#cache.usable;
    if (!ice) return relayOnly ? { ok: false, reason: 'relay-unavailable' } : { ok: true, config: { ...LAN_ONLY, iceServers: [] } };
    try {
      return { ok: true, config: rtcConfigFrom(ice, relayOnly) };
    } catch {
      return { ok: false, reason: 'relay-unavailable' };
    }
  }

  /** `work`, or `ms` passed, whichever comes first. */
  async #atMost(work: Promise<void>, ms: number): Promise<void> {
    let timer: unknown = null;
    const limit = new Promise<void>((resolve) => (timer = this.#timers.setTimeout(resolve, ms)));
    await Promise.race([work, limit]);
    this.#timers.clearTimeout(timer);
  }
}
