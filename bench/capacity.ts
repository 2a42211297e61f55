/**
 * Signaling capacity: N simulated cameras (WebSocket clients doing the real PeerServer registration and a HEARTBEAT
 * every 5 s) against our peer-server and a stock `peer` server, both without TLS, each alone in a child process
 * (bench/capacity-server.ts) with a raised open-file limit. Ramps in batches and stops at the first failures, reading
 * the server's RSS at `compareAt` cameras (the stock server's own ceiling, so both are compared at the same count) and
 * at the end; then measures relayed CANDIDATE frames per second between pairs that answer each frame with another,
 * for a fixed window, and profiles a short second window to show where the server's time went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { newRegistrationToken, randomHex } from '../protocol/ids.ts';
import { createLogger } from '../protocol/log.ts';
import { PEER_KEY, PEER_PATH } from '../protocol/peer-options.ts';
import type { RelayLimits } from '../peer-server/index.ts';
import { parseCpuSeconds, parseOpenFileLimit, parseVmRssKiB } from './proc.ts';
import type { ProfileSummary } from './profile.ts';
import { median } from './stats.ts';
import { message, sleep, within, type Deadline } from './util.ts';

const log = createLogger('bench-capacity');

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The limits the bench gives our server (each well above what the bench sends), and says so in its output. */
export const BENCH_RELAY_LIMITS: Partial<RelayLimits> = {
  messages: { burst: 1e9, perSecond: 1e9 },
  connectionsPerAddress: 1e9,
  newIdsPerAddress: { burst: 1e9, perSecond: 1e9 },
};

/** Which server. */
export type ServerKind = 'ours' | 'stock';

/** How hard to push. */
export interface CapacityOptions {
  /** Cameras to register at most. */
  target: number;
  /** Registrations started at once. */
  batch: number;
  /** Pairs exchanging frames in the relay window. */
  relayPairs: number;
  /** Frames in flight per direction of a pair. */
  relayInFlight: number;
  /** Length of the relay window (after a short warm-up). */
  relayWindowMs: number;
  /** RSS of both servers is compared with this many cameras registered (the stock server's 5,000 ceiling). */
  compareAt: number;
  /** Length of the profiled relay window after the measured one (0: no profile). */
  profileMs: number;
  /** Open-file limit asked for the server process. */
  fileLimit: number;
  deadline: Deadline;
}

/** What one server did. */
export interface ServerCapacity {
  kind: ServerKind;
  /** How the server was configured for the bench. */
  config: string;
  /** The server process's open-file limit. */
  fileLimit: number | null;
  attempted: number;
  /** Registered cameras held after the ramp (socket open, OPEN received). */
  held: number;
  /** Still open after the relay window. */
  heldAfterRelay: number;
  /** Why the ramp stopped early, if it did. */
  firstFailure: string | null;
  rampMs: number;
  /** Server RSS before any client, and with `held` clients, after a forced GC (KiB). */
  rssIdleKiB: number | null;
  rssHeldKiB: number | null;
  /** (held − idle) / held, bytes. */
  rssPerConnBytes: number | null;
  /** RSS with exactly `compareAt` cameras registered (KiB), and (that − idle) / compareAt, bytes; null if not reached. */
  rssAtCompareKiB: number | null;
  rssPerConnAtCompareBytes: number | null;
  /** Relayed frames delivered per second at saturation. */
  relayPerSecond: number | null;
  relayPairs: number;
  /**
   * Relayed frames per CPU-second of the server: its rate when it has a core to itself (saturation). On a shared
   * 2-core machine the raw rate above also depends on what else runs; this one much less.
   */
  relayPerCpuSecond: number | null;
  /** CPU seconds per second of the server and of the load generator (this process) during the relay window. */
  serverCpu: number | null;
  clientCpu: number | null;
  /** Ours: frames relayed by the guard itself, through PeerServer, dropped (whole round). */
  counters: { direct: number; viaPeerServer: number; dropped: number } | null;
  /** Where the server's time went in a profiled relay window (after the measured one). */
  profile: ProfileSummary | null;
  error: string | null;
}

