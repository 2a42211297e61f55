/** Test fixtures for the camera's outbox: an in-memory store and a sender whose channel is wired in afterwards. */
import type { EventMessage } from '../../../../protocol/event-messages.ts';
import type { ObjectStore } from '../../../../protocol/object-store.ts';
import type { Timers } from '../../../../protocol/timers.ts';
import type { Outbox } from '../outbox.ts';
import { OutboxSender } from '../outbox-sender.ts';

/** IndexedDB's behaviour that matters here: rows are copies (structured clone), keyed by `key`. */
export class MemoryStore implements ObjectStore {
  readonly rows = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return structuredClone(this.rows.get(key));
  }
  async getAll(): Promise<unknown[]> {
    return [...this.rows.keys()].sort().map((k) => structuredClone(this.rows.get(k)));
  }
  async put(row: object): Promise<void> {
    this.rows.set((row as { key: string }).key, structuredClone(row));
  }
  async delete(key: string): Promise<void> {
    this.rows.delete(key);
  }
}

/**
 * An OutboxSender over `outbox` whose outgoing messages go wherever the last `attach` said (nowhere before it):
 * a test's channel needs the sender to hand the desktop's replies to, so the channel is made after the sender.
 */
export function detachedSender(outbox: Outbox, timers: Timers): { sender: OutboxSender; attach: (send: (m: EventMessage) => void) => void } {
  let forward: (m: EventMessage) => void = () => undefined;
  const sender = new OutboxSender({ outbox, timers, send: (m) => forward(m) });
  return {
    sender,
    attach: (send) => {
      forward = send;
    },
  };
}
