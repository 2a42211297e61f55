/** Small pieces every bench part uses: skips with a reason, time budgets, and bounded waits. */

/** A part (or a subject within it) that cannot run here; the reason is printed and kept in the results. */
export class Skip extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Skip';
  }
}

/**
 * A part that collected fewer samples than its budgets need: it is reported as failed with this reason, never as a
 * silent null. The figures it did collect are kept.
 */
export class Shortfall extends Error {
  constructor(readonly reasons: readonly string[]) {
    super(reasons.join('; '));
    this.name = 'Shortfall';
  }
}

/** One series a part needs: what it is, how many samples it got and needs, and why it got fewer. */
export interface SampleNeed {
  what: string;
  got: number;
  need: number;
  /** Why it may be short (failures, time budget); printed only when it is. */
  why: string;
}

/** The shortfalls among `needs`, as sentences (empty: every series has what it needs). */
export function shortfalls(needs: readonly SampleNeed[]): string[] {
  return needs.filter((n) => n.got < n.need).map((n) => `${n.what}: ${n.got} of ${n.need} samples needed (${n.why || 'no reason recorded'})`);
}

/** Throw a Shortfall when any series is short. */
export function requireSamples(needs: readonly SampleNeed[]): void {
  const short = shortfalls(needs);
  if (short.length > 0) throw new Shortfall(short);
}

/** A point in time a part must finish by. */
export class Deadline {
  readonly at: number;

  constructor(ms: number, now = Date.now()) {
    this.at = now + ms;
  }

  /** Milliseconds left (never negative). */
  left(now = Date.now()): number {
    return Math.max(0, this.at - now);
  }

  /** Is there at least `ms` left? */
  has(ms: number): boolean {
    return this.left() >= ms;
  }
}

/** Reject with a message naming `what` when `promise` takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll `probe` every `intervalMs` until `accept` holds, at most `timeoutMs` (bounded in count and time). */
export async function poll<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const started = Date.now();
  const rounds = Math.ceil(timeoutMs / intervalMs) + 1;
  let last: T | undefined;
  for (let i = 0; i < rounds && Date.now() - started <= timeoutMs; i++) {
    last = await probe();
    if (accept(last)) return last;
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s (last: ${JSON.stringify(last)})`);
}

/** Wait `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An error's message. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

