/** Which camera the viewer opens on: the one watched last, else the only one; remembered in this window's storage. */
import { createLogger } from '../../../../protocol/log.ts';

const log = createLogger('last-watched');
const KEY = 'pawcam.lastWatched';

/** The camera to open on, or null (several cameras and none watched before, or only unpaired ones). */
export function openingCamera(cameras: readonly { id: string; paired: boolean }[], last: string | null): string | null {
  const usable = cameras.filter((c) => c.paired);
  if (last !== null && usable.some((c) => c.id === last)) return last;
  return usable.length === 1 ? usable[0]!.id : null;
}

/** The last watched camera's ID, kept in localStorage (a page without storage just opens on nothing). */
export const lastWatched = {
  read(): string | null {
    try {
      return globalThis.localStorage?.getItem(KEY) ?? null;
    } catch {
      return null;
    }
  },
  write(cameraId: string): void {
    try {
      globalThis.localStorage?.setItem(KEY, cameraId);
    } catch (error) {
      log.debug('could not remember the last watched camera', { error: String(error) });
    }
  },
};