/** One server over its rounds. */
export interface CapacitySummary {
  held: number;
  firstFailure: string | null;
  rssPerConnBytes: number | null;
  /** Median over rounds of RSS per connection at `compareAt` cameras: the figure the RSS budget compares. */
  rssPerConnAtCompareBytes: number | null;
  compareAt: number;
  /** Rounds run, and how many of them failed (an error, or no relay figure); failed rounds are listed, not hidden. */
  rounds: number;
  failedRounds: number;
  profile: ProfileSummary | null;
  relayPerSecond: number | null;
  relayPerCpuSecond: number | null;
  fileLimit: number | null;
  config: string;
  error: string | null;
}

/** Both servers, each measured `rounds` times in alternation (ours, stock, ours, …) so drift on a shared machine hits both. */
export interface CapacityResult {
  rounds: Record<ServerKind, ServerCapacity[]>;
  /** Per server: most cameras held in a round, median RSS per connection and median relay rate over the rounds. */
  summary: Record<ServerKind, CapacitySummary>;
}

/** Run the capacity bench: `rounds` alternating rounds per server, within the deadline. */
export async function measureCapacity(options: CapacityOptions & { rounds: number }): Promise<CapacityResult> {
  const rounds: Record<ServerKind, ServerCapacity[]> = { ours: [], stock: [] };
  for (let round = 0; round < options.rounds; round++) {
    for (const kind of ['ours', 'stock'] as const) {
      // A later round only if both servers can still have it.
      if (round > 0 && !options.deadline.has(60_000)) break;
      rounds[kind].push(await measureServer(kind, options));
    }
  }
  const summarise = (runs: ServerCapacity[]): CapacitySummary => {
    const best = runs.reduce<ServerCapacity | null>((a, b) => (a && a.held >= b.held ? a : b), null);
    return {
      held: best?.held ?? 0,
      firstFailure: best?.firstFailure ?? null,
      rssPerConnBytes: median(runs.flatMap((r) => (r.rssPerConnBytes === null ? [] : [r.rssPerConnBytes]))),
      rssPerConnAtCompareBytes: median(runs.flatMap((r) => (r.rssPerConnAtCompareBytes === null ? [] : [r.rssPerConnAtCompareBytes]))),
      compareAt: options.compareAt,
      rounds: runs.length,
      failedRounds: runs.filter((r) => r.error !== null || r.relayPerCpuSecond === null).length,
      profile: runs.findLast((r) => r.profile !== null)?.profile ?? null,
      relayPerSecond: median(runs.flatMap((r) => (r.relayPerSecond === null ? [] : [r.relayPerSecond]))),
      relayPerCpuSecond: median(runs.flatMap((r) => (r.relayPerCpuSecond === null ? [] : [r.relayPerCpuSecond]))),
      fileLimit: best?.fileLimit ?? null,
      config: best?.config ?? '',
      error: runs.find((r) => r.error)?.error ?? null,
    };
  };
  return { rounds, summary: { ours: summarise(rounds.ours), stock: summarise(rounds.stock) } };
}

