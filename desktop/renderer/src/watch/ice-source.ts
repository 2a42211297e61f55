/**
 * The ICE servers each watch dials with: fetched from our own server (`POST /ice`) once the viewer is registered,
 * kept fresh before the minted TURN credentials expire, and LAN-only (host candidates) when the server cannot be
 * asked. "Always relay" turns this into relay-only ICE, which is refused outright when there is no TURN relay.
 */
import { PawcamError, toPawcamError } from '../../../../protocol/errors.ts';
import { LAN_ONLY, fetchIceConfig, rtcConfigFrom, type FetchLike, type IceConfig, type RtcConfig } from '../../../../protocol/ice.ts';
import { createLogger } from '../../../../protocol/log.ts';
import type { SignalTransport } from '../../../../protocol/transport.ts';
import { globalTimers, type Timers } from '../timers.ts';

const log = createLogger('ice-source');

/** Share of the credentials' lifetime after which they are fetched again. */
const REFRESH_AT = 0.8;
/** Never refresh more often than this in the background (the server rate-limits /ice per peer). */
const MIN_REFRESH_MS = 30_000;
/** A watch waits at most this long for the server's answer before dialling with what it has. */
const FETCH_TIMEOUT_MS = 5_000;

/** Options of IceSource. */
export interface IceSourceOptions {
  serverUrl: string;
  /** Our registered ID and its token: /ice serves registered peers only. */
  id: string;
  token: string;
  transport: Pick<SignalTransport, 'on' | 'state'>;
  fetch: FetchLike;
  timers?: Timers;
  fetchTimeoutMs?: number;
}

/** Where a watch gets its RTCPeerConnection configuration. */
export interface RtcConfigSource {
  /** The configuration to dial with; rejects with a PawcamError when relay-only cannot be honoured. */
  rtcConfig(relayOnly: boolean): Promise<RtcConfig>;
}

/** ICE servers from our server, refreshed before their credentials expire. */
export class IceSource implements RtcConfigSource {
  readonly #options: IceSourceOptions;
  readonly #timers: Timers;
  readonly #unsubscribe: (() => void)[] = [];
  #ice: IceConfig | null = null;
  #fetchedAt = 0;
  #lastError: PawcamError | null = null;
  #inflight: Promise<void> | null = null;
  #refreshTimer: unknown = null;
  #running = false;

  constructor(options: IceSourceOptions) {
    this.#options = options;
    this.#timers = options.timers ?? globalTimers;
  }

  /** Fetch as soon as the transport is open (now, if it is). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe.push(
      this.#options.transport.on('state', (state) => {
        if (state === 'open' && !this.#fresh()) void this.#refresh();
      }),
    );
    if (this.#options.transport.state === 'open') void this.#refresh();
  }

  stop(): void {
    this.#running = false;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#timers.clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
  }

  async rtcConfig(relayOnly: boolean): Promise<RtcConfig> {
    if (!this.#fresh() && this.#options.transport.state === 'open') {
      const timeoutMs = this.#options.fetchTimeoutMs ?? FETCH_TIMEOUT_MS;
      let timer: unknown = null;
      await Promise.race([this.#refresh(), new Promise<void>((resolve) => (timer = this.#timers.setTimeout(resolve, timeoutMs)))]);
      this.#timers.clearTimeout(timer);
    }
    const ice = this.#usable();
    const advice = 'Turn off "Always relay" in Settings, or give the pawcam server a TURN relay.';
    if (ice) {
      try {
        return rtcConfigFrom(ice, relayOnly);
      } catch (error) {
        const failure = toPawcamError(error, 'connection-failed');
        throw new PawcamError(failure.code, `${failure.message}. ${advice}`, { cause: error });
      }
    }
    if (relayOnly) {
      const why = this.#lastError ? ` (${this.#lastError.message})` : '';
      throw new PawcamError('connection-failed', `"Always relay" is on, but the relay settings could not be fetched from the server${why}. ${advice}`);
    }
    return { iceServers: [], iceTransportPolicy: LAN_ONLY.iceTransportPolicy };
  }

  /** Fresh enough that a watch can dial with it without asking again. */
  #fresh(): boolean {
    return this.#ice !== null && this.#timers.now() < this.#fetchedAt + this.#ice.ttl * 1000 * REFRESH_AT;
  }

  /** Not yet expired (a refresh may have failed meanwhile). */
  #usable(): IceConfig | null {
    if (!this.#ice) return null;
    return this.#timers.now() < this.#fetchedAt + this.#ice.ttl * 1000 ? this.#ice : null;
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
      this.#fetchedAt = this.#timers.now();
      this.#lastError = null;
      log.info('ICE servers from the server', { servers: ice.iceServers.length, turn: ice.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn'))), ttl: ice.ttl });
      this.#schedule(ice.ttl * 1000 * REFRESH_AT);
    } catch (error) {
      this.#lastError = toPawcamError(error);
      // Host candidates still work on a LAN; say why the relay is missing in the log.
      log.warn('could not fetch the ICE servers; using LAN only meanwhile', { error: this.#lastError.message });
    }
  }

  #schedule(ms: number): void {
    this.#timers.clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
    if (!this.#running) return;
    this.#refreshTimer = this.#timers.setTimeout(() => {
      this.#refreshTimer = null;
      if (this.#running && this.#options.transport.state === 'open') void this.#refresh();
    }, Math.max(MIN_REFRESH_MS, ms));
  }
}
