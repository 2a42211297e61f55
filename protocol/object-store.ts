/**
 * One IndexedDB object store behind promises: how both web apps keep their pair keys (CryptoKey objects are stored
 * as they are). The IDBFactory is handed in, so protocol/ reads no browser global.
 */
import { createLogger } from './log.ts';

const log = createLogger('object-store');

/** Which database and store. */
export interface ObjectStoreSpec {
  dbName: string;
  version: number;
  store: string;
  keyPath: string;
}

/** The operations the apps use; rows come back as `unknown` (the origin's storage is shared: check them). */
export interface ObjectStore {
  get(key: string): Promise<unknown>;
  getAll(): Promise<unknown[]>;
  put(row: object): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Open the store; rejects when the browser refuses, or when opening takes longer than `timeoutMs`. */
export async function openObjectStore(factory: IDBFactory, spec: ObjectStoreSpec, timeoutMs: number): Promise<ObjectStore> {
  const db = await withTimeout(openDb(factory, spec), timeoutMs);
  // Another tab upgrading the database must not be blocked by this one.
  db.onversionchange = () => db.close();
  const run = <T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> =>
    new Promise((resolve, reject) => {
      const tx = db.transaction(spec.store, mode);
      const request = op(tx.objectStore(spec.store));
      // Resolve on commit, not on the request's success: a write is only durable once the transaction completes.
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? request.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  return {
    get: (key) => run('readonly', (store) => store.get(key)),
    getAll: () => run('readonly', (store) => store.getAll()),
    put: async (row) => {
      await run('readwrite', (store) => store.put(row));
    },
    delete: async (key) => {
      await run('readwrite', (store) => store.delete(key));
    },
  };
}

async function openDb(factory: IDBFactory, spec: ObjectStoreSpec): Promise<IDBDatabase> {
  await safari14Warmup(factory);
  return new Promise((resolve, reject) => {
    const request = factory.open(spec.dbName, spec.version);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(spec.store)) db.createObjectStore(spec.store, { keyPath: spec.keyPath });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
    request.onblocked = () => log.warn('IndexedDB open is blocked by another tab');
  });
}

/**
 * Safari 14.1–14.7 (iOS 14.6+) can leave the first `indexedDB.open()` after a page load pending forever
 * (WebKit bug 226547). Poking `indexedDB.databases()` until one call settles wakes it up; elsewhere the first call
 * settles at once. Safari before 14 lacks `databases()` and lacks the bug.
 */
async function safari14Warmup(factory: IDBFactory): Promise<void> {
  if (typeof factory.databases !== 'function') return;
  let settled = false;
  const poke = (): Promise<unknown> =>
    factory.databases().then(
      () => (settled = true),
      () => (settled = true),
    );
  const first = poke();
  for (let i = 0; i < 20 && !settled; i++) {
    await Promise.race([first, delay(100)]);
    if (!settled) void poke();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const timeout = delay(ms).then(() => Promise.reject(new Error(`IndexedDB did not open within ${ms} ms`)));
  return Promise.race([promise, timeout]);
}
