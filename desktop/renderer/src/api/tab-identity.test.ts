import { describe, expect, it } from 'vitest';
import { isPeerId, viewerBaseId } from '../../../../protocol/ids.ts';
import { tabPeerId, type LockManagerLike } from './tab-identity.ts';

const VIEWER = `viewer-${'0'.repeat(32)}`;

/** One browser's lock manager: a held name is unavailable to the next page until released. */
function fakeLocks(): LockManagerLike & { release(name: string): void } {
  const held = new Set<string>();
  return {
    async request(name, _options, callback) {
      if (held.has(name)) return callback(null);
      held.add(name);
      void callback({ name });
      return undefined;
    },
    release: (name) => void held.delete(name),
  };
}

describe('tabPeerId', () => {
  it('the first tab takes the viewer ID; every other tab its own sub-ID under the same pairing', async () => {
    const locks = fakeLocks();
    expect(await tabPeerId(VIEWER, 'web', locks)).toBe(VIEWER);
    const second = await tabPeerId(VIEWER, 'web', locks);
    const third = await tabPeerId(VIEWER, 'web', locks);
    expect(second).toMatch(new RegExp(`^${VIEWER}_t[0-9a-f]{8}$`));
    expect(third).not.toBe(second);
    expect(viewerBaseId(second)).toBe(VIEWER);
    expect(isPeerId(second)).toBe(true);
    // The first tab closed: the next page to load is the first again.
    locks.release(`pawcam.viewer.${VIEWER}`);
    expect(await tabPeerId(VIEWER, 'web', locks)).toBe(VIEWER);
  });

  it('without Web Locks (or when they fail) every tab takes a sub-ID, never the shared one', async () => {
    expect(await tabPeerId(VIEWER, 'web', null)).toMatch(/_t[0-9a-f]{8}$/);
    const broken: LockManagerLike = { request: () => Promise.reject(new Error('SecurityError')) };
    expect(await tabPeerId(VIEWER, 'web', broken)).toMatch(/_t[0-9a-f]{8}$/);
  });

  it('leaves the desktop\'s windows alone (main already names the mini window)', async () => {
    expect(await tabPeerId(VIEWER, 'desktop', fakeLocks())).toBe(VIEWER);
    expect(await tabPeerId(`${VIEWER}_mini`, 'desktop', null)).toBe(`${VIEWER}_mini`);
  });
});
