/** Exponential backoff with jitter, for every reconnect loop (server socket, watch sessions). */
export interface BackoffOptions {
  /** First delay, ms. */
  initialMs?: number;
  /** Ceiling, ms. */
  maxMs?: number;
  /** Growth per attempt. */
  factor?: number;
  /** ± fraction of the delay drawn at random, so many clients do not retry in lockstep after a server restart. */
  jitter?: number;
  /** Source of randomness in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/** Delays 1 s, 2 s, 4 s … capped, each ± jitter; `reset()` after a success. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 1000;
    this.#max = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
  }

  /** How many delays have been handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay in ms. */
  next(): number {
    const base = Math.min(this.#max, this.#initial * this.#factor ** this.#attempt);
    this.#attempt++;
    const spread = base * this.#jitter * (this.#random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(this.#max, base + spread)));
  }

  /** Start again from the first delay. */
  reset(): void {
    this.#attempt = 0;
  }
}
