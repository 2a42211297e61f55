/**
 * Child process for the capacity bench: runs one signaling server alone in its process so its RSS can be read from
 * /proc. `ours`: peer-server's startServer (plain HTTP on 127.0.0.1, with the abuse limits raised: the bench measures
 * the relay, not the defences). `stock`: npm `peer`'s PeerServer with its defaults. Prints one JSON line
 * `{"port":…}` when listening; reads commands on stdin: `gc` (collect garbage, then print `{"gc":true}`), `exit`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PeerServer } from 'peer';
import { startServer } from '../peer-server/index.ts';
import { configureLogging } from '../protocol/log.ts';
import { BENCH_RELAY_LIMITS } from './capacity.ts';

type Started = { port: number; close: () => Promise<void> };

async function startOurs(): Promise<Started> {
  // One log line per registration would measure the log, not the relay.
  configureLogging({ level: 'error' });
  const dataDir = await mkdtemp(join(tmpdir(), 'pawcam-bench-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, http: true, dataDir, limits: { relay: BENCH_RELAY_LIMITS } });
  return {
    port: server.port,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function startStock(): Promise<Started> {
  return new Promise((resolve) => {
    const peer = PeerServer({ host: '127.0.0.1', port: 0 }, (server: Server) => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
    // Without an 'error' listener one malformed frame would end the process.
    peer.on('error', () => undefined);
  });
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (kind !== 'ours' && kind !== 'stock') throw new Error(`usage: capacity-server.ts ours|stock (got ${kind})`);
  const started = kind === 'ours' ? await startOurs() : await startStock();
  process.stdout.write(`${JSON.stringify({ port: started.port })}\n`);
  const exit = async (): Promise<void> => {
    // Bounded: sockets that do not close in time are left to the process exit.
    await Promise.race([started.close(), new Promise((r) => setTimeout(r, 3000))]);
    process.exit(0);
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'gc') {
      gc?.();
      process.stdout.write(`${JSON.stringify({ gc: gc !== undefined })}\n`);
    } else if (line === 'exit') void exit();
  });
  lines.on('close', () => void exit());
  process.on('SIGTERM', () => void exit());
}

main().catch((error: unknown) => {
  process.stderr.write(`capacity-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
