/**
 * Child process for the capacity bench: runs one signaling server alone in its process so its RSS can be read from
 * /proc. `ours`: peer-server's startServer (open mode, plain HTTP on 127.0.0.1, with the abuse limits raised: the bench
 * measures the relay, not the defences). `stock`: npm `peer`'s PeerServer with its defaults; both without TLS. Prints
 * one JSON line `{"port":…}` when listening; reads commands on stdin, each answered with one JSON line: `gc` (collect
 * garbage), `counters` (ours: frames relayed directly / through PeerServer / dropped), `profile-start` and
 * `profile-stop` (a V8 CPU profile of this process, summarised: where the relay's time went), `exit`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { PeerServer } from 'peer';
import { startServer, type RelayCounters } from '../peer-server/index.ts';
import { configureLogging } from '../protocol/log.ts';
import { BENCH_RELAY_LIMITS } from './capacity.ts';
import { summariseProfile, type CpuProfile } from './profile.ts';

type Started = { port: number; close: () => Promise<void>; counters: RelayCounters | null };

async function startOurs(): Promise<Started> {
  // One log line per registration would measure the log, not the relay.
  configureLogging({ level: 'error' });
  const dataDir = await mkdtemp(join(tmpdir(), 'pawcam-bench-'));
  const counters: RelayCounters = { direct: 0, viaPeerServer: 0, dropped: 0 };
  // Open mode: the bench's simulated cameras register fresh IDs, as on a server without closed enrollment.
  const server = await startServer({ host: '127.0.0.1', port: 0, http: true, open: true, dataDir, limits: { relay: BENCH_RELAY_LIMITS }, relayCounters: counters });
  return {
    port: server.port,
    counters,
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
        counters: null,
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
  const reply = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
  // Connected only for a profile: an inspector session must not sit in the measured window.
  let session: Session | null = null;
  const commands: Record<string, () => Promise<unknown>> = {
    gc: async () => {
      gc?.();
      return { gc: gc !== undefined };
    },
    counters: async () => ({ counters: started.counters }),
    'profile-start': async () => {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      return { profiling: true };
    },
    'profile-stop': async () => {
      if (!session) throw new Error('no profile started');
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      session.disconnect();
      session = null;
      return { profile: summariseProfile(profile) };
    },
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = commands[line];
    if (command) void command().then(reply, (error: unknown) => reply({ error: String(error) }));
    else if (line === 'exit') void exit();
  });
  lines.on('close', () => void exit());
  process.on('SIGTERM', () => void exit());
}

main().catch((error: unknown) => {
  process.stderr.write(`capacity-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
