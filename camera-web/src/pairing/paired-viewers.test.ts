import { beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from '../../../protocol/crypto.ts';
import { configureLogging } from '../../../protocol/log.ts';
import { openViewerStore } from './idb-viewer-store.ts';
import { memoryViewerStore, PairedViewers, type PairedViewer, type ViewerStore } from './paired-viewers.ts';

const VIEWER = 'viewer-00112233445566778899aabbccddeeff';
const OTHER = 'viewer-ffeeddccbbaa99887766554433221100';

beforeEach(() => configureLogging({ sink: () => undefined }));

/**
 * A small in-memory IndexedDB: requests and transactions complete asynchronously, as in browsers. Records are kept
 * as given (browsers structured-clone them; CryptoKey clones as itself).
 */
class FakeIdb {
  readonly dbs = new Map<string, { version: number; stores: Map<string, Map<string, unknown>> }>();
  /** Calls of `databases()`; the first never settles, like Safari 14's stuck first IndexedDB call. */
  databasesCalls = 0;
  failOpen = false;
  hangOpen = false;
  failWrites = false;

  databases(): Promise<unknown[]> {
    this.databasesCalls++;
    return this.databasesCalls === 1 ? new Promise(() => undefined) : Promise.resolve([]);
  }

  open(name: string, version: number): IDBOpenDBRequest {
    const request = {} as { result: unknown; error: unknown; onsuccess?: () => void; onerror?: () => void; onupgradeneeded?: () => void };
    setTimeout(() => {
      if (this.hangOpen) return;
      if (this.failOpen) {
        request.error = new Error('SecurityError');
        request.onerror?.();
        return;
      }
      let db = this.dbs.get(name);
      const upgrade = !db || db.version < version;
      db ??= { version, stores: new Map() };
      db.version = version;
      this.dbs.set(name, db);
      request.result = this.#connection(db);
      if (upgrade) request.onupgradeneeded?.();
      request.onsuccess?.();
    });
    return request as unknown as IDBOpenDBRequest;
  }

  #connection(db: { stores: Map<string, Map<string, unknown>> }) {
    const failWrites = (): boolean => this.failWrites;
    return {
      objectStoreNames: { contains: (name: string) => db.stores.has(name) },
      createObjectStore: (name: string) => db.stores.set(name, new Map()),
      close: () => undefined,
      onversionchange: null,
      transaction(storeName: string) {
        const tx = {} as { error: unknown; oncomplete?: () => void; onerror?: () => void; onabort?: () => void; objectStore: () => unknown };
        const rows = db.stores.get(storeName)!;
        const request = <T>(work: () => T, write: boolean) => {
          const req = {} as { result: T };
          setTimeout(() => {
            if (write && failWrites()) {
              tx.error = new Error('QuotaExceededError');
              tx.onerror?.();
              return;
            }
            req.result = work();
            setTimeout(() => tx.oncomplete?.());
          });
          return req;
        };
        tx.objectStore = () => ({
          getAll: () => request(() => [...rows.values()], false),
          put: (value: { viewerId: string }) => request(() => void rows.set(value.viewerId, value), true),
          delete: (key: string) => request(() => void rows.delete(key), true),
        });
        return tx;
      },
    };
  }
}

async function pairing(viewerId: string, name: string) {
  return { peerId: viewerId, peerName: name, key: randomBytes(32) };
}

