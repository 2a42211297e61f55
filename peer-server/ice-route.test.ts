import { createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningServer, ServerOptions } from './server.ts';
import { eventually, peersOnline, request, token, type Response } from './test-client.ts';
import { TestServers, registered } from './test-server.ts';

const SECRET = 'north-sea-otter';
const servers = new TestServers('pawcam-ice-', { open: true });

async function start(options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = await servers.tempDir();
  // Its own built pages, so the routes answer the same whether or not `npm run build:web` has run (a clean clone).
  const webRoot = join(dataDir, 'web');
  for (const page of ['camera-web', 'viewer']) {
    await mkdir(join(webRoot, page), { recursive: true });
    await writeFile(join(webRoot, page, 'index.html'), '<!doctype html><title>test</title>');
  }
  return servers.start({ dataDir, webRoot, ...options });
}

const withTurn: ServerOptions = {
  stunUrls: ['stun:turn.example.org:3478'],
  turnUrls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'],
  turnSecret: SECRET,
  turnTtlSeconds: 900,
};

function ice(server: RunningServer, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return request(`${server.url}/ice`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

afterEach(() => servers.stopAll());
afterAll(() => servers.removeDirs());

describe('POST /ice', () => {
  it('gives a registered peer STUN and freshly minted TURN credentials that coturn would accept', async () => {
    const server = await start(withTurn);
    await registered(server, 'cam-home', 'camera');
    const before = Math.floor(Date.now() / 1000);
    const res = await ice(server, { id: 'cam-home', token: token('camera') });
    const after = Math.floor(Date.now() / 1000);

    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(res.body) as { iceServers: { urls: string[]; username?: string; credential?: string }[]; ttl: number };
    expect(body.ttl).toBe(900);
    expect(body.iceServers[0]).toEqual({ urls: ['stun:turn.example.org:3478'] });
    const turn = body.iceServers[1]!;
    expect(turn.urls).toEqual(withTurn.turnUrls);
    const [expiry, id] = turn.username!.split(':');
    expect(id).toBe('cam-home');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 900);
    expect(Number(expiry)).toBeLessThanOrEqual(after + 900);
    expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username!).digest('base64'));
  });

  it('gives STUN only without TURN, and nothing when nothing is configured', async () => {
    const stunOnly = await start({ stunUrls: ['stun:stun.example.org'] });
    await registered(stunOnly, 'cam-a', 'a');
    expect(JSON.parse((await ice(stunOnly, { id: 'cam-a', token: token('a') })).body)).toEqual({ iceServers: [{ urls: ['stun:stun.example.org'] }], ttl: 600 });

    const bare = await start();
    await registered(bare, 'cam-a', 'a');
    expect(JSON.parse((await ice(bare, { id: 'cam-a', token: token('a') })).body)).toEqual({ iceServers: [], ttl: 600 });
  });

  it('refuses strangers: unknown ID, wrong token, a registered peer that went offline', async () => {
    const server = await start(withTurn);
    const camera = await registered(server, 'cam-home', 'camera');

    const unknown = await ice(server, { id: 'cam-nobody', token: token('camera') });
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.body)).toEqual({ error: expect.stringContaining('not registered') });
    expect(unknown.body).not.toContain('credential');

    expect((await ice(server, { id: 'cam-home', token: token('thief') })).status).toBe(401);

    camera.ws.close();
    await camera.closed;
    await eventually(async () => (await peersOnline(server)) === 0);
    expect((await ice(server, { id: 'cam-home', token: token('camera') })).status).toBe(401);
  });

  it('answers malformed requests with 400 and JSON, never a credential', async () => {
    const server = await start(withTurn);
    await registered(server, 'cam-home', 'camera');
    for (const body of ['not json', '[]', '{}', JSON.stringify({ id: 'cam-home' }), JSON.stringify({ id: 'cam-home', token: 'short' })]) {
      const res = await ice(server, body);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toHaveProperty('error');
    }
    const wrongType = await request(`${server.url}/ice`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ id: 'cam-home', token: token('camera') }) });
    expect(wrongType.status).toBe(400);
    const huge = await ice(server, { id: 'cam-home', token: token('camera'), pad: 'x'.repeat(4000) });
    expect(huge.status).toBe(413);
    expect((await request(`${server.url}/ice?id=cam-home&token=${token('camera')}`)).status).toBe(404);
  });

  it('checks the Origin like the relay, and answers CORS for the desktop app', async () => {
    const server = await start(withTurn);
    await registered(server, 'cam-home', 'camera');
    const body = { id: 'cam-home', token: token('camera') };

    const evil = await ice(server, body, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();

    const same = await ice(server, body, { origin: server.url });
    expect(same.status).toBe(200);
    expect(same.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await request(`${server.url}/ice`, { method: 'OPTIONS', headers: { origin: 'pawcam://app', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('pawcam://app');
    expect(preflight.headers['access-control-allow-headers']).toBe('Content-Type');
    const app = await ice(server, body, { origin: 'pawcam://app' });
    expect(app.status).toBe(200);
    expect(app.headers['access-control-allow-origin']).toBe('pawcam://app');
  });

  it('rate-limits per peer ID once authenticated, and strangers cannot use up a peer’s allowance', async () => {
    const server = await start({ ...withTurn, limits: { ice: { perId: { burst: 2, perSecond: 0.001 } } } });
    await registered(server, 'cam-home', 'camera');
    for (let i = 0; i < 5; i++) expect((await ice(server, { id: 'cam-home', token: token('thief') })).status).toBe(401);
    expect((await ice(server, { id: 'cam-home', token: token('camera') })).status).toBe(200);
    expect((await ice(server, { id: 'cam-home', token: token('camera') })).status).toBe(200);
    const limited = await ice(server, { id: 'cam-home', token: token('camera') });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
