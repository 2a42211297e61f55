/**
 * Bounds on PeerServer's queues for absent peers. PeerServer keeps every relayed message for a destination that is
 * not connected (so the sender gets EXPIRE after `expire_timeout`, and a peer that reconnects in time gets them) with
 * no limit and offers no hook, so the caps are kept here, in front of it: a message to an absent peer passes only
 * while fewer than `perDestination` passed to that peer within the longest time PeerServer can hold one, and only
 * while fewer than `destinations` absent peers are being queued for.
 */

/** Queue caps. */
export interface QueueLimits {
  /** Messages held for one absent peer (default 64). */
  perDestination: number;
  /** Absent peers with messages held (default 10,000). */
  destinations: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { perDestination: 64, destinations: 10_000 };

/** Why a message to an absent peer was refused. */
export type QueueRefusal = 'destination-full' | 'too-many-destinations';

/** Counts messages sent to absent peers over a sliding window as long as PeerServer may hold them. */
export class OfflineQueueGuard {
  /** Per absent destination: send times of its most recent messages, oldest first (at most `perDestination`). */
  readonly #sent = new Map<string, number[]>();

  /**
   * `holdMs`: the longest a message can sit in PeerServer's queue. Its sweep runs every `cleanup_out_msgs` and drops
   * queues older than `expire_timeout`, so that sum plus a margin for a late timer.
   */
  constructor(
    readonly limits: QueueLimits,
    readonly holdMs: number,
  ) {}

  /** A message to `dst`, which is not connected, is about to be relayed: may it be queued? */
  admit(dst: string, now: number): QueueRefusal | null {
    let times = this.#sent.get(dst);
    if (!times) {
      if (this.#sent.size >= this.limits.destinations) this.#prune(now);
      if (this.#sent.size >= this.limits.destinations) return 'too-many-destinations';
      times = [];
      this.#sent.set(dst, times);
    }
    while (times.length > 0 && now - times[0]! > this.holdMs) times.shift();
    if (times.length >= this.limits.perDestination) return 'destination-full';
    times.push(now);
    return null;
  }

  /** `id` connected: PeerServer has handed it its queue. */
  delivered(id: string): void {
    this.#sent.delete(id);
  }

  get destinations(): number {
    return this.#sent.size;
  }

  #prune(now: number): void {
    for (const [dst, times] of this.#sent) if (times.length === 0 || now - times.at(-1)! > this.holdMs) this.#sent.delete(dst);
  }
}
