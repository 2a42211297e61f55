/**
 * A scripted stranger (and, where it matters, a second enrolled household) against the real server, trying the holes an open
 * server had: register an ID without enrollment, get TURN credentials (a free relay), learn
 * who is online, pre-register another viewer's mini window, read the server's counts. Each must fail.
 */
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLanAddress, LAN_ADDRESS } from './support/lan.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let ca: string;
let removeLan: () => void;

const hex = (label: string) => Buffer.from(label).toString('hex').padEnd(32, '0').slice(0, 32);
const turn = { turnUrls: ['turn:127.0.0.1:3478'], turnSecret: 'adversary-test-secret' };

beforeAll(async () => {
  removeLan = addLanAddress();
  // Every interface, so the LAN-like address reaches it too (the stranger calls from there, not from loopback).
  server = await startTestServer({ host: '0.0.0.0', expireTimeoutMs: 300, ...turn });
  ca = await readFile(join(server.dataDir, 'tls', 'cert.pem'), 'utf8');
});

afterAll(async () => {
  await server?.dispose();
  removeLan?.();
});

/** A raw PeerJS-protocol socket; `first` is the first thing the server says (or how the socket ended). */
function socket(id: string, token: string): { ws: WebSocket; first: Promise<string>; messages: string[]; closed: Promise<void> } {
  const ws = new WebSocket(`wss://127.0.0.1:${server.port}/peerjs/peerjs?key=pawcam&id=${id}&token=${token}&version=1.5.5`, { ca });
  const messages: string[] = [];
  const first = new Promise<string>((resolve) => {
    ws.on('message', (data) => {
      messages.push(String(data));
      resolve(String(data));
    });
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on('close', (code) => resolve(`closed ${code}`));
    ws.on('error', () => resolve('error'));
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return { ws, first, messages, closed };
}

/** Wait (bounded) for a message matching `match`, or null when none came within `ms`. */
function within(s: { ws: WebSocket; messages: string[] }, match: (m: string) => boolean, ms: number): Promise<string | null> {
  const seen = s.messages.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), ms);
    const onMessage = (data: unknown): void => {
      if (match(String(data))) done(String(data));
    };
    const done = (value: string | null): void => {
      clearTimeout(timer);
      s.ws.off('message', onMessage);
      resolve(value);
    };
    s.ws.on('message', onMessage);
  });
}

function get(url: string, localAddress?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, localAddress, servername: 'localhost' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

describe('a stranger against the real server', () => {
  it('cannot register an ID without an enrollment (the server is not open to anyone)', async () => {
    const stranger = socket('cam-0123456789abcdef0123456789abcdef', hex('stranger'));
    expect(await stranger.first).toBe('{"type":"ERROR","payload":{"msg":"not-enrolled"}}');
    await stranger.closed;
    const enroll = await postJson(`${server.url}/enroll`, { id: 'cam-0123456789abcdef0123456789abcdef', token: hex('stranger') }, {}, ca);
    expect([enroll.status, enroll.body]).toEqual([403, '{"error":"not-enrolled"}']);
  });

  it('gets no TURN credentials (coturn is not a free relay for whoever finds the URL)', async () => {
    const id = 'viewer-stranger00000000000000000000';
    const attempt = socket(id, hex('turn-thief'));
    await attempt.first;
    const ice = await postJson(`${server.url}/ice`, { id, token: hex('turn-thief') }, {}, ca);
    expect(ice.status).toBe(401);
    expect(ice.body).not.toContain('credential');
  });

  it('learns nothing about presence: the same replies for a camera that is online and one that does not exist', async () => {
    const present = 'cam-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    await server.enroll(present, hex('home-camera'));
    const camera = socket(present, hex('home-camera'));
    expect(await camera.first).toBe('{"type":"OPEN"}');
    const absent = 'cam-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

    // Claiming the ID over the relay, or enrolling it, reads the same either way.
    const claimPresent = socket(present, hex('prober'));
    const claimAbsent = socket(absent, hex('prober'));
    expect(await claimPresent.first).toBe(await claimAbsent.first);
    const enrollPresent = await postJson(`${server.url}/enroll`, { id: present, token: hex('prober') }, {}, ca);
    const enrollAbsent = await postJson(`${server.url}/enroll`, { id: absent, token: hex('prober') }, {}, ca);
    expect(enrollPresent).toEqual(enrollAbsent);

    // Even an enrolled device of another household, sending to both, hears the same: nothing (no EXPIRE).
    const neighbour = 'cam-cccccccccccccccccccccccccccccccc';
    await server.enroll(neighbour, hex('neighbour'));
    const prober = socket(neighbour, hex('neighbour'));
    expect(await prober.first).toBe('{"type":"OPEN"}');
    for (const dst of [present, absent]) prober.ws.send(JSON.stringify({ type: 'OFFER', dst, payload: { v: 1, kind: 'signal', sid: '00112233' } }));
    // PeerServer used to answer EXPIRE for the absent one within expire_timeout (300 ms) plus two 1 s sweeps.
    const reply = await within(prober, (m) => !m.includes('"OPEN"'), 3500);
    expect(reply).toBeNull();
    camera.ws.close();
    prober.ws.close();
  });

  it('cannot pre-register another viewer’s mini window, stranger or enrolled', async () => {
    const viewer = 'viewer-dddddddddddddddddddddddddddddddd';
    await server.enroll(viewer, hex('victim'));
    const attacker = 'viewer-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
    await server.enroll(attacker, hex('attacker'));
    const squat = socket(`${viewer}_mini`, hex('attacker'));
    expect(await squat.first).toBe('{"type":"ERROR","payload":{"msg":"not-enrolled"}}');
    // The victim's own mini window (its base ID's token) gets its sub-ID.
    const mini = socket(`${viewer}_mini`, hex('victim'));
    expect(await mini.first).toBe('{"type":"OPEN"}');
    mini.ws.close();
  });

  it('reads health from /healthz but no counts, from another machine on the LAN', async () => {
    const camera = 'cam-ffffffffffffffffffffffffffffffff';
    await server.enroll(camera, hex('counted'));
    const online = socket(camera, hex('counted'));
    expect(await online.first).toBe('{"type":"OPEN"}');
    const far = await get(`https://${LAN_ADDRESS}:${server.port}/healthz`, LAN_ADDRESS);
    expect(far.status).toBe(200);
    expect(JSON.parse(far.body)).toEqual({ ok: true });
    // The owner on this machine still sees them.
    expect(JSON.parse((await get(`${server.url}/healthz`)).body)).toMatchObject({ peersOnline: expect.any(Number) });
    online.ws.close();
  });
});
