/**
 * ICE configuration from our own server (`POST /ice`): the STUN/TURN servers the user configured, with TURN
 * credentials minted per request for a registered peer. Never a third-party default: a self-hosted product talks
 * only to what its owner set up, and with nothing configured clients use host candidates only (LAN).
 */
import * as v from 'valibot';
import { PawcamError } from './errors.ts';
import { parseWith } from './schema.ts';

const UrlList = v.pipe(
  v.union([v.string(), v.array(v.string())]),
  v.transform((u) => (Array.isArray(u) ? u : [u])),
  v.check((urls) => urls.length <= 8 && urls.every((u) => /^(stuns?|turns?):[^\s]{1,250}$/.test(u)), 'not STUN/TURN URLs'),
);

/** One ICE server as our server hands it out. */
const IceServerSchema = v.object({
  urls: UrlList,
  username: v.optional(v.pipe(v.string(), v.maxLength(256))),
  credential: v.optional(v.pipe(v.string(), v.maxLength(256))),
});

/** The `/ice` response. */
export const IceConfigSchema = v.object({
  iceServers: v.pipe(v.array(IceServerSchema), v.maxLength(8)),
  ttl: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type IceConfig = v.InferOutput<typeof IceConfigSchema>;

/** What RTCPeerConnection takes. */
export interface RtcConfig {
  iceServers: { urls: string[]; username?: string; credential?: string }[];
  iceTransportPolicy: 'all' | 'relay';
}

/** Host candidates only: what clients use until (or unless) the server gives them ICE servers. */
export const LAN_ONLY: RtcConfig = { iceServers: [], iceTransportPolicy: 'all' };

/** Build the RTCPeerConnection config; `relayOnly` ("always relay": hides both IPs from each other) needs TURN. */
export function rtcConfigFrom(ice: IceConfig, relayOnly: boolean): RtcConfig {
  if (relayOnly && !ice.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn')))) {
    throw new PawcamError('connection-failed', '"Always relay" is on, but the server has no TURN relay configured');
  }
  return { iceServers: ice.iceServers.map((s) => ({ ...s })), iceTransportPolicy: relayOnly ? 'relay' : 'all' };
}

/** Minimal fetch, injectable. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

/** Ask our server for ICE servers as registered peer `id` (holding `token`). */
export async function fetchIceConfig(serverUrl: string, id: string, token: string, fetchFn: FetchLike): Promise<IceConfig> {
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await fetchFn(`${serverUrl.replace(/\/+$/, '')}/ice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, token }),
    });
  } catch (error) {
    throw new PawcamError('server-unreachable', 'could not fetch the ICE configuration', { cause: error });
  }
  if (!response.ok) throw new PawcamError('server-unreachable', `the server refused the ICE configuration (HTTP ${response.status})`);
  const parsed = parseWith(IceConfigSchema, await response.json().catch(() => null));
  if (!parsed.ok) throw new PawcamError('malformed-message', `bad ICE configuration: ${parsed.error}`);
  return parsed.value;
}
