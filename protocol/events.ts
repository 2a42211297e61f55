/** A tiny typed event emitter: every part that emits uses it, so listeners are checked against one event map. */
export type EventMap = Record<string, (...args: never[]) => void>;

/** What happens to an error a listener throws: the emitter goes on with the other listeners either way. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

let onListenerError: ListenerErrorHandler = (error, event) => console.error(`listener for ${event} threw`, error);

/**
 * Route listener errors somewhere else. The unit tests' setup collects them and fails the test that caused one
 * (protocol/testing/unit-setup.ts), so an assertion inside a listener can fail its test.
 */
export function setListenerErrorHandler(handler: ListenerErrorHandler): void {
  onListenerError = handler;
}

/** Typed events for anything that emits (transport, sessions, camera, viewer). */
export class TypedEmitter<E extends EventMap> {
  readonly #listeners = new Map<keyof E, Set<E[keyof E]>>();

  /** Subscribe; returns the function that unsubscribes. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Unsubscribe one listener. */
  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Call every listener of `event`; a throwing listener goes to the listener-error handler and does not stop the others. */
  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (error) {
        onListenerError(error, String(event));
      }
    }
  }

  /** Drop every listener (on close). */
  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
