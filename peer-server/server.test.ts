import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../protocol/log.ts';
import type { RunningServer, ServerOptions } from './server.ts';
import { captureLogs, Client, eventually, get, offer, peersOnline, token } from './test-client.ts';
import { TestServers } from './test-server.ts';

// HTTPS with the server's own certificate unless a test asks for plain HTTP.
const servers = new TestServers('pawcam-data-', { open: true, http: false, expireTimeoutMs: 500 });

/** A web root like the build's, with a hashed asset. */
async function fakeWebRoot(): Promise<string> {
  const root = await servers.tempDir('pawcam-web-');
  await mkdir(join(root, 'camera-web', 'assets'), { recursive: true });
  await mkdir(join(root, 'viewer'), { recursive: true });
  await writeFile(join(root, 'camera-web', 'index.html'), '<!doctype html><title>camera</title><script type="module" src="./assets/app-abc123.js"></script>');
  await writeFile(join(root, 'camera-web', 'assets', 'app-abc123.js'), 'console.log(1);');
  await writeFile(join(root, 'viewer', 'index.html'), '<!doctype html><title>viewer</title>');
  return root;
}

afterEach(() => servers.stopAll());
afterAll(() => servers.removeDirs());

describe('peer-server over HTTPS with its self-signed certificate', () => {
  let dataDir: string;
  let webRoot: string;
  let ca: string;
  let server: RunningServer;

  beforeAll(async () => {
    webRoot = await fakeWebRoot();
  });

  async function startHttps(extra: ServerOptions = {}): Promise<RunningServer> {
    dataDir = await servers.tempDir();
    server = await servers.start({ dataDir, webRoot, ...extra });
    ca = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
    return server;
  }

  it('answers healthz with the certificate whose fingerprint it reported, and reuses it after a restart', async () => {
    await startHttps();
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(server.certFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    const res = await get(`${server.url}/healthz`, ca);
    expect(res.status).toBe(200);
    expect(res.fingerprint).toBe(server.certFingerprint);
    expect(JSON.parse(res.body)).toEqual({ ok: true, version: expect.any(String), peersOnline: 0, registrations: 0 });
    expect((await stat(join(dataDir, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);

    const first = server.certFingerprint;
    await server.close();
    const again = await servers.start({ dataDir, webRoot, port: server.port });
    expect(again.certFingerprint).toBe(first);
    expect((await get(`${again.url}/healthz`, ca)).fingerprint).toBe(first);
  });

  it('registers peers, relays an offer with the sender stamped by the server, and counts peers online', async () => {
    await startHttps();
    const a = Client.connect(server, 'viewer-a', token('a'), { ca });
    const b = Client.connect(server, 'cam-b', token('b'), { ca });
    await Promise.all([a.ofType('OPEN'), b.ofType('OPEN')]);
    expect(await peersOnline(server, ca)).toBe(2);

    a.send({ type: 'OFFER', dst: 'cam-b', src: 'someone-else', payload: offer('00112233') });
    const relayed = await b.ofType('OFFER');
    expect(relayed).toEqual({ type: 'OFFER', src: 'viewer-a', dst: 'cam-b', payload: offer('00112233') });

    b.send({ type: 'ANSWER', dst: 'viewer-a', payload: { v: 1, kind: 'signal', sid: '00112233', signal: { type: 'answer', sdp: 'v=0\r\n' } } });
    expect(await a.ofType('ANSWER')).toMatchObject({ src: 'cam-b' });

    b.ws.close();
    await b.closed;
    await eventually(async () => (await peersOnline(server, ca)) === 1);
  });

  it('never answers EXPIRE, so a message to an absent peer looks like one to a present peer that stays silent', async () => {
    await startHttps();
    const a = Client.connect(server, 'viewer-a', token('a'), { ca });
    await a.ofType('OPEN');
    a.send({ type: 'OFFER', dst: 'cam-offline', payload: offer('aabbccdd') });
    // PeerServer expires held messages within expire_timeout (500 ms) plus two sweeps (1 s each).
    await expect(a.ofType('EXPIRE', 3000)).rejects.toThrow(/no matching message/);
  });

  it('refuses a second client claiming a registered ID with another token', async () => {
    await startHttps();
    const owner = Client.connect(server, 'cam-owned', token('right'), { ca });
    await owner.ofType('OPEN');
    const thief = Client.connect(server, 'cam-owned', token('wrong'), { ca });
    expect(await thief.ofType('ID-TAKEN')).toMatchObject({ type: 'ID-TAKEN' });
    await thief.closed;
  });

  it('drops malformed frames without dying or relaying them', async () => {
    const records: LogRecord[] = [];
    await startHttps({ logger: captureLogs(records) });
    const a = Client.connect(server, 'viewer-a', token('a'), { ca });
    const b = Client.connect(server, 'cam-b', token('b'), { ca });
    await Promise.all([a.ofType('OPEN'), b.ofType('OPEN')]);

    for (const frame of [
      'not json',
      'null',
      '42',
      '"OFFER"',
      '[]',
      '{"type":"LEAVE"}',
      '{"type":"EXPIRE","dst":"cam-b"}',
      '{"type":"OFFER","dst":"../cam-b","payload":{}}',
      '{"type":"OFFER","dst":"cam-b","payload":null}',
      '{"type":"OFFER","dst":"cam-b"}',
      Buffer.from([0xff, 0x00, 0x13, 0x37, 0x80]),
    ]) {
      a.send(frame);
    }
    a.send({ type: 'OFFER', dst: 'cam-b', payload: offer('0badf00d') });
    expect(await b.ofType('OFFER')).toMatchObject({ src: 'viewer-a', payload: offer('0badf00d') });
    expect(b.messages).toEqual([]);
    expect(records.some((r) => r.msg === 'dropped a frame')).toBe(true);

    // Over maxPayload (64 KiB): ws closes that socket (1009); the process and everyone else carry on.
    a.send(JSON.stringify({ type: 'OFFER', dst: 'cam-b', payload: { pad: 'x'.repeat(70 * 1024) } }));
    expect((await a.closed).code).toBe(1009);

    expect(await peersOnline(server, ca)).toBe(1);
    const c = Client.connect(server, 'viewer-c', token('c'), { ca });
    await c.ofType('OPEN');
    c.send({ type: 'OFFER', dst: 'cam-b', payload: offer('c0ffee00') });
    expect(await b.ofType('OFFER')).toMatchObject({ src: 'viewer-c' });
  });

  it('serves the pages with security and cache headers', async () => {
    await startHttps();
    const page = await get(`${server.url}/`, ca);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>camera</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`wss://127.0.0.1:${server.port}`);
    expect(csp).toContain('media-src \'self\' blob: mediastream:');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['permissions-policy']).toContain('camera=(self)');
    expect(page.headers['permissions-policy']).toContain('microphone=(self)');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['strict-transport-security']).toBeUndefined();

    const asset = await get(`${server.url}/assets/app-abc123.js`, ca);
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');

    const bare = await get(`${server.url}/viewer`, ca);
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/viewer/');
    const viewer = await get(`${server.url}/viewer/`, ca);
    expect(viewer.body).toContain('<title>viewer</title>');
    expect(viewer.headers['content-security-policy']).toBe(csp);

    expect((await get(`${server.url}/nothing-here`, ca)).status).toBe(404);
    expect((await get(`${server.url}/peerjs/pawcam/peers`, ca)).status).toBe(401);
  });

  it('says how to build the pages when they are missing, and keeps serving healthz', async () => {
    await startHttps({ webRoot: await servers.tempDir('pawcam-empty-') });
    const res = await get(`${server.url}/`, ca);
    expect(res.status).toBe(503);
    expect(res.body).toContain('npm run build:web');
    expect((await get(`${server.url}/viewer/`, ca)).status).toBe(503);
    expect((await get(`${server.url}/healthz`, ca)).status).toBe(200);
  });

  it('lets a socket policy refuse upgrades and close abusive sockets', async () => {
    await startHttps({
      socketPolicy: {
        admit: (req) => (req.url?.includes('id=banned') ? { ok: false, status: 403, reason: 'Forbidden' } : { ok: true }),
        inspect: (frame) => (frame.type === 'CANDIDATE' ? 'close' : 'pass'),
      },
    });
    const banned = Client.connect(server, 'banned', token('x'), { ca });
    expect(await banned.refused).toBe(403);

    const a = Client.connect(server, 'viewer-a', token('a'), { ca });
    await a.ofType('OPEN');
    a.send({ type: 'CANDIDATE', dst: 'cam-b', payload: { v: 1, kind: 'ping', nonce: '01234567' } });
    expect((await a.closed).code).toBe(1008);
  });

  it('survives a socket policy that throws', async () => {
    await startHttps({
      socketPolicy: {
        admit: (req) => {
          if (req.url?.includes('id=boom')) throw new Error('admit bug');
          return { ok: true };
        },
        inspect: (frame) => {
          if (frame.type === 'CANDIDATE') throw new Error('inspect bug');
          return 'pass';
        },
      },
    });
    const boom = Client.connect(server, 'boom', token('x'), { ca });
    expect(await boom.refused).toBe(500);

    const a = Client.connect(server, 'viewer-a', token('a'), { ca });
    const b = Client.connect(server, 'cam-b', token('b'), { ca });
    await Promise.all([a.ofType('OPEN'), b.ofType('OPEN')]);
    a.send({ type: 'CANDIDATE', dst: 'cam-b', payload: { v: 1, kind: 'ping', nonce: '01234567' } });
    a.send({ type: 'OFFER', dst: 'cam-b', payload: offer('feedf00d') });
    expect(await b.ofType('OFFER')).toMatchObject({ src: 'viewer-a' });
    expect(b.messages).toEqual([]);
  });

  it('closes client sockets on close()', async () => {
    await startHttps();
    const a = Client.connect(server, 'viewer-a', token('a'), { ca });
    await a.ofType('OPEN');
    await server.close();
    expect((await a.closed).code).toBe(1001);
  });
});

describe('peer-server with a given certificate', () => {
  it('serves the given certificate and reports its fingerprint', async () => {
    const dir = await servers.tempDir('pawcam-cert-');
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    await writeFile(join(dir, 'cert.pem'), pems.cert);
    await writeFile(join(dir, 'key.pem'), pems.private);
    const server = await servers.start({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), dataDir: dir, webRoot: await fakeWebRoot() });
    const res = await get(`${server.url}/healthz`, pems.cert);
    expect(res.status).toBe(200);
    expect(res.fingerprint).toBe(server.certFingerprint);
    await expect(stat(join(dir, 'tls'))).rejects.toThrow();
  });

  it('refuses a certificate without its key', async () => {
    await expect(servers.start({ cert: '/nonexistent.pem', dataDir: await servers.tempDir('pawcam-x-') })).rejects.toMatchObject({ code: 'bad-option', message: expect.stringMatching(/both/) });
  });

  it('says so, with its own code, when the port is taken', async () => {
    const first = await servers.start({ dataDir: await servers.tempDir('pawcam-x-'), webRoot: await fakeWebRoot() });
    const port = Number(new URL(first.url).port);
    await expect(servers.start({ port, dataDir: await servers.tempDir('pawcam-y-'), webRoot: await fakeWebRoot() })).rejects.toMatchObject({ code: 'listen-failed', message: expect.stringMatching(`cannot listen on 127.0.0.1:${port}`) });
  });
});

describe('peer-server in --http mode', () => {
  it('serves plain HTTP and relays over ws://', async () => {
    const server = await servers.start({ http: true, webRoot: await fakeWebRoot(), dataDir: await servers.tempDir('pawcam-http-') });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.certFingerprint).toBeNull();
    const page = await get(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain(`ws://127.0.0.1:${server.port}`);
    const a = Client.connect(server, 'viewer-a', token('a'));
    const b = Client.connect(server, 'cam-b', token('b'));
    await Promise.all([a.ofType('OPEN'), b.ofType('OPEN')]);
    a.send({ type: 'OFFER', dst: 'cam-b', payload: offer('11223344') });
    expect(await b.ofType('OFFER')).toMatchObject({ src: 'viewer-a' });
    expect(await peersOnline(server)).toBe(2);
  });
});
