/** Bridges the plain-TS emitters of the viewer's logic into Svelte's reactivity. */
import { createSubscriber } from 'svelte/reactivity';

/** A value read from `read()` that re-renders whoever reads `.current` whenever `subscribe`'s callback fires. */
export function liveValue<T>(read: () => T, subscribe: (update: () => void) => () => void): { readonly current: T } {
  const track = createSubscriber((update) => subscribe(update));
  return {
    get current(): T {
      track();
      return read();
    },
  };
}
