/** The real peer-server on a free loopback port, with its own temporary data dir (and self-signed certificate). */
import { mkdtemp, rm } from 'node:fs/promises';
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
  /** Stop it (the data dir is kept until `dispose`). */
  stop(): Promise<void>;
  /** Start it again on the same port and data dir (a server restart as a user would see it). */
  restart(): Promise<void>;
  /** Stop and remove the data dir. */
  dispose(): Promise<void>;
}

/** Start the real server over HTTPS on 127.0.0.1. */
export async function startTestServer(
  options: { http?: boolean; port?: number } & Pick<ServerOptions, 'relayTransform' | 'turnUrls' | 'turnSecret' | 'turnTtlSeconds' | 'stunUrls'> = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pawcam-e2e-'));
  const { port: _port, ...rest } = options;
  const base = { ...rest, host: '127.0.0.1', dataDir, http: options.http ?? false };
  let running: Awaited<ReturnType<typeof startServer>> | null = await startServer({ ...base, port: options.port ?? 0 });
  const port = running.port;
  const server: TestServer = {
    url: running.url,
    port,
    dataDir,
    certFingerprint: running.certFingerprint,
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
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
