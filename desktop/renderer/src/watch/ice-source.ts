/**
 * The ICE servers each watch dials with, from protocol/ice-cache.ts (fetched from our own server's `POST /ice` once
 * the viewer is registered, kept fresh before minted TURN credentials expire), and LAN-only (host candidates) when
 * the server cannot be asked. "Always relay" turns this into relay-only ICE, which is refused outright when there is
 * no TURN relay.
 */
import { PawcamError, toPawcamError } from '../../../../protocol/errors.ts';
import { IceCache, type IceAccess } from '../../../../protocol/ice-cache.ts';
import { LAN_ONLY, fetchIceConfig, rtcConfigFrom, type RtcConfig } from '../../../../protocol/ice.ts';
import { realTimers, type Timers } from '../../../../protocol/timers.ts';
import { relayConfigMissingMessage, relayUnusableMessage } from '../messages.ts';

/** A watch waits at most this long for the server's answer before dialling with what it has. */
const FETCH_TIMEOUT_MS = 5_000;

/** Options of IceSource. */
export interface IceSourceOptions extends IceAccess {
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
  readonly #cache: IceCache;

  constructor(options: IceSourceOptions) {
    const { serverUrl, id, token, fetch } = options;
    this.#cache = new IceCache({
      load: () => fetchIceConfig(serverUrl, id, token, fetch),
      transport: options.transport,
      timers: options.timers ?? realTimers,
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
    // A watch is rare and worth one request: it asks again whenever what we hold is stale.
    await this.#cache.ready(true);
    const ice = this.#cache.usable;
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
}