describe('PairedViewers', () => {
  it('keeps a pairing as a non-extractable HMAC key and wipes the raw bytes', async () => {
    const viewers = new PairedViewers(memoryViewerStore());
    const p = await pairing(VIEWER, 'Office PC');
    const info = await viewers.add(p, 1000);
    expect(info).toEqual({ viewerId: VIEWER, name: 'Office PC', pairedAt: 1000 });
    expect(p.key.every((b) => b === 0)).toBe(true);
    const key = await viewers.keyFor(VIEWER);
    expect(key).toBeInstanceOf(CryptoKey);
    expect(key!.extractable).toBe(false);
    expect(key!.algorithm).toMatchObject({ name: 'HMAC' });
    expect(await viewers.keyFor(OTHER)).toBeNull();
  });

  it('lists viewers oldest first without their keys, and re-pairing replaces', async () => {
    const viewers = new PairedViewers(memoryViewerStore());
    const changes: unknown[] = [];
    viewers.on('change', (list) => changes.push(list));
    await viewers.add(await pairing(OTHER, 'Laptop'), 2000);
    await viewers.add(await pairing(VIEWER, 'Office PC'), 1000);
    await viewers.add(await pairing(OTHER, 'Laptop (new)'), 3000);
    expect(viewers.list()).toEqual([
      { viewerId: VIEWER, name: 'Office PC', pairedAt: 1000 },
      { viewerId: OTHER, name: 'Laptop (new)', pairedAt: 3000 },
    ]);
    expect(JSON.stringify(changes)).not.toContain('key');
  });

  it('a viewer\'s new name replaces the old one, stored, key kept; unknown viewers are not added', async () => {
    const store = memoryViewerStore();
    const viewers = new PairedViewers(store);
    await viewers.add(await pairing(VIEWER, 'Web viewer'), 1000);
    const key = await viewers.keyFor(VIEWER);
    await viewers.rename(VIEWER, 'Firefox on Windows');
    await viewers.rename(OTHER, 'Stranger');
    expect(viewers.list()).toEqual([{ viewerId: VIEWER, name: 'Firefox on Windows', pairedAt: 1000 }]);
    expect(await viewers.keyFor(VIEWER)).toBe(key);
    expect((await store.list()).map((v) => v.name)).toEqual(['Firefox on Windows']);
  });

  it('revoking makes the key unusable at once and announces it', async () => {
    const store = memoryViewerStore();
    const viewers = new PairedViewers(store);
    await viewers.add(await pairing(VIEWER, 'Office PC'), 1000);
    const revoked: string[] = [];
    viewers.on('revoked', (id) => revoked.push(id));
    const done = viewers.revoke(VIEWER);
    await Promise.resolve();
    await Promise.resolve();
    expect(revoked).toEqual([VIEWER]);
    expect(await viewers.keyFor(VIEWER)).toBeNull();
    await done;
    expect(await store.list()).toEqual([]);
    expect(viewers.list()).toEqual([]);
  });

  it('looks keys up only once the store has loaded', async () => {
    const store = memoryViewerStore();
    const first = new PairedViewers(store);
    await first.add(await pairing(VIEWER, 'Office PC'), 1000);
    let open!: (s: ViewerStore) => void;
    const second = new PairedViewers(new Promise<ViewerStore>((resolve) => (open = resolve)));
    const key = second.keyFor(VIEWER);
    open(store);
    expect(await key).toBeInstanceOf(CryptoKey);
  });

  it('falls back to memory, and says so, when the store cannot load or write', async () => {
    const broken: ViewerStore = {
      persistent: true,
      list: () => Promise.reject(new Error('gone')),
      put: () => Promise.reject(new Error('gone')),
      remove: () => Promise.reject(new Error('gone')),
    };
    const viewers = new PairedViewers(broken);
    await viewers.ready;
    expect(viewers.persistent).toBe(false);
    await viewers.add(await pairing(VIEWER, 'Office PC'), 1000);
    expect(await viewers.keyFor(VIEWER)).not.toBeNull();

    const unwritable: ViewerStore = { ...memoryViewerStore(), persistent: true, put: () => Promise.reject(new Error('DataCloneError')) };
    const other = new PairedViewers(unwritable);
    await other.ready;
    expect(other.persistent).toBe(true);
    await other.add(await pairing(VIEWER, 'Office PC'), 1000);
    expect(other.persistent).toBe(false);
    expect(await other.keyFor(VIEWER)).not.toBeNull();
  });

  it('a revoke whose stored copy cannot be deleted still revokes now, and rejects so the page can warn', async () => {
    const store: ViewerStore = { ...memoryViewerStore(), remove: () => Promise.reject(new Error('gone')) };
    const viewers = new PairedViewers(store);
    await viewers.add(await pairing(VIEWER, 'Office PC'), 1000);
    await expect(viewers.revoke(VIEWER)).rejects.toThrow('gone');
    expect(await viewers.keyFor(VIEWER)).toBeNull();
  });
});

describe('openViewerStore (IndexedDB)', () => {
  it('keeps paired viewers across page loads', async () => {
    const idb = new FakeIdb();
    const factory = idb as unknown as IDBFactory;
    const store = await openViewerStore(factory);
    expect(store.persistent).toBe(true);
    const first = new PairedViewers(store);
    await first.add(await pairing(VIEWER, 'Office PC'), 1000);
    await first.add(await pairing(OTHER, 'Laptop'), 2000);
    await first.revoke(OTHER);

    const reloaded = new PairedViewers(openViewerStore(factory));
    await reloaded.ready;
    // The Safari 14 warm-up poked databases() again when the first call hung.
    expect(idb.databasesCalls).toBeGreaterThan(1);
    expect(reloaded.list()).toEqual([{ viewerId: VIEWER, name: 'Office PC', pairedAt: 1000 }]);
    expect(await reloaded.keyFor(VIEWER)).toBeInstanceOf(CryptoKey);
    expect(await reloaded.keyFor(OTHER)).toBeNull();
  });

  it('skips stored rows that are not paired viewers', async () => {
    const idb = new FakeIdb();
    const factory = idb as unknown as IDBFactory;
    const store = await openViewerStore(factory);
    const viewers = new PairedViewers(store);
    await viewers.add(await pairing(VIEWER, 'Office PC'), 1000);
    const rows = idb.dbs.get('pawcam-camera')!.stores.get('viewers')!;
    const good = rows.get(VIEWER) as PairedViewer;
    rows.set('a', { ...good, viewerId: 'not an id!' });
    rows.set('b', { ...good, viewerId: OTHER, key: 'raw key' });
    rows.set('c', { ...good, viewerId: 'viewer-c', name: '\u0000' });
    rows.set('d', null);
    expect((await store.list()).map((v) => v.viewerId)).toEqual([VIEWER]);
  });

  it('falls back to memory when IndexedDB is missing, refuses to open, or hangs', async () => {
    expect((await openViewerStore(undefined)).persistent).toBe(false);
    const refusing = new FakeIdb();
    refusing.failOpen = true;
    expect((await openViewerStore(refusing as unknown as IDBFactory)).persistent).toBe(false);
    const hanging = new FakeIdb();
    hanging.hangOpen = true;
    expect((await openViewerStore(hanging as unknown as IDBFactory, 50)).persistent).toBe(false);
  });

  it('a write the browser refuses leaves the pairing in memory, flagged as not kept', async () => {
    const idb = new FakeIdb();
    const store = await openViewerStore(idb as unknown as IDBFactory);
    idb.failWrites = true;
    const viewers = new PairedViewers(store);
    await viewers.add(await pairing(VIEWER, 'Office PC'), 1000);
    expect(viewers.persistent).toBe(false);
  });
});
