import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  appSchemePrivileges,
  appUrl,
  contentSecurityPolicy,
  isAppUrl,
  resolveAppPath,
  serveAppRequest,
  serverConnectSources,
  setupAppProtocol,
} from './app-scheme.ts';

let base: string;
let root: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'pawcam-proto-'));
  root = join(base, 'viewer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>pawcam</title>');
  await writeFile(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(join(base, 'secret.txt'), 'do not serve');
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const csp = contentSecurityPolicy(serverConnectSources('https://192.168.1.5:8443'));
const serve = (url: string, method = 'GET') => serveAppRequest(new Request(url, { method }), { root, csp: () => csp });

describe('pawcam:// URLs', () => {
  it('recognises only our scheme and host', () => {
    expect(isAppUrl(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isAppUrl(appUrl({ view: 'mini', camera: 'cam-1' }))).toBe(true);
    expect(appUrl({ view: 'mini', camera: 'cam-1' })).toBe('pawcam://app/index.html?view=mini&camera=cam-1');
    for (const url of ['pawcam://evil/index.html', 'https://app/index.html', 'file:///index.html', 'pawcam://user:pw@app/', 'not a url', '']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });

  it('registers a secure standard scheme without bypassing CSP or opening CORS', () => {
    const { scheme, privileges } = appSchemePrivileges();
    expect(scheme).toBe('pawcam');
    expect(privileges).toMatchObject({ standard: true, secure: true });
    expect(privileges?.bypassCSP).toBeFalsy();
    expect(privileges?.corsEnabled).toBeFalsy();
  });
});

describe('resolveAppPath', () => {
  it('maps paths inside the viewer folder', () => {
    expect(resolveAppPath(root, 'pawcam://app/')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'pawcam://app/assets/app-1234.js?x=1#y')).toBe(join(root, 'assets', 'app-1234.js'));
  });

  it('lets the URL parser fold plain and %2e dot segments, which stay inside the folder', () => {
    expect(resolveAppPath(root, 'pawcam://app/../secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppPath(root, 'pawcam://app/assets/%2e%2e/%2e%2e/secret.txt')).toBe(join(root, 'secret.txt'));
  });

  it.each([
    'pawcam://app/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'pawcam://app/..%5csecret.txt',
    'pawcam://app/%00index.html',
    'pawcam://app/C:/Windows/win.ini',
    'pawcam://app/%E0%A4%A',
    'pawcam://other/index.html',
    'https://app/index.html',
  ])('refuses %s', (url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });
});

describe('serveAppRequest', () => {
  it('serves a file with its type and the strict CSP', async () => {
    const res = await serve('pawcam://app/assets/app-1234.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(csp);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('serves index.html for the root', async () => {
    const res = await serve('pawcam://app/');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<title>pawcam</title>');
  });

  it('refuses traversal with 403 and never reads outside the folder', async () => {
    const refused = await serve('pawcam://app/assets/%2e%2e%2f%2e%2e%2fsecret.txt');
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('do not serve');
    const folded = await serve('pawcam://app/../../secret.txt');
    expect(folded.status).toBe(404);
    expect(await folded.text()).not.toContain('do not serve');
  });

  it('404s missing files and folders, 405s other methods', async () => {
    expect((await serve('pawcam://app/nope.js')).status).toBe(404);
    expect((await serve('pawcam://app/assets')).status).toBe(404);
    expect((await serve('pawcam://app/index.html', 'POST')).status).toBe(405);
  });

  it('registers the handler on the scheme', async () => {
    let registered: { scheme: string; handler: (r: Request) => Promise<Response> | Response } | null = null;
    setupAppProtocol({ root, csp: () => csp, protocol: { handle: (scheme, handler) => void (registered = { scheme, handler }) } });
    expect(registered!.scheme).toBe('pawcam');
    const res = await registered!.handler(new Request('pawcam://app/index.html'));
    expect(res.status).toBe(200);
  });
});

describe('contentSecurityPolicy', () => {
  it('allows scripts only from our origin and network only to the server', () => {
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("connect-src 'self' https://192.168.1.5:8443 wss://192.168.1.5:8443");
    expect(csp).toContain('media-src');
  });

  it('lets the viewer POST /ice and open the PeerJS WebSocket on the server, and nothing else', () => {
    const connect = csp.split('; ').find((d) => d.startsWith('connect-src '))!.split(' ').slice(1);
    // A host-source without a path matches every path on that origin, so fetch(`${server}/ice`) is allowed.
    expect(connect).toContain(new URL('/ice', 'https://192.168.1.5:8443').origin);
    expect(connect).toContain('wss://192.168.1.5:8443');
    expect(connect.every((s) => s === "'self'" || s.endsWith('//192.168.1.5:8443'))).toBe(true);
    const remote = serverConnectSources('https://cams.example.net/pawcam');
    expect(remote).toEqual(['https://cams.example.net', 'wss://cams.example.net']);
  });

  it('derives connect sources from the server URL', () => {
    expect(serverConnectSources('http://localhost:9000/x')).toEqual(['http://localhost:9000', 'ws://localhost:9000']);
    expect(serverConnectSources(null)).toEqual([]);
    expect(serverConnectSources('javascript:alert(1)')).toEqual([]);
    expect(contentSecurityPolicy([])).toContain("connect-src 'self';");
  });
});
