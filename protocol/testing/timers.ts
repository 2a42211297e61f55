/** Manual clock and timers for unit tests (protocol's injectable `Timers`): time moves only when a test says so. */
import type { Timers } from '../timers.ts';

/** Timers that fire only when the test advances the clock (or fires them); real awaits still work meanwhile. */
export class FakeTimers implements Timers {
  time: number;
  /** Timers not yet fired or cleared, by handle. */
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  constructor(start = 1_800_000_000_000) {
    this.time = start;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.pending.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  now(): number {
    return this.time;
  }

  /** Move the clock on, firing what falls due in order (and what those schedule meanwhile). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.pending].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].fn();
    }
    this.time = end;
  }

  /** Fire the earliest pending timer, moving the clock to it; returns how long it waited (throws when none is pending). */
  runNext(): number {
    const next = [...this.pending].sort((a, b) => a[1].at - b[1].at)[0];
    if (!next) throw new Error('no timer pending');
    const [id, timer] = next;
    const waited = timer.at - this.time;
    this.pending.delete(id);
    this.time = timer.at;
    timer.fn();
    return waited;
  }

  /** When the next timer is due, relative to now (null: none). */
  nextIn(): number | null {
    const ats = [...this.pending.values()].map((t) => t.at);
    return ats.length ? Math.min(...ats) - this.time : null;
  }

  /** Fire every pending timer now, whatever its delay (not those they schedule). */
  fireAll(): void {
    for (const [id, timer] of [...this.pending]) {
      this.pending.delete(id);
      timer.fn();
    }
  }
}

/** Node's setImmediate (tests run in Node; the kit's types are the browser's). */
const setImmediate = (globalThis as unknown as { setImmediate: (fn: () => void) => unknown }).setImmediate;

/** Let pending promise callbacks run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
