/**
 * Each web-viewer tab or window connects under its own signaling identity. The first tab of a browser takes the
 * viewer's own ID (held with a Web Lock for the page's life, so an open server has bound it before any sub-ID asks);
 * every other tab registers `<viewerId>_t<8 hex>`, new on each load: one pairing (the camera finds the pair key by the
 * base ID, protocol/ids.ts), several connections. Before this, a second tab registered the same ID and the server
 * swapped sockets, leaving the first tab unable to watch. Enrollment, pairing and pair keys keep the base ID.
 */
import { randomHex, viewerSubId } from '../../../../protocol/ids.ts';

/** The part of `navigator.locks` used here (absent in old browsers: then every tab takes a sub-ID). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<unknown> | undefined): Promise<unknown>;
}

/** Hold the lock named for this viewer for the page's life; true when this page got it. */
function holdFirstTab(locks: LockManagerLike, viewerId: string): Promise<boolean> {
  return new Promise((resolve) => {
    locks
      .request(`pawcam.viewer.${viewerId}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Never settles: the lock goes with the page.
        return lock === null ? undefined : new Promise(() => undefined);
      })
      .catch(() => resolve(false));
  });
}

/** The ID this page registers with: the desktop's windows already have theirs (main gives the mini window `_mini`). */
export async function tabPeerId(
  viewerId: string,
  shell: 'desktop' | 'web',
  locks: LockManagerLike | null,
  random: () => string = () => randomHex(4),
): Promise<string> {
  if (shell !== 'web') return viewerId;
  if (locks && (await holdFirstTab(locks, viewerId))) return viewerId;
  return viewerSubId(viewerId, `t${random()}`);
}

/** The browser's lock manager, where there is one. */
export function browserLocks(): LockManagerLike | null {
  return (globalThis.navigator as (Navigator & { locks?: LockManagerLike }) | undefined)?.locks ?? null;
}
