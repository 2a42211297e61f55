/**
 * ICE servers for clients: the configured STUN URLs, and TURN URLs with short-lived credentials in coturn's
 * `use-auth-secret` (TURN REST API) scheme: username `<expiry unix seconds>:<peer id>`, credential
 * base64(HMAC-SHA1(shared secret, username)). coturn checks the HMAC and the expiry itself; the secret never leaves
 * this server.
 */
import { createHmac } from 'node:crypto';

/** Default lifetime of minted TURN credentials, in seconds. */
export const DEFAULT_TURN_TTL_SECONDS = 600;

/** What the server was configured with. */
export interface IceConfig {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  /** Required when `turnUrls` is not empty. */
  turnSecret?: string;
  ttlSeconds: number;
}

/** One entry of RTCConfiguration.iceServers. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** base64(HMAC-SHA1(key, message)). */
export function hmacSha1Base64(key: string, message: string): string {
  return createHmac('sha1', key).update(message, 'utf8').digest('base64');
}

/** TURN credentials for `peerId` valid until `nowMs + ttlSeconds`. */
export function mintTurnCredential(secret: string, peerId: string, ttlSeconds: number, nowMs: number): { username: string; credential: string; expiresAt: number } {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${peerId}`;
  return { username, credential: hmacSha1Base64(secret, username), expiresAt };
}

/** The ICE servers to hand `peerId`: STUN as configured, TURN with fresh credentials when configured, else none. */
export function iceServersFor(config: IceConfig, peerId: string, nowMs: number): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length > 0) servers.push({ urls: [...config.stunUrls] });
  if (config.turnUrls.length > 0 && config.turnSecret) {
    const { username, credential } = mintTurnCredential(config.turnSecret, peerId, config.ttlSeconds, nowMs);
    servers.push({ urls: [...config.turnUrls], username, credential });
  }
  return servers;
}

/** Check server options: STUN URLs are `stun:`/`stuns:`, TURN URLs `turn:`/`turns:` and need a secret. Throws a message. */
export function checkIceConfig(config: IceConfig): void {
  for (const url of config.stunUrls) if (!/^stuns?:[^\s]+$/i.test(url)) throw new Error(`not a STUN URL: ${url} (expected stun:host[:port])`);
  for (const url of config.turnUrls) if (!/^turns?:[^\s]+$/i.test(url)) throw new Error(`not a TURN URL: ${url} (expected turn:host[:port][?transport=udp|tcp])`);
  if (config.turnUrls.length > 0 && !config.turnSecret) throw new Error('TURN URLs need the shared secret (--turn-secret or --turn-secret-file)');
  if (config.turnSecret !== undefined && config.turnUrls.length === 0) throw new Error('a TURN secret was given without TURN URLs (--turn)');
  if (!Number.isInteger(config.ttlSeconds) || config.ttlSeconds < 60 || config.ttlSeconds > 86_400) {
    throw new Error(`TURN credential lifetime must be 60..86400 seconds, not ${config.ttlSeconds}`);
  }
}