/** Run the capacity bench against one server. */
export async function measureServer(kind: ServerKind, options: CapacityOptions): Promise<ServerCapacity> {
  const result: ServerCapacity = {
    kind,
    config:
      kind === 'ours'
        ? "startServer({ host: '127.0.0.1', http: true, open: true, limits: { relay: { messages, connectionsPerAddress, newIdsPerAddress: 1e9 } } })"
        : "PeerServer({ host: '127.0.0.1', port: 0 }), npm peer's defaults (plain HTTP, like ours)",
    fileLimit: null,
    attempted: 0,
    held: 0,
    heldAfterRelay: 0,
    firstFailure: null,
    rampMs: 0,
    rssIdleKiB: null,
    rssHeldKiB: null,
    rssPerConnBytes: null,
    rssAtCompareKiB: null,
    rssPerConnAtCompareBytes: null,
    relayPerSecond: null,
    relayPerCpuSecond: null,
    relayPairs: 0,
    serverCpu: null,
    clientCpu: null,
    counters: null,
    profile: null,
    error: null,
  };
  const server = await startChild(kind, options.fileLimit);
  const clients: SimClient[] = [];
  const heartbeat = setInterval(() => {
    for (const c of clients) if (c.open) c.socket.send('{"type":"HEARTBEAT"}');
  }, 5000);
  try {
    result.fileLimit = await fileLimitOf(server.pid);
    await server.gc();
    result.rssIdleKiB = await rssOf(server.pid);

    const url = kind === 'ours' ? `ws://127.0.0.1:${server.port}${PEER_PATH}/peerjs?key=${PEER_KEY}` : `ws://127.0.0.1:${server.port}/peerjs?key=peerjs`;
    const started = Date.now();
    while (result.attempted < options.target) {
      if (!options.deadline.has(15_000)) {
        result.firstFailure = 'time budget spent during the ramp';
        break;
      }
      // Batches end exactly at compareAt, where RSS is read for the like-for-like comparison.
      const next = result.attempted < options.compareAt ? Math.min(options.compareAt, options.target) : options.target;
      const size = Math.min(options.batch, next - result.attempted);
      result.attempted += size;
      const outcomes = await Promise.all(Array.from({ length: size }, () => register(url)));
      const failures = outcomes.filter((o): o is string => typeof o === 'string');
      for (const o of outcomes) if (typeof o !== 'string') clients.push(o);
      if (failures.length > 0) {
        result.firstFailure = `${failures.length}/${size} refused after ${(result.attempted - size).toLocaleString('en-US')}: ${failures[0]}`;
        break;
      }
      if (result.attempted === options.compareAt && result.rssIdleKiB !== null) {
        await sleep(500);
        await server.gc();
        result.rssAtCompareKiB = await rssOf(server.pid);
        const open = clients.filter((c) => c.open).length;
        if (result.rssAtCompareKiB !== null && open === options.compareAt) {
          result.rssPerConnAtCompareBytes = Math.round(((result.rssAtCompareKiB - result.rssIdleKiB) * 1024) / open);
        }
      }
    }
    result.rampMs = Date.now() - started;
    await sleep(1000);
    result.held = clients.filter((c) => c.open).length;
    await server.gc();
    result.rssHeldKiB = await rssOf(server.pid);
    if (result.held > 0 && result.rssIdleKiB !== null && result.rssHeldKiB !== null) {
      result.rssPerConnBytes = Math.round(((result.rssHeldKiB - result.rssIdleKiB) * 1024) / result.held);
    }
    log.info('ramp done', { kind, held: result.held, rampMs: result.rampMs, firstFailure: result.firstFailure, rssHeldKiB: result.rssHeldKiB });

    const open = clients.filter((c) => c.open);
    const pairs = Math.min(options.relayPairs, Math.floor(open.length / 2));
    result.relayPairs = pairs;
    if (pairs > 0 && options.deadline.has(options.relayWindowMs + 5000)) {
      const relay = await relayWindow(open.slice(0, pairs * 2), server.pid, options);
      result.relayPerSecond = relay.perSecond;
      result.serverCpu = relay.serverCpu;
      if (relay.serverCpu) result.relayPerCpuSecond = Math.round(relay.perSecond / relay.serverCpu);
      result.clientCpu = relay.clientCpu;
      if (options.profileMs > 0 && options.deadline.has(options.profileMs + 5000)) {
        await server.command('profile-start', 5000);
        const profiled = await relayWindow(open.slice(0, pairs * 2), null, { ...options, relayWindowMs: options.profileMs });
        const reply = await server.command('profile-stop', 10_000);
        result.profile = (reply['profile'] as ProfileSummary | undefined) ?? null;
        log.info('relay profile', { kind, relayPerSecondWhileProfiled: profiled.perSecond, stages: result.profile?.stages.slice(0, 6) });
      }
    }
    if (kind === 'ours') result.counters = ((await server.command('counters', 5000))['counters'] as ServerCapacity['counters']) ?? null;
    result.heldAfterRelay = clients.filter((c) => c.open).length;
  } catch (error) {
    result.error = message(error);
  } finally {
    clearInterval(heartbeat);
    for (const c of clients) c.socket.terminate();
    await server.stop();
  }
  return result;
}

