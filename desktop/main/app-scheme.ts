/**
 * The `pawcam://app/` scheme: serves the built viewer (`dist/viewer`) to our windows instead of file://, so the
 * pages have a real origin (our IPC gate and permission handlers check it), and every response carries a strict
 * Content-Security-Policy. Requests that try to leave the viewer folder are refused.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { CustomScheme, Protocol } from 'electron';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('app-protocol');

/** Our scheme. */
export const APP_SCHEME = 'pawcam';
/** The one host our pages live on. */
export const APP_HOST = 'app';
/** Our origin as Chromium reports it. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * Privileges for `protocol.registerSchemesAsPrivileged` (before app ready). `standard` + `secure` give the pages a
 * proper secure origin (needed for module scripts, WebCrypto, getUserMedia); `stream` lets media be served. No
 * `bypassCSP` and no `corsEnabled`: other origins must not read our files.
 */
export function appSchemePrivileges(): CustomScheme {
  return { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } };
}

/** Is `url` one of our pages? (Node's URL gives custom schemes an opaque origin, so compare scheme and host.) */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** The URL of a viewer page, e.g. `appUrl({ view: 'mini', camera: id })`. */
export function appUrl(params: Record<string, string> = {}): string {
  const url = new URL(`${APP_ORIGIN}/index.html`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * Map a request URL to a file under `root`, or null when it is not ours or tries to escape `root` (`..`, encoded
 * separators, NUL, drive letters, backslashes).
 */
export function resolveAppPath(root: string, requestUrl: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return null;
  }
  if (/[\0\\]/.test(pathname)) return null;
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..' || s.includes(':'))) return null;
  if (segments.length === 0) segments.push('index.html');
  const base = resolve(root);
  const full = resolve(base, ...segments);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return null;
  return full;
}

/** Content types for what Vite emits. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.webm': 'video/webm',
  '.txt': 'text/plain; charset=utf-8',
};

/** `https://h:p` → [`https://h:p`, `wss://h:p`] (the viewer fetches and opens the PeerJS WebSocket there). */
export function serverConnectSources(serverUrl: string | null): string[] {
  if (!serverUrl) return [];
  try {
    const url = new URL(serverUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return [];
    const ws = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return [url.origin, `${ws}//${url.host}`];
  } catch {
    return [];
  }
}

/**
 * The viewer's CSP: only our own scripts; media from WebRTC streams and blobs; network only to our server.
 * `style-src 'unsafe-inline'` because Svelte sets style attributes at run time; scripts stay strict.
 */
export function contentSecurityPolicy(connectSources: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src 'self' ${connectSources.join(' ')}`.trim(),
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What serving needs. */
export interface AppProtocolDeps {
  /** The built viewer folder. */
  root: string;
  /** The CSP for each response (it names the server, which is known only after start-up). */
  csp: () => string;
  readFile?: (path: string) => Promise<Uint8Array>;
}

function plain(status: number, text: string, csp: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': csp, 'x-content-type-options': 'nosniff' } });
}

/** Serve one `pawcam://app/…` request. */
export async function serveAppRequest(request: Request, deps: AppProtocolDeps): Promise<Response> {
  const csp = deps.csp();
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed', csp);
  const path = resolveAppPath(deps.root, request.url);
  if (!path) {
    log.warn('refused a request outside the viewer', { url: request.url.slice(0, 300) });
    return plain(403, 'forbidden', csp);
  }
  let body: Uint8Array;
  try {
    body = await (deps.readFile ?? fsReadFile)(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') log.error('could not read a viewer file', { path, error: String(error) });
    return plain(404, 'not found', csp);
  }
  const headers = {
    'content-type': MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-cache',
  };
  return new Response(request.method === 'HEAD' ? null : new Blob([body as Uint8Array<ArrayBuffer>]), { status: 200, headers });
}

/** Serve the viewer on `pawcam://app/` (call after app ready; the scheme was registered as privileged before). */
export function setupAppProtocol(deps: AppProtocolDeps & { protocol: Pick<Protocol, 'handle'> }): void {
  deps.protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, deps));
}
