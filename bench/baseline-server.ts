/**
 * The PeerJS baseline's server: what a developer would run with these libraries without us. A stock PeerServer
 * (npm `peer`'s ExpressPeerServer, default options) on its own port on 127.0.0.1, serving the minimal baseline pages
 * in bench/baseline/ and PeerJS's browser bundle. Over HTTPS with a self-signed certificate, as pawcam's server runs
 * in the same bench: a TLS handshake and encrypted signaling on one side only would not be a fair comparison.
 */
import express from 'express';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExpressPeerServer } from 'peer';
import { createLogger } from '../protocol/log.ts';
import { loadOrCreateSelfSigned } from '../peer-server/cert.ts';

const here = dirname(fileURLToPath(import.meta.url));
const peerjsBundle = join(dirname(createRequire(import.meta.url).resolve('peerjs')), 'peerjs.min.js');

/** A running baseline server. */
export interface BaselineServer {
  /** e.g. https://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

/** Start it on a free loopback port. */
export async function startBaselineServer(): Promise<BaselineServer> {
  const app = express();
  const dataDir = await mkdtemp(join(tmpdir(), 'pawcam-bench-baseline-'));
  const tls = await loadOrCreateSelfSigned({ dataDir, log: createLogger('bench-baseline'), names: { dns: ['localhost'], ips: ['127.0.0.1'] } });
  const server = https.createServer({ cert: tls.cert, key: tls.key }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const peerServer = ExpressPeerServer(server);
  // The one deviation from stock: without an 'error' listener one malformed frame ends the process.
  peerServer.on('error', () => undefined);
  app.use('/peerjs', peerServer);
  app.get('/peerjs.min.js', (_req, res) => res.sendFile(peerjsBundle));
  app.use('/baseline', express.static(join(here, 'baseline')));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