/** A simulated camera. */
interface SimClient {
  id: string;
  socket: WebSocket;
  open: boolean;
  /** Called with each relayed CANDIDATE frame (raw text). */
  onCandidate: ((text: string) => void) | null;
}

/** Register one client; the client, or why it failed. */
function register(baseUrl: string): Promise<SimClient | string> {
  const id = `cam-${randomHex(16)}`;
  const socket = new WebSocket(`${baseUrl}&id=${id}&token=${newRegistrationToken()}`, { perMessageDeflate: false, handshakeTimeout: 10_000 });
  const client: SimClient = { id, socket, open: false, onCandidate: null };
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: SimClient | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (typeof outcome === 'string') socket.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle('no OPEN within 10 s'), 10_000);
    socket.on('message', (data) => {
      const text = data.toString();
      if (client.open) {
        if (client.onCandidate && text.includes('"CANDIDATE"')) client.onCandidate(text);
        return;
      }
      if (text.includes('"OPEN"')) {
        client.open = true;
        settle(client);
      } else settle(describeRefusal(text));
    });
    socket.on('error', (error) => settle(`socket error: ${error.message}`));
    socket.on('close', (code) => {
      client.open = false;
      settle(`closed (${code}) before OPEN`);
    });
  });
}

/** Pairs answer every relayed frame with another; counts frames delivered per second over the window. */
async function relayWindow(clients: SimClient[], serverPid: number | null, options: CapacityOptions): Promise<{ perSecond: number; serverCpu: number | null; clientCpu: number }> {
  const payload = {
    candidate: { candidate: 'candidate:1467250027 1 udp 2122260223 192.168.1.2 46243 typ host generation 0 ufrag Xk3q network-id 1', sdpMLineIndex: 0, sdpMid: '0' },
    type: 'media',
    connectionId: 'mc_bench0123456789',
  };
  let counting = false;
  let running = true;
  let delivered = 0;
  for (let i = 0; i + 1 < clients.length; i += 2) {
    const a = clients[i]!;
    const b = clients[i + 1]!;
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const frame = JSON.stringify({ type: 'CANDIDATE', dst: other.id, payload });
      self.onCandidate = () => {
        if (counting) delivered++;
        if (running && self.open) self.socket.send(frame);
      };
      for (let k = 0; k < options.relayInFlight; k++) self.socket.send(frame);
    }
  }
  await sleep(500);
  const cpu0 = serverPid === null ? null : await cpuSecondsOf(serverPid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  counting = true;
  await sleep(options.relayWindowMs);
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = serverPid === null ? null : await cpuSecondsOf(serverPid);
  const own = process.cpuUsage(own0);
  running = false;
  for (const c of clients) c.onCandidate = null;
  await sleep(300);
  return {
    perSecond: Math.round(delivered / seconds),
    serverCpu: cpu0 !== null && cpu1 !== null ? Math.round(((cpu1 - cpu0) / seconds) * 100) / 100 : null,
    clientCpu: Math.round(((own.user + own.system) / 1e6 / seconds) * 100) / 100,
  };
}

