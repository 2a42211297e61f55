/**
 * The PeerJS baseline's server: what a developer would run with these libraries without us. A stock PeerServer
 * (npm `peer`'s ExpressPeerServer, default options) on its own port, plain HTTP on 127.0.0.1, serving the minimal
 * baseline pages in bench/baseline/ and PeerJS's browser bundle.
 */
import express from 'express';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExpressPeerServer } from 'peer';

const here = dirname(fileURLToPath(import.meta.url));
const peerjsBundle = join(dirname(createRequire(import.meta.url).resolve('peerjs')), 'peerjs.min.js');

/** A running baseline server. */
export interface BaselineServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

/** Start it on a free loopback port. */
export async function startBaselineServer(): Promise<BaselineServer> {
  const app = express();
  const server = http.createServer(app);
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
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
