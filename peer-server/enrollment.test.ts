import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../protocol/log.ts';
import { EnrollmentStore, leaveRequest } from './enrollment.ts';
import type { RunningServer } from './server.ts';
import { captureLogs, Client, get, request, token } from './test-client.ts';
import { TestServers } from './test-server.ts';

/** Closed servers (the default) over plain HTTP on loopback. */
const servers = new TestServers('pawcam-enroll-', { lanAddresses: () => [] });

function post(server: RunningServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  return request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** Register over the relay; resolves to the first answer (OPEN, or the refusal). */
async function register(server: RunningServer, id: string, tok: string): Promise<Record<string, unknown>> {
  const client = Client.connect(server, id, tok);
  return client.next((m) => m['type'] === 'OPEN' || m['type'] === 'ERROR' || m['type'] === 'ID-TAKEN');
}

afterEach(() => servers.stopAll());
afterAll(() => servers.removeDirs());

describe('EnrollmentStore', () => {
  it('makes the owner secret once, keeps only its hash in a 0600 file, and recognises it', async () => {
    const dir = await servers.tempDir();
    const first = await EnrollmentStore.open(dir, captureLogs([]));
    expect(first.newOwnerSecret).toMatch(/^[0-9a-f]{32}$/);
    const text = await readFile(join(dir, 'enrollment.json'), 'utf8');
    expect(text).not.toContain(first.newOwnerSecret);
    expect((await stat(join(dir, 'enrollment.json'))).mode & 0o777).toBe(0o600);
    const again = await EnrollmentStore.open(dir, captureLogs([]));
    expect(again.newOwnerSecret).toBeNull();
    expect(again.store.isOwner(first.newOwnerSecret!)).toBe(true);
    expect(again.store.isOwner('0'.repeat(32))).toBe(false);
  });

  it('redeems a credential once, never after it expired or was revoked', async () => {
    const { store } = await EnrollmentStore.open(await servers.tempDir(), captureLogs([]));
    const a = await store.mint(0, 60_000);
    expect(await store.redeem(a.credential, 1)).toBe('ok');
    expect(await store.redeem(a.credential, 2)).toBe('refused');
    const b = await store.mint(0, 60_000);
    expect(await store.redeem(b.credential, 60_001)).toBe('refused');
    const c = await store.mint(0, 60_000);
    expect(store.list(1).map((i) => i.id)).toEqual([b.info.id, c.info.id]);
    expect(await store.revoke(c.info.id)).toBe(true);
    expect(await store.redeem(c.credential, 1)).toBe('refused');
    // Right name, wrong secret.
    const d = await store.mint(0, 60_000);
    expect(await store.redeem(`${d.info.id}${'0'.repeat(32)}`, 1)).toBe('refused');
    expect(await store.redeem(d.credential, 1)).toBe('ok');
  });

  it('takes credentials minted and revoked by `npm run server -- enroll` in another process', async () => {
    const dir = await servers.tempDir();
    const { store } = await EnrollmentStore.open(dir, captureLogs([]));
    const credential = await leaveRequest(dir, { op: 'mint', ttlMs: 60_000, note: 'cli', now: Date.now() });
    const revoked = await leaveRequest(dir, { op: 'mint', ttlMs: 60_000, note: 'cli', now: Date.now() });
    await leaveRequest(dir, { op: 'revoke', id: revoked!.slice(0, 8) });
    expect(await store.redeem(credential!, Date.now())).toBe('ok');
    expect(await store.redeem(revoked!, Date.now())).toBe('refused');
  });

  it('redeems a code enrollment by its handle once, within 10 minutes', async () => {
    const { store } = await EnrollmentStore.open(await servers.tempDir(), captureLogs([]));
    store.openCode('ABC123', 0);
    expect(store.redeemCode('abc123', 1)).toBe('ok');
    expect(store.redeemCode('abc123', 2)).toBe('refused');
    store.openCode('abc124', 0);
    expect(store.redeemCode('abc124', 10 * 60_000 + 1)).toBe('refused');
  });
});

describe('a closed server', () => {
  it('refuses to register an ID nobody enrolled, with the same answer as for an ID held by another token', async () => {
    const server = await servers.start();
    expect(server.owner.enroll('cam-home', token('owner'))).toBe(true);
    const absent = await register(server, 'cam-nobody', token('x'));
    const present = await register(server, 'cam-home', token('x'));
    expect(absent).toEqual({ type: 'ERROR', payload: { msg: 'not-enrolled' } });
    expect(present).toEqual(absent);
    expect(await register(server, 'cam-home', token('owner'))).toEqual({ type: 'OPEN' });
  });

  it('binds an ID with an enrollment credential, once; the same refusal for a used, unknown or absent one', async () => {
    const server = await servers.start();
    const { credential } = await server.owner.mint();
    const ok = await post(server, '/enroll', { id: 'cam-one', token: token('one'), enrollment: credential });
    expect([ok.status, JSON.parse(ok.body)]).toEqual([200, { enrolled: true }]);
    expect(await register(server, 'cam-one', token('one'))).toEqual({ type: 'OPEN' });
    // Re-enrolling what is already ours spends nothing and works without a credential.
    expect((await post(server, '/enroll', { id: 'cam-one', token: token('one') })).status).toBe(200);

    const used = await post(server, '/enroll', { id: 'cam-two', token: token('two'), enrollment: credential });
    const none = await post(server, '/enroll', { id: 'cam-two', token: token('two') });
    const taken = await post(server, '/enroll', { id: 'cam-one', token: token('thief'), enrollment: (await server.owner.mint()).credential });
    for (const res of [used, none, taken]) expect([res.status, res.body]).toEqual([403, '{"error":"not-enrolled"}']);
    expect(await register(server, 'cam-two', token('two'))).toEqual({ type: 'ERROR', payload: { msg: 'not-enrolled' } });
  });

  it('lets the owner mint, list and revoke credentials over HTTPS calls with the owner credential only', async () => {
    const dataDir = await servers.tempDir();
    const { newOwnerSecret } = await EnrollmentStore.open(dataDir, captureLogs([]));
    const server = await servers.start({ dataDir });
    expect(server.newOwnerSecret).toBeNull();
    expect((await post(server, '/enrollments', {})).status).toBe(401);
    expect((await post(server, '/enrollments', {}, bearer('0'.repeat(32)))).status).toBe(401);
    const minted = await post(server, '/enrollments', { ttlSeconds: 600, note: 'kitchen phone' }, bearer(newOwnerSecret!));
    const body = JSON.parse(minted.body) as { credential: string; id: string; note: string };
    expect(body).toMatchObject({ credential: expect.stringMatching(/^[0-9a-f]{40}$/), note: 'kitchen phone' });
    const list = await request(`${server.url}/enrollments`, { headers: bearer(newOwnerSecret!) });
    expect(JSON.parse(list.body)).toEqual({ enrollments: [expect.objectContaining({ id: body.id })] });
    expect((await request(`${server.url}/enrollments/${body.id}`, { method: 'DELETE', headers: bearer(newOwnerSecret!) })).status).toBe(200);
    expect((await post(server, '/enroll', { id: 'cam-k', token: token('k'), enrollment: body.credential })).status).toBe(403);
    // The owner credential itself enrolls the owner's own devices (the web viewer with the owner link).
    expect((await post(server, '/enroll', { id: 'viewer-me', token: token('me') }, bearer(newOwnerSecret!))).status).toBe(200);
  });

  it('answers a bad request with 400 and says which field, binding nothing', async () => {
    const server = await servers.start();
    const res = await post(server, '/enroll', { id: 'cam-x', token: 'short', enrollment: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/token/);
    const sub = await post(server, '/enroll', { id: 'viewer-a_mini', token: token('a') }, bearer('0'.repeat(32)));
    expect([sub.status, sub.body]).toEqual([400, expect.stringMatching(/sub-ID/)]);
  });

  it('redeems a short code’s handle once, and limits guesses per IPv6 /64', async () => {
    const server = await servers.start({ trustProxy: true, limits: { enroll: { codePerAddress: { burst: 3, perSecond: 0.0001 } } } });
    server.owner.openCode('abc123');
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const guess = (ip: string, code: string, id: string) => post(server, '/enroll', { id, token: token(id), code }, from(ip));
    expect((await guess('2001:db8:1:2::1', 'zzzzz1', 'cam-g1')).status).toBe(403);
    expect((await guess('2001:db8:1:2::2', 'zzzzz2', 'cam-g2')).status).toBe(403);
    expect((await guess('2001:db8:1:2:ffff::3', 'zzzzz3', 'cam-g3')).status).toBe(403);
    // A fourth address in the same /64 is the same client: refused before the right handle is even looked at.
    expect((await guess('2001:db8:1:2::4', 'abc123', 'cam-g4')).status).toBe(429);
    expect((await guess('2001:db8:9:9::1', 'ABC123', 'cam-phone')).status).toBe(200);
    expect((await guess('2001:db8:9:8::1', 'abc123', 'cam-late')).status).toBe(403);
  });

  it('lets a sub-ID register only with its base ID’s token: nobody can pre-register another viewer’s _mini', async () => {
    const server = await servers.start();
    server.owner.enroll('viewer-home', token('home'));
    server.owner.enroll('viewer-attacker', token('attacker'));
    expect(await register(server, 'viewer-home_mini', token('attacker'))).toEqual({ type: 'ERROR', payload: { msg: 'not-enrolled' } });
    expect(await register(server, 'viewer-home_mini', token('home'))).toEqual({ type: 'OPEN' });
  });

  it('closes the superseded socket when its ID connects again, saying so', async () => {
    const server = await servers.start();
    server.owner.enroll('viewer-tab', token('tab'));
    const first = Client.connect(server, 'viewer-tab', token('tab'));
    await first.ofType('OPEN');
    const second = Client.connect(server, 'viewer-tab', token('tab'));
    await second.ofType('OPEN');
    expect(await first.ofType('ERROR')).toEqual({ type: 'ERROR', payload: { msg: 'superseded' } });
    expect((await first.closed).code).toBe(4409);
    expect(second.ws.readyState).toBe(second.ws.OPEN);
  });

  it('reports health to anyone, counts only to the owner or a caller on this machine', async () => {
    const server = await servers.start({ trustProxy: true });
    const secret = server.newOwnerSecret!;
    const stranger = await request(`${server.url}/healthz`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(JSON.parse(stranger.body)).toEqual({ ok: true });
    const owner = await request(`${server.url}/healthz`, { headers: { 'x-forwarded-for': '203.0.113.9', ...bearer(secret) } });
    expect(JSON.parse(owner.body)).toEqual({ ok: true, version: expect.any(String), peersOnline: 0, registrations: 0 });
    const local = await servers.start();
    expect(JSON.parse((await get(`${local.url}/healthz`)).body)).toMatchObject({ peersOnline: 0 });
  });

  it('keeps open mode behind the explicit flag', async () => {
    const server = await servers.start({ open: true });
    expect(await register(server, 'cam-anyone', token('x'))).toEqual({ type: 'OPEN' });
  });
});

describe('rendezvous-only and phone URLs', () => {
  it('serves no pages, answers CORS for allowed origins on the enrollment API, and refuses other origins', async () => {
    const server = await servers.start({ rendezvousOnly: true, allowedOrigins: ['https://pages.example.org'] });
    const page = await get(`${server.url}/`);
    expect(page.status).toBe(404);
    expect((await get(`${server.url}/viewer/`)).status).toBe(404);
    const pre = await request(`${server.url}/enroll`, { method: 'OPTIONS', headers: { origin: 'https://pages.example.org', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://pages.example.org');
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const evil = await post(server, '/enroll', { id: 'cam-x', token: token('x') }, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
  });

  it('lists the public URL first, then LAN addresses, and says when only loopback is known', async () => {
    const lan = await servers.start({ host: '0.0.0.0', publicUrl: 'https://pawcam.example.org', lanAddresses: () => [{ address: '192.168.7.20', family: 4 }] });
    const info = JSON.parse((await get(`http://127.0.0.1:${lan.port}/server-info`)).body) as Record<string, unknown>;
    expect(info).toEqual({
      phoneUrls: ['https://pawcam.example.org/', `http://192.168.7.20:${lan.port}/`],
      rendezvousUrl: 'https://pawcam.example.org/',
      loopbackOnly: false,
      open: false,
      pages: true,
    });
    const lonely = await servers.start({ host: '0.0.0.0' });
    expect(JSON.parse((await get(`http://127.0.0.1:${lonely.port}/server-info`)).body)).toMatchObject({ phoneUrls: [], loopbackOnly: true });
    // Not for strangers: the LAN layout is the owner's business.
    const far = await servers.start({ trustProxy: true });
    expect((await request(`${far.url}/server-info`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(401);
  });

  it('puts the configured rendezvous servers, and no others, in the pages’ connect-src', async () => {
    const server = await servers.start({ connectUrls: ['https://rv.example.org:8443'] });
    const csp = String((await get(`${server.url}/healthz`)).headers['content-security-policy']);
    const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.split(' ') ?? [];
    expect(connect).toEqual(expect.arrayContaining(["'self'", 'https://rv.example.org:8443', 'wss://rv.example.org:8443']));
    expect(connect.filter((c) => c.includes('example'))).toHaveLength(2);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
  });
});

describe('logging', () => {
  it('logs a refused enrollment without the credential', async () => {
    const records: LogRecord[] = [];
    const server = await servers.start({ logger: captureLogs(records) });
    const credential = 'ab'.repeat(20);
    await post(server, '/enroll', { id: 'cam-x', token: token('x'), enrollment: credential });
    const line = records.find((r) => r.msg === 'refused an enrollment');
    expect(line?.fields).toMatchObject({ id: 'cam-x', why: 'no valid credential' });
    expect(JSON.stringify(records)).not.toContain(credential);
  });
});
