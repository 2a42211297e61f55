/** The browser's clock and timers behind protocol's injectable `Timers`, so the viewer's logic runs on fake time in tests. */
import type { Timers } from '../../../protocol/transport.ts';

/** Timers backed by the global clock (looked up on each call, so vitest's fake timers apply). */
export const globalTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export type { Timers };
