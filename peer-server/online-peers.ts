/** Who is registered right now, from PeerServer's connection/disconnect events (for healthz and `/ice`). */
import { timingSafeEqual } from 'node:crypto';
import type { IClient } from 'peer';

/** The registered clients by ID. */
export class OnlinePeers {
  readonly #byId = new Map<string, IClient>();

  /** PeerServer 'connection' (also fired when a client reclaims its ID on a new socket). */
  add(client: IClient): void {
    this.#byId.set(client.getId(), client);
  }

  /** PeerServer 'disconnect'; a stale client object never removes the one now holding its ID. */
  remove(client: IClient): void {
    if (this.#byId.get(client.getId()) === client) this.#byId.delete(client.getId());
  }

  /** Is `id` registered right now? */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The socket `id` is registered on right now, if any. */
  socketOf(id: string): unknown {
    return this.#byId.get(id)?.getSocket() ?? null;
  }

  get count(): number {
    return this.#byId.size;
  }

  /** Is `id` registered right now by the holder of `token`? (How a server endpoint can tell a real peer from a stranger.) */
  holds(id: string, token: string): boolean {
    const client = this.#byId.get(id);
    if (!client) return false;
    const want = Buffer.from(client.getToken());
    const got = Buffer.from(token);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  clear(): void {
    this.#byId.clear();
  }
}
