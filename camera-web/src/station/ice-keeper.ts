/**
 * The ICE servers the camera answers with, from protocol/ice-cache.ts (fetched from our own server's `POST /ice`
 * for this registered ID and token on every open, refreshed before minted TURN credentials expire). With no
 * answer from the server, sessions use host candidates only (LAN). A viewer's "always relay" request is honoured
 * only with a TURN relay; otherwise the session is refused rather than silently exposing addresses.
 */
import { IceCache, type IceAccess } from '../../../protocol/ice-cache.ts';
import { LAN_ONLY, fetchIceConfig, rtcConfigFrom, type IceConfig, type RtcConfig } from '../../../protocol/ice.ts';
import type { Timers } from '../../../protocol/timers.ts';

export { MIN_REFRESH_MS } from '../../../protocol/ice-cache.ts';

/** A new session waits at most this long for a fetch in flight before answering with what there is. */
export const FETCH_WAIT_MS = 4_000;

/** The configuration for one session, or why the viewer's request cannot be honoured. */
export type IceChoice = { ok: true; config: RtcConfig } | { ok: false; reason: 'relay-unavailable' };

/** Where sessions get their RTCPeerConnection configuration. */
export interface IceSource {
  choose(relayOnly: boolean): Promise<IceChoice>;
}

/** Options of IceKeeper. */
export interface IceKeeperOptions extends IceAccess {
  timers: Timers;
  fetchWaitMs?: number;
}

/** Keeps the ICE configuration fresh while the camera is registered. */
export class IceKeeper implements IceSource {
  readonly #cache: IceCache;

  constructor(options: IceKeeperOptions) {
    const { serverUrl, id, token, fetch } = options;
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
    // A relay-only session cannot do without TURN: it asks the server again when what we hold is stale. Others answer
    // at once with what there is (the camera answers many sessions; the server rate-limits /ice).
    await this.#cache.ready(relayOnly);
    const ice = this.#cache.usable;
    if (!ice) return relayOnly ? { ok: false, reason: 'relay-unavailable' } : { ok: true, config: { ...LAN_ONLY, iceServers: [] } };
    try {
      return { ok: true, config: rtcConfigFrom(ice, relayOnly) };
    } catch {
      return { ok: false, reason: 'relay-unavailable' };
    }
  }
}
