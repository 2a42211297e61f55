/**
 * The real peer-server on a free loopback port, with its own temporary data dir (and self-signed certificate). It
 * is closed, as a user's server is: the support keeps its owner credential (printed once on first start) and enrolls
 * devices with it the way an owner would — the owner link for the web viewer, a minted enrollment link for a phone.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerOptions } from '../../peer-server/index.ts';
import { configureLogging, type LogLevel } from '../../protocol/log.ts';

// Server logs stay out of test output unless asked for (PAWCAM_LOG_LEVEL=info).
configureLogging({ level: (process.env['PAWCAM_LOG_LEVEL'] as LogLevel | undefined) ?? 'warn' });

/** A running test server. */
export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  certFingerprint: string | null;
  /** The owner credential the server printed on its first start. */
  ownerSecret: string;
  /** The owner link the server printed: open it once in the web viewer to own the server. */
  ownerLink: string;
  /** Mint a single-use enrollment credential with the owner credential (`POST /enrollments`), as the owner's viewer does. */
  mintEnrollment(): Promise<string>;
  /** A link that enrolls a phone's camera page (`npm run server -- enroll` prints the same kind). */
  enrollmentLink(): Promise<string>;
  /** Enroll `id` with `token` using the owner credential. */
  enroll(id: string, token: string): Promise<void>;
  /** Stop it (the data dir is kept until `dispose`). */
  stop(): Promise<void>;
  /** Start it again on the same port and data dir (a server restart as a user would see it). */
  restart(): Promise<void>;
  /** Stop and remove the data dir. */
  dispose(): Promise<void>;
}

/** Options of startTestServer. */
export type TestServerOptions = { http?: boolean; port?: number; host?: string } & Pick<
  ServerOptions,
  'relayTransform' | 'turnUrls' | 'turnSecret' | 'turnTtlSeconds' | 'stunUrls' | 'open' | 'rendezvousOnly' | 'publicUrl' | 'connectUrls' | 'allowedOrigins' | 'expireTimeoutMs' | 'limits' | 'webRoot'
>;

const owners = new Map<string, TestServer>();

/** The owner link of a running test server by its URL (the page objects open the viewer with it). */
export function ownerLinkFor(serverUrl: string): string | null {
  return owners.get(new URL(serverUrl).origin)?.ownerLink ?? null;
}

/** A fresh enrollment link for a phone, from the test server at `serverUrl` (null for a server not started here). */
export async function enrollmentLinkFor(serverUrl: string): Promise<string | null> {
  return (await owners.get(new URL(serverUrl).origin)?.enrollmentLink()) ?? null;
}

/** Start the real server over HTTPS on 127.0.0.1. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pawcam-e2e-'));
  const { port: _port, ...rest } = options;
  const base = { host: '127.0.0.1', ...rest, dataDir, http: options.http ?? false };
  let running: Awaited<ReturnType<typeof startServer>> | null = await startServer({ ...base, port: options.port ?? 0 });
  const port = running.port;
  const ownerSecret = running.newOwnerSecret;
  if (!ownerSecret) throw new Error('a new server printed no owner credential');
  const ca = base.http ? undefined : await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
  const call = (path: string, body: unknown): Promise<{ status: number; body: string }> => postJson(`${running?.url ?? ''}${path}`, body, { authorization: `Bearer ${ownerSecret}` }, ca);
  const server: TestServer = {
    url: running.url,
    port,
    dataDir,
    certFingerprint: running.certFingerprint,
    ownerSecret,
    ownerLink: `${running.url}/viewer/#owner=${ownerSecret}`,
    async mintEnrollment() {
      const res = await call('/enrollments', { note: 'test' });
      if (res.status !== 200) throw new Error(`minting an enrollment failed: ${res.status} ${res.body}`);
      return (JSON.parse(res.body) as { credential: string }).credential;
    },
    async enrollmentLink() {
      return `${server.url}/#enroll=${await server.mintEnrollment()}`;
    },
    async enroll(id, token) {
      const res = await call('/enroll', { id, token });
      if (res.status !== 200) throw new Error(`enrolling ${id} failed: ${res.status} ${res.body}`);
    },
    async stop() {
      const r = running;
      running = null;
      await r?.close();
    },
    async restart() {
      await server.stop();
      running = await startServer({ ...base, port });
    },
    async dispose() {
      await server.stop();
      owners.delete(new URL(server.url).origin);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  owners.set(new URL(running.url).origin, server);
  return server;
}

/** POST JSON with a bounded wait; over HTTPS only the server's own certificate is trusted. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}, ca?: string, localAddress?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.request(url, { method: 'POST', ca, agent: false, localAddress, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
