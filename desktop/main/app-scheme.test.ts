import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  appSchemePrivileges,
  appUrl,
  clipsUrl,
  contentSecurityPolicy,
  isAppUrl,
  parseRange,
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

describe('pawcam://app/clips/ (the timeline\'s thumbnails and clips)', () => {
  let clips: string;
  const video = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 0xff, 0xd9]);
  beforeAll(async () => {
    clips = join(base, 'Videos', 'pawcam');
    await mkdir(join(clips, 'Hall', '2027-05-20'), { recursive: true });
    await mkdir(join(clips, '.incoming'), { recursive: true });
    await writeFile(join(clips, 'Hall', '2027-05-20', 'pawcam-Hall #1-motion.webm'), video);
    await writeFile(join(clips, 'Hall', '2027-05-20', 'pawcam-Hall-motion.mp4'), video.subarray(0, 10));
    await writeFile(join(clips, 'Hall', '2027-05-20', 'pawcam-Hall-motion.jpg'), jpeg);
    await writeFile(join(clips, 'Hall', '2027-05-20', 'pawcam-report-Hall-2027-05-20.html'), '<p>report</p>');
    await writeFile(join(clips, '.incoming', 'cam-event.webm'), video);
    // A link inside the folder to a file outside it, and one to a file inside it.
    await symlink(join(base, 'secret.txt'), join(clips, 'Hall', 'escape.jpg'));
    await symlink(join(clips, 'Hall', '2027-05-20', 'pawcam-Hall-motion.jpg'), join(clips, 'Hall', 'inside.jpg'));
  });
  const get = (url: string, init: RequestInit = {}) =>
    serveAppRequest(new Request(url, init), { root, csp: () => csp, clipsDir: () => clips });

  it('makes URLs from the index\'s relative paths, each part encoded', () => {
    expect(clipsUrl(join('Hall', '2027-05-20', 'pawcam-Hall #1-motion.webm'))).toBe('pawcam://app/clips/Hall/2027-05-20/pawcam-Hall%20%231-motion.webm');
    expect(clipsUrl('Hall\\2027-05-20\\a.jpg')).toBe('pawcam://app/clips/Hall/2027-05-20/a.jpg');
  });

  it('serves a clip whole with its type, length and range support, and a thumbnail as a JPEG', async () => {
    const response = await get(clipsUrl(join('Hall', '2027-05-20', 'pawcam-Hall #1-motion.webm')));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/webm');
    expect(response.headers.get('content-length')).toBe('1000');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(video);
    const mp4 = await get('pawcam://app/clips/Hall/2027-05-20/pawcam-Hall-motion.mp4');
    expect(mp4.headers.get('content-type')).toBe('video/mp4');
    const thumb = await get('pawcam://app/clips/Hall/2027-05-20/pawcam-Hall-motion.jpg');
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await thumb.arrayBuffer())).toEqual(jpeg);
    expect((await get('pawcam://app/clips/Hall/inside.jpg')).status).toBe(200);
  });

  it('answers byte ranges with 206 and exactly those bytes (the video element seeks with them); 416 past the end', async () => {
    const url = 'pawcam://app/clips/Hall/2027-05-20/pawcam-Hall%20%231-motion.webm';
    const middle = await get(url, { headers: { range: 'bytes=100-199' } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(middle.headers.get('content-length')).toBe('100');
    expect(new Uint8Array(await middle.arrayBuffer())).toEqual(video.subarray(100, 200));
    const open = await get(url, { headers: { range: 'bytes=990-' } });
    expect([open.status, open.headers.get('content-range')]).toEqual([206, 'bytes 990-999/1000']);
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(video.subarray(990));
    const suffix = await get(url, { headers: { range: 'bytes=-10' } });
    expect([suffix.status, suffix.headers.get('content-range')]).toEqual([206, 'bytes 990-999/1000']);
    const beyond = await get(url, { headers: { range: 'bytes=0-5000' } });
    expect([beyond.status, beyond.headers.get('content-range'), beyond.headers.get('content-length')]).toEqual([206, 'bytes 0-999/1000', '1000']);
    const past = await get(url, { headers: { range: 'bytes=1000-' } });
    expect([past.status, past.headers.get('content-range')]).toEqual([416, 'bytes */1000']);
    // Several ranges are not answered in parts: the whole file, as RFC 9110 allows.
    expect((await get(url, { headers: { range: 'bytes=0-1,5-6' } })).status).toBe(200);
    const head = await get(url, { method: 'HEAD', headers: { range: 'bytes=0-9' } });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([206, '10', '']);
  });

  it('parses single byte ranges', () => {
    expect(parseRange(null, 10)).toBeNull();
    expect(parseRange('bytes=2-4', 10)).toEqual({ start: 2, end: 4 });
    expect(parseRange('bytes=4-2', 10)).toBeNull();
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-20', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('items=0-1', 10)).toBeNull();
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('refuses what is outside the folder, hidden, linked out, or not a thumbnail or clip', async () => {
    for (const url of [
      'pawcam://app/clips/..%2f..%2fsecret.txt',
      'pawcam://app/clips/..%2fviewer%2findex.html',
      'pawcam://app/clips/Hall%2f..%2f..%2f..%2fsecret.txt',
      'pawcam://app/clips/%2e%2e%2fsecret.jpg',
      'pawcam://app/clips/.incoming/cam-event.webm',
      'pawcam://app/clips/Hall/2027-05-20/pawcam-report-Hall-2027-05-20.html',
      'pawcam://app/clips/Hall\\..\\..\\secret.jpg',
      'pawcam://app/clips/C:%5Csecret.jpg',
      'pawcam://app/clips/Hall/escape.jpg',
      'pawcam://app/clips/',
    ]) {
      const response = await get(url);
      expect(response.status, url).toBe(403);
      expect(await response.text(), url).not.toContain('do not serve');
    }
    expect((await get('pawcam://app/clips/Hall/2027-05-20/missing.webm')).status).toBe(404);
    // The URL parser folds plain dot segments first: that request is for the viewer, not for the clips folder.
    expect((await get('pawcam://app/clips/../secret.txt')).status).toBe(404);
    expect((await get('pawcam://app/clips/Hall/2027-05-20/pawcam-Hall-motion.jpg', { method: 'POST' })).status).toBe(405);
    expect((await serveAppRequest(new Request('pawcam://app/clips/Hall/2027-05-20/pawcam-Hall-motion.jpg'), { root, csp: () => csp })).status).toBe(403);
  });

  it('lets the viewer\'s CSP show images and play media from its own origin', () => {
    expect(csp).toMatch(/img-src 'self'/);
    expect(csp).toMatch(/media-src 'self'/);
  });
});
