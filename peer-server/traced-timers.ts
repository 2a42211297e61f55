/**
 * PeerServer starts two self-rescheduling timer loops when it is mounted (its message expiry and its broken-connection
 * check) and offers no way to stop them, so every mount leaked two timers for the life of the process. Running the
 * mount with setTimeout traced finds those loops, and their later rounds, so close() can clear them.
 */

/** Timers started by traced code, and by the callbacks of those timers in turn. */
export interface TracedTimers {
  /** Timers pending now. */
  readonly pending: number;
  /** Clear every pending one; their loops do not start again. */
  clear(): void;
}

/** Run `start` with setTimeout traced (synchronously: only what it and its timers' callbacks schedule is seen). */
export function traceTimers(start: () => void): TracedTimers {
  const live = new Set<ReturnType<typeof setTimeout>>();
  const original = globalThis.setTimeout;
  let stopped = false;
  const traced = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle: ReturnType<typeof setTimeout> = original(() => {
      live.delete(handle);
      if (!stopped) within(() => fn(...args));
    }, ms);
    live.add(handle);
    return handle;
  }) as typeof setTimeout;
  // Callbacks run synchronously, so swapping the global for their duration sees exactly what they schedule.
  const within = (run: () => void): void => {
    const saved = globalThis.setTimeout;
    globalThis.setTimeout = traced;
    try {
      run();
    } finally {
      globalThis.setTimeout = saved;
    }
  };
  within(start);
  return {
    get pending() {
      return live.size;
    },
    clear() {
      stopped = true;
      for (const handle of live) clearTimeout(handle);
      live.clear();
    },
  };
}
