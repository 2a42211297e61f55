/**
 * The `pawcam://app/` scheme: serves the built viewer (`dist/viewer`) to our windows instead of file://, so the
 * pages have a real origin (our IPC gate and permission handlers check it), and every response carries a strict
 * Content-Security-Policy. Requests that try to leave the viewer folder are refused.
 *
 * `pawcam://app/clips/…` serves the events' thumbnails and clips from the current clips folder (the timeline's
 * `<img>` and `<video>`): only JPEG, WebM and MP4 files really inside it (no `..`, no hidden files such as the
 * clips still being received, no symlink that leads out), with byte ranges for the video element's seeking.
 */
import { open, readFile as fsReadFile, realpath, type FileHandle } from 'node:fs/promises';
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

/** The path prefix of the clips folder's files. */
export const CLIPS_PREFIX = '/clips/';

/** Content types of the clips folder's files; nothing else there is served. */
export const CLIP_MIME_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
};

/** The app URL of a file in the clips folder, from its path relative to that folder (as the events index keeps it). */
export function clipsUrl(relativePath: string): string {
  return `${APP_ORIGIN}${CLIPS_PREFIX}${relativePath
    .split(/[\\/]/)
    .filter((s) => s !== '')
    .map((s) => encodeURIComponent(s))
    .join('/')}`;
}

/** Is this request for the clips folder? */
export function isClipsUrl(requestUrl: string): boolean {
  return isAppUrl(requestUrl) && new URL(requestUrl).pathname.startsWith(CLIPS_PREFIX);
}

/**
 * The clips-folder file a `pawcam://app/clips/…` URL names, or null: not ours, outside the folder, a hidden name
 * (`.incoming`, a `.partial` being written), or a type the timeline does not show. Symlinks are checked when served.
 */
export function resolveClipPath(clipsDir: string, requestUrl: string): string | null {
  if (!isClipsUrl(requestUrl)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname.slice(CLIPS_PREFIX.length));
  } catch {
    return null;
  }
  if (/[\0\\]/.test(pathname)) return null;
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.length === 0 || segments.some((s) => s.startsWith('.') || s.includes(':'))) return null;
  if (!(extname(segments.at(-1)!).toLowerCase() in CLIP_MIME_TYPES)) return null;
  const base = resolve(clipsDir);
  const full = resolve(base, ...segments);
  return isInside(base, full) ? full : null;
}

function isInside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** One byte range asked for, resolved against the file's size; 'unsatisfiable' for a range past its end. */
export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * A `Range` header's single byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) within a file of `size` bytes; null
 * when there is none or it is not one we answer (several ranges, other units: the whole file is served instead,
 * which RFC 9110 allows).
 */
export function parseRange(header: string | null, size: number): ByteRange {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Most bytes one clip response carries; a longer range is answered in part (Content-Range says which). */
export const MAX_CLIP_RESPONSE_BYTES = 32 * 1024 * 1024;

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
  /** The clips folder (events' thumbnails and clips), or null when there is none to serve. */
  clipsDir?: () => string | null;
}

function plain(status: number, text: string, csp: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': csp, 'x-content-type-options': 'nosniff' } });
}

/** Serve one `pawcam://app/clips/…` request from the clips folder. */
export async function serveClipRequest(request: Request, clipsDir: string | null, csp: string): Promise<Response> {
  const path = clipsDir === null ? null : resolveClipPath(clipsDir, request.url);
  if (!path || clipsDir === null) {
    log.warn('refused a clips request', { url: request.url.slice(0, 300) });
    return plain(403, 'forbidden', csp);
  }
  let handle: FileHandle | null = null;
  try {
    // A symlink inside the folder must not lead out of it: compare where both really are.
    const [realBase, realFile] = await Promise.all([realpath(clipsDir), realpath(path)]);
    if (!isInside(realBase, realFile) || relative(realBase, realFile).split(sep).some((s) => s.startsWith('.'))) {
      log.warn('refused a clips request through a link out of the folder', { url: request.url.slice(0, 300) });
      return plain(403, 'forbidden', csp);
    }
    handle = await open(realFile, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) return plain(404, 'not found', csp);
    const size = stat.size;
    const headers: Record<string, string> = {
      'content-type': CLIP_MIME_TYPES[extname(path).toLowerCase()]!,
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'accept-ranges': 'bytes',
      'cache-control': 'no-cache',
    };
    const range = parseRange(request.headers.get('range'), size);
    if (range === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
    }
    // A file too big for one answer is sent in parts even unasked (Chromium's media loader asks on from there).
    if (range || size > MAX_CLIP_RESPONSE_BYTES) {
      const start = range ? range.start : 0;
      const end = Math.min(range ? range.end : size - 1, start + MAX_CLIP_RESPONSE_BYTES - 1);
      return await partial(handle, start, end, size, headers, request.method);
    }
    // Content-Length must match the body exactly, or Chromium's media pipeline stalls (electron/electron#38749).
    headers['content-length'] = String(size);
    const body = request.method === 'HEAD' ? null : await readSpan(handle, 0, size);
    return new Response(body, { status: 200, headers });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR' && code !== 'ELOOP') log.error('could not read a clips file', { path, error: String(error) });
    return plain(404, 'not found', csp);
  } finally {
    await handle?.close();
  }
}

async function partial(
  handle: FileHandle,
  start: number,
  end: number,
  size: number,
  headers: Record<string, string>,
  method: string,
): Promise<Response> {
  const length = end - start + 1;
  const body = method === 'HEAD' ? null : await readSpan(handle, start, length);
  return new Response(body, { status: 206, headers: { ...headers, 'content-length': String(length), 'content-range': `bytes ${start}-${end}/${size}` } });
}

/** Exactly `length` bytes from `start` (a file that shrank meanwhile is an error, not a short body). */
async function readSpan(handle: FileHandle, start: number, length: number): Promise<Blob> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, start + done);
    if (bytesRead === 0) throw Object.assign(new Error('the file shrank while it was read'), { code: 'ESHRUNK' });
    done += bytesRead;
  }
  return new Blob([bytes]);
}

/** Serve one `pawcam://app/…` request. */
export async function serveAppRequest(request: Request, deps: AppProtocolDeps): Promise<Response> {
  const csp = deps.csp();
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed', csp);
  if (isClipsUrl(request.url)) return serveClipRequest(request, deps.clipsDir?.() ?? null, csp);
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
