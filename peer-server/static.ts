/** The built pages (camera page at `/`, web viewer at `/viewer/`) and the security headers every response carries. */
import express, { type RequestHandler, type Router } from 'express';
import { stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';

/** A Host header we are willing to echo into the CSP (name or IP literal, optional port; nothing else). */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The pages' Content-Security-Policy: only their own scripts, media from the camera and peers (blob:, mediastream:),
 * WebSockets to this server and the configured rendezvous servers. No inline script (the built pages have none; each
 * script and preload carries Subresource Integrity, scripts/vite-sri.ts). The explicit ws(s)://host source is for browsers (older Safari) whose 'self' does not
 * cover WebSocket schemes. Styles allow 'unsafe-inline' because Svelte writes `style` attributes from markup.
 */
export function contentSecurityPolicy(host: string | undefined, secure: boolean, connectUrls: readonly string[] = []): string {
  const connect = ["'self'"];
  if (host && SAFE_HOST.test(host)) {
    connect.push(`wss://${host}`);
    // Plain HTTP is for running behind a TLS-terminating proxy, where the page's origin may be either.
    if (!secure) connect.push(`ws://${host}`);
  }
  // The configured rendezvous servers, and no other: a page that was tricked into another rendezvous URL cannot
  // reach it: the browser refuses the connection.
  for (const url of connectUrls) {
    const { protocol, host: h } = new URL(url);
    connect.push(`${protocol}//${h}`, `${protocol === 'https:' ? 'wss' : 'ws'}://${h}`);
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob: mediastream:",
    `connect-src ${connect.join(' ')}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The camera page must be allowed to ask for the camera and microphone; nothing else is needed. */
const PERMISSIONS_POLICY = 'camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), serial=(), display-capture=()';

/** Security headers on every response. No HSTS: with a self-signed certificate it would make the warning unskippable. */
export function securityHeaders(secure: boolean, connectUrls: readonly string[] = []): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host, secure, connectUrls));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    next();
  };
}

/** Serve `webRoot/camera-web` at `/` and `webRoot/viewer` at `/viewer/`. */
export function pagesRouter(webRoot: string): Router {
  const router = express.Router();
  // The pages use relative asset URLs, so the viewer must be addressed with its trailing slash.
  router.use((req, res, next) => {
    if (req.path === '/viewer') res.redirect(301, req.originalUrl.replace(/^\/viewer/, '/viewer/'));
    else next();
  });
  router.use('/viewer', page(join(webRoot, 'viewer')));
  router.use('/', page(join(webRoot, 'camera-web')));
  router.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found.\n');
  });
  return router;
}

/** One built page: static files with cache headers, or 503 with the fix when the build is missing. */
function page(dir: string): Router {
  const router = express.Router();
  router.use(async (_req, res, next) => {
    if (await isFile(join(dir, 'index.html'))) return next();
    res
      .status(503)
      .type('text/plain')
      .setHeader('Cache-Control', 'no-store')
      .send(`pawcam: the web pages are not built (${dir} is missing).\nRun \`npm run build:web\`, then reload this page.\n`);
  });
  router.use(
    express.static(dir, {
      index: 'index.html',
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders: (res, path) => {
        // Vite puts content-hashed files under assets/; everything else may change with a new build.
        const hashed = path.includes(`${sep}assets${sep}`) && basename(path) !== 'index.html';
        res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  return router;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
