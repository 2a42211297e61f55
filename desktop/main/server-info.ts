/** Where phones reach the server this app uses: the embedded server's LAN URLs, or the remote server's URL. */
import { isIP } from 'node:net';
import type { ServerInfo } from '../../protocol/ipc.ts';
import { displayUrls, type LanAddress } from '../../peer-server/index.ts';
import { displayFingerprint, type ServerEndpoint } from './embedded-server.ts';

/** Most URLs listed (the contract's bound). */
const MAX_PHONE_URLS = 32;

/** Loopback or link-local: no use to a phone (169.254/16 is the IPv4 link-local range; lanAddresses drops fe80::/10). */
function unreachableFromPhone(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || /^fe[89ab]/.test(bare)) return true;
  return isIP(bare) === 4 && (bare.startsWith('127.') || bare.startsWith('169.254.'));
}

/** `https://<addr>:<port>/` for each LAN address a server bound to `bindHost` can be reached at. */
export function phoneUrls(bindHost: string, port: number, addresses: readonly LanAddress[]): string[] {
  return displayUrls('https', bindHost, port, [...addresses])
    .filter((url) => !unreachableFromPhone(new URL(url).hostname))
    .map((url) => `${url}/`)
    .slice(0, MAX_PHONE_URLS);
}

/** A server URL as a page address (with its trailing slash). */
function pageUrl(serverUrl: string): string {
  try {
    const url = new URL(serverUrl);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    return url.toString();
  } catch {
    return serverUrl;
  }
}

/** What the Add-camera screen shows: URLs to open on the phone and the certificate fingerprint to compare. */
export function serverInfo(endpoint: Pick<ServerEndpoint, 'url' | 'embedded' | 'port' | 'bindHost' | 'fingerprint'>, addresses: readonly LanAddress[]): ServerInfo {
  const fingerprint = endpoint.fingerprint ? displayFingerprint(endpoint.fingerprint) : null;
  if (!endpoint.embedded) return { embedded: false, phoneUrls: [pageUrl(endpoint.url)], fingerprint };
  // Not running: no URL would work.
  if (endpoint.port === null || endpoint.bindHost === null) return { embedded: true, phoneUrls: [], fingerprint: null };
  return { embedded: true, phoneUrls: phoneUrls(endpoint.bindHost, endpoint.port, addresses), fingerprint };
}
