/**
 * Which web pages may use this server: the Origin check for WebSocket upgrades and `/ice`, and the client address
 * used for per-host limits. Origin only protects against other web pages (a page on evil.example opening a socket
 * to our server from a visitor's browser); non-browser clients send no Origin and are let through.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The Electron app's origin (desktop/main registers `pawcam://app` as a standard scheme). */
export const APP_ORIGIN = 'pawcam://app';

/** What the origin check reads of a request. */
export interface RequestLike {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string | undefined };
}

/**
 * An origin as compared here: `scheme://host[:port]`, lowercased, default port dropped. Node gives custom schemes
 * (`pawcam:`) an opaque origin ('null'), so those are built from the parts; null when it is not an origin at all.
 */
export function normaliseOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (!url.host || url.username || url.password) return null;
  return url.origin !== 'null' ? url.origin.toLowerCase() : `${url.protocol}//${url.host}`.toLowerCase();
}

/** The allowed extra origins from options, normalised; throws on one that is not an origin. */
export function parseAllowedOrigins(origins: readonly string[]): Set<string> {
  const out = new Set<string>([APP_ORIGIN]);
  for (const origin of origins) {
    const normal = normaliseOrigin(origin);
    if (!normal) throw new Error(`not an origin: ${origin} (expected scheme://host[:port])`);
    out.add(normal);
  }
  return out;
}

/** The first value of a header that may repeat. */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Is this request from a page we serve or an allowed app? Allowed: no Origin (not a browser), an Origin whose host is
 * the host the request was sent to (our own pages; behind a trusted proxy, the host it forwarded), or a listed origin.
 */
export function originAllowed(request: RequestLike, allowed: ReadonlySet<string>, trustProxy: boolean): boolean {
  const origin = header(request.headers, 'origin');
  if (origin === undefined) return true;
  const normal = normaliseOrigin(origin);
  if (normal === null) return false;
  if (allowed.has(normal)) return true;
  const forwarded = trustProxy ? lastListed(header(request.headers, 'x-forwarded-host')) : undefined;
  const host = forwarded ?? header(request.headers, 'host');
  if (!host) return false;
  // Parse the Host with the origin's scheme, so `example.com:443` and `example.com` compare equal over https.
  const sameHost = normaliseOrigin(`${new URL(normal).protocol}//${host}`);
  return sameHost === normal;
}

/**
 * The address to count a request against: the TCP peer, or with `trustProxy` the address the proxy reports (the
 * last X-Forwarded-For entry, the one our proxy appended; earlier entries are whatever the client claimed).
 */
export function clientAddress(request: RequestLike, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastListed(header(request.headers, 'x-forwarded-for')) : undefined;
  return forwarded ?? request.socket.remoteAddress ?? 'unknown';
}

function lastListed(value: string | undefined): string | undefined {
  const last = value?.split(',').at(-1)?.trim();
  return last ? last.slice(0, 100) : undefined;
}
