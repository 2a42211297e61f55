/** Where phones reach the server this app uses: the embedded server's LAN URLs, or the remote server's URL. */
import type { ServerInfo } from '../../protocol/ipc.ts';
import { displayUrls, unreachableFromPhone, type LanAddress } from '../../peer-server/index.ts';
import { displayFingerprint, type ServerEndpoint } from './embedded-server.ts';

/** Most URLs listed (the contract's bound). */
const MAX_PHONE_URLS = 32;


/** `https://<addr>:<port>/` for each LAN address a server bound to `bindHost` can be reached at. */
export function phoneUrls(bindHost: string, port: number, addresses: readonly LanAddress[]): string[] {
  return displayUrls('https', bindHost, port, [...addresses])
    .filter((url) => !unreachableFromPhone(new URL(url).hostname))
    .map((url) => `${url}/`)
    .slice(0, MAX_PHONE_URLS);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
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
  if (!endpoint.embedded) {
    const url = pageUrl(endpoint.url);
    return { embedded: false, phoneUrls: [url], fingerprint, loopbackOnly: unreachableFromPhone(hostOf(url)) };
  }
  // Not running: no URL would work.
  if (endpoint.port === null || endpoint.bindHost === null) return { embedded: true, phoneUrls: [], fingerprint: null, loopbackOnly: true };
  const urls = phoneUrls(endpoint.bindHost, endpoint.port, addresses);
  // No LAN address (no network yet): the viewer warns instead of showing a link no phone can open.
  return { embedded: true, phoneUrls: urls, fingerprint, loopbackOnly: urls.length === 0 };
}
