/** The clock and timers every part takes by injection, so its logic runs on fake time in tests. */

/** Timers and a clock (the global ones in production, a FakeTimers in tests). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** Timers backed by the global clock, looked up on each call (so vitest's fake timers apply too). */
export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};
