/** The camera's offer nonces in localStorage, so a reload does not reopen the window for replaying a captured offer. */
import type { ReplaySnapshot, ReplayStore } from '../../../protocol/auth.ts';

/** localStorage key of the replay snapshot. */
export const REPLAY_STORAGE_KEY = 'pawcam.replay.v1';

/** A ReplayStore over `storage` (null: the browser keeps nothing for this page; the guard then works in memory). */
export function localReplayStore(storage: Pick<Storage, 'getItem' | 'setItem'> | null): ReplayStore {
  return {
    load() {
      const text = storage?.getItem(REPLAY_STORAGE_KEY) ?? null;
      if (text === null) return null;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return null;
      }
    },
    save(snapshot: ReplaySnapshot) {
      storage?.setItem(REPLAY_STORAGE_KEY, JSON.stringify(snapshot));
    },
  };
}

/** The page's localStorage, or null where the browser refuses it (private modes, storage off). */
export function pageStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
