/** The servers of one peer-server test file: started on loopback with their own data dirs, stopped and removed by its hooks. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';
import { captureLogs, Client, token, type ConnectOptions } from './test-client.ts';

/**
 * Starts servers for one test file. The file wires the cleanup in its own hooks:
 * `afterEach(() => servers.stopAll())` and `afterAll(() => servers.removeDirs())`.
 */
export class TestServers {
  readonly #prefix: string;
  readonly #defaults: ServerOptions;
  readonly #dirs: string[] = [];
  readonly #running: RunningServer[] = [];

  /** `prefix` names the temp dirs; `defaults` apply to every server the file starts (its own options win). */
  constructor(prefix: string, defaults: ServerOptions = {}) {
    this.#prefix = prefix;
    this.#defaults = defaults;
  }

  /** A fresh directory, removed by `removeDirs`. */
  async tempDir(prefix = this.#prefix): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  /** A server on a free loopback port over plain HTTP, logging nowhere, with a fresh data dir unless one is given. */
  async start(options: ServerOptions = {}): Promise<RunningServer & { dataDir: string }> {
    const dataDir = options.dataDir ?? this.#defaults.dataDir ?? (await this.tempDir());
    const server = await startServer({ host: '127.0.0.1', port: 0, http: true, logger: captureLogs([]), ...this.#defaults, ...options, dataDir });
    this.#running.push(server);
    return Object.assign(server, { dataDir });
  }

  /** Ends every client socket, then stops every server started since the last call. */
  async stopAll(): Promise<void> {
    Client.terminateAll();
    await Promise.all(this.#running.splice(0).map((s) => s.close()));
  }

  /** Removes every directory made. */
  async removeDirs(): Promise<void> {
    await Promise.all(this.#dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** A client registered as `id` with the token made from `label` (the ID itself unless given), once the server said OPEN. */
export async function registered(server: RunningServer, id: string, label = id, options: ConnectOptions = {}): Promise<Client> {
  const client = Client.connect(server, id, token(label), options);
  await client.ofType('OPEN');
  return client;
}
