/**
 * The ICE servers the camera answers with: fetched from our own server (`POST /ice`, for this registered ID and
 * token) each time the signaling connection opens, and again before the minted TURN credentials expire. With no
 * answer from the server, sessions use host candidates only (LAN). A viewer's "always relay" request is honoured
 * only with a TURN relay; otherwise the session is refused rather than silently exposing addresses.
 */
import { Backoff } from '../../../protocol/backoff.ts';
import { toPawcamError } from '../../../protocol/errors.ts';
import { LAN_ONLY, fetchIceConfig, rtcConfigFrom, type FetchLike, type IceConfig, type RtcConfig } from '../../../protocol/ice.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { SignalTransport, Timers } from '../../../protocol/transport.ts';

const log = createLogger('ice-keeper');

/** Share of the credentials' lifetime after which they are fetched again. */
export const REFRESH_AT = 0.8;
/** Never refresh more often than this (the server rate-limits /ice per peer). */
export const MIN_REFRESH_MS = 30_000;
/** A new session waits at most this long for a fetch in flight before answering with what there is. */
export const FETCH_WAIT_MS = 4_000;

/** The configuration for one session, or why the viewer's request cannot be honoured. */
export type IceChoice = { ok: true; config: RtcConfig } | { ok: false; reason: 'relay-unavailable' };

/** Where sessions get their RTCPeerConnection configuration. */
export interface IceSource {
  choose(relayOnly: boolean): Promise<IceChoice>;
}

/** Options of IceKeeper. */
export interface IceKeeperOptions {
  serverUrl: string;
  /** The camera's registered ID and token: /ice serves registered peers only. */
  id: string;
  token: string;
  transport: Pick<SignalTransport, 'on' | 'state'>;
  fetch: FetchLike;
  timers: Timers;
  fetchWaitMs?: number;
}

/** Keeps the ICE configuration fresh while the camera is registered. */
export class IceKeeper implements IceSource {
  readonly #options: IceKeeperOptions;
  readonly #timers: Timers;
  readonly #retry = new Backoff({ initialMs: 5_000, maxMs: 300_000 });
  #off: (() => void) | null = null;
  #ice: IceConfig | null = null;
  #expiresAt = 0;
  #inflight: Promise<void> | null = null;
  #timer: unknown = null;

  constructor(options: IceKeeperOptions) {
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

  stop(): void {
    this.#off?.();
    this.#off = null;
    this.#schedule(null);
  }

  /** The servers we have now (null before the first successful fetch). */
  get current(): IceConfig | null {
    return this.#ice;
  }

  async choose(relayOnly: boolean): Promise<IceChoice> {
    const waitFor = this.#inflight ?? (relayOnly && !this.#valid() && this.#options.transport.state === 'open' ? this.#refresh() : null);
    if (waitFor) await this.#bounded(waitFor);
    const ice = relayOnly ? (this.#valid() ? this.#ice : null) : this.#ice;
    if (!ice) return relayOnly ? { ok: false, reason: 'relay-unavailable' } : { ok: true, config: { ...LAN_ONLY, iceServers: [] } };
    try {
      return { ok: true, config: rtcConfigFrom(ice, relayOnly) };
    } catch {
      return { ok: false, reason: 'relay-unavailable' };
    }
  }

  #valid(): boolean {
    return this.#ice !== null && this.#timers.now() < this.#expiresAt;
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#fetch().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    const { serverUrl, id, token } = this.#options;
    try {
      const ice = await fetchIceConfig(serverUrl, id, token, this.#options.fetch);
      this.#ice = ice;
      this.#expiresAt = this.#timers.now() + ice.ttl * 1000;
      this.#retry.reset();
      const turn = ice.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn')));
      log.info('ICE servers from the server', { servers: ice.iceServers.length, turn, ttl: ice.ttl });
      // A ttl of 0 means nothing expires (no TURN credentials): the next open refreshes it anyway.
      this.#schedule(ice.ttl > 0 ? Math.max(MIN_REFRESH_MS, ice.ttl * 1000 * REFRESH_AT) : null);
    } catch (error) {
      const delay = this.#retry.next();
      // Host candidates still work on a LAN: keep answering, say why the relay is missing, and try again later.
      log.warn('could not fetch the ICE servers; answering with LAN candidates only meanwhile', {
        error: toPawcamError(error).message,
        retryInMs: delay,
      });
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

  async #bounded(work: Promise<void>): Promise<void> {
    let timer: unknown = null;
    const limit = new Promise<void>((resolve) => (timer = this.#timers.setTimeout(resolve, this.#options.fetchWaitMs ?? FETCH_WAIT_MS)));
    await Promise.race([work, limit]);
    this.#timers.clearTimeout(timer);
  }
}