/** A server child process. */
interface Child {
  pid: number;
  port: number;
  gc(): Promise<void>;
  /** Send a command (see capacity-server.ts) and read its one-line answer. */
  command(name: string, ms: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function startChild(kind: ServerKind, fileLimit: number): Promise<Child> {
  // The limit is raised in a shell wrapper (root may raise the hard limit; otherwise the hard limit is taken), then
  // exec keeps the same pid for /proc.
  const script = `ulimit -n ${Math.floor(fileLimit)} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
  const child: ChildProcess = spawn('sh', ['-c', script, 'sh', process.execPath, '--expose-gc', '--import', 'tsx', join(repoRoot, 'bench', 'capacity-server.ts'), kind], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  lines.on('line', (line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof parsed === 'object' && parsed !== null) waiting.shift()?.(parsed as Record<string, unknown>);
  });
  const next = (what: string, ms: number): Promise<Record<string, unknown>> =>
    within(
      new Promise<Record<string, unknown>>((resolve, reject) => {
        waiting.push(resolve);
        child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`)));
      }),
      ms,
      `${kind} server: ${what}`,
    );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ready = await next('start', 30_000);
    const port = Number(ready['port']);
    if (!child.pid || !Number.isInteger(port) || port <= 0) throw new Error(`${kind} server: bad start line ${JSON.stringify(ready)}`);
    return {
      pid: child.pid,
      port,
      async gc() {
        child.stdin!.write('gc\n');
        await next('gc', 10_000);
        await sleep(300);
      },
      async command(name, ms) {
        child.stdin!.write(`${name}\n`);
        const reply = await next(name, ms);
        if (typeof reply['error'] === 'string') throw new Error(`${kind} server: ${name}: ${reply['error']}`);
        return reply;
      },
      async stop() {
        child.stdin!.end('exit\n');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** VmRSS of a process, KiB. */
async function rssOf(pid: number): Promise<number | null> {
  return parseVmRssKiB(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
}

/** The soft open-file limit of a process. */
async function fileLimitOf(pid: number): Promise<number | null> {
  return parseOpenFileLimit(await readFile(`/proc/${pid}/limits`, 'utf8').catch(() => ''));
}

/** User + system CPU seconds of a process. */
async function cpuSecondsOf(pid: number): Promise<number | null> {
  return parseCpuSeconds(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
}

/** A server's refusal as `TYPE: message` (its JSON frame), or the start of whatever it sent. */
function describeRefusal(text: string): string {
  try {
    const frame = JSON.parse(text) as { type?: unknown; payload?: { msg?: unknown } };
    return `${String(frame.type)}: ${String(frame.payload?.msg ?? '')}`;
  } catch {
    return text.slice(0, 120);
  }
}

/**
 * What a capacity run failed to collect, each with the reason (empty: everything the budgets need is there). The
 * relay budget needs a relay figure from each server, the RSS budget each server's RSS at `compareAt` cameras.
 */
export function capacityShortfalls(result: CapacityResult): string[] {
  const out: string[] = [];
  for (const kind of ['ours', 'stock'] as const) {
    const runs = result.rounds[kind];
    const name = kind === 'ours' ? 'pawcam' : 'stock';
    const why = (r: ServerCapacity | undefined): string => r?.error ?? r?.firstFailure ?? 'no reason recorded';
    if (runs.length === 0) {
      out.push(`${name}: no round ran (time budget)`);
      continue;
    }
    const relayed = runs.filter((r) => r.relayPerCpuSecond !== null);
    if (relayed.length === 0) out.push(`${name}: no relay figure in ${runs.length} round(s) (${why(runs.at(-1))})`);
    const compared = runs.filter((r) => r.rssPerConnAtCompareBytes !== null);
    if (compared.length === 0) out.push(`${name}: never held ${result.summary[kind].compareAt.toLocaleString('en-US')} cameras to compare RSS at (held ${result.summary[kind].held.toLocaleString('en-US')}; ${why(runs.at(-1))})`);
  }
  return out;
}
