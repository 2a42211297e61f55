/** The web viewer's pair keys in IndexedDB (CryptoKey objects are stored as they are), falling back to memory. */
import { createLogger } from '../../../protocol/log.ts';
import { PeerIdSchema, parseWith } from '../../../protocol/schema.ts';
import { memoryKeyRows, type KeyRows } from './pair-key-store.ts';

const log = createLogger('idb-key-rows');

const DB_NAME = 'pawcam-viewer';
const DB_VERSION = 1;
const STORE = 'pair-keys';

/** How long opening may take before keys are kept in memory instead (a hung open must not stall the viewer). */
const OPEN_TIMEOUT_MS = 5_000;

/** Open the key rows; `onVolatile` hears when they will not survive a reload. */
export async function openKeyRows(onVolatile: (message: string) => void): Promise<KeyRows> {
  let factory: IDBFactory | undefined;
  try {
    factory = typeof indexedDB === 'undefined' ? undefined : indexedDB;
  } catch (error) {
    // Reading `indexedDB` throws where the browser blocks site data.
    log.warn('IndexedDB is blocked', { error: String(error) });
  }
  if (factory) {
    try {
      return idbRows(await withTimeout(openDb(factory), OPEN_TIMEOUT_MS));
    } catch (error) {
      log.warn('IndexedDB unavailable', { error: String(error) });
    }
  }
  onVolatile('This browser does not keep data for this site, so cameras paired now are forgotten when this tab closes.');
  return memoryKeyRows();
}

function idbRows(db: IDBDatabase): KeyRows {
  // Another tab upgrading the database must not be blocked by this one.
  db.onversionchange = () => db.close();
  return {
    persistent: true,
    async get(cameraId) {
      const row: unknown = await run(db, 'readonly', (store) => store.get(cameraId));
      if (typeof row !== 'object' || row === null) return null;
      const { cameraId: id, key } = row as Record<string, unknown>;
      if (!parseWith(PeerIdSchema, id).ok || id !== cameraId) return null;
      return typeof CryptoKey !== 'undefined' && key instanceof CryptoKey ? key : null;
    },
    async put(cameraId, key) {
      await run(db, 'readwrite', (store) => store.put({ cameraId, key }));
    },
    async remove(cameraId) {
      await run(db, 'readwrite', (store) => store.delete(cameraId));
    },
  };
}

async function openDb(factory: IDBFactory): Promise<IDBDatabase> {
  await safari14Warmup(factory);
  return new Promise((resolve, reject) => {
    const request = factory.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'cameraId' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
    request.onblocked = () => log.warn('IndexedDB open is blocked by another tab');
  });
}

/**
 * Safari 14.1–14.7 can leave the first `indexedDB.open()` after a page load pending forever (WebKit bug 226547);
 * calling `indexedDB.databases()` until one call settles wakes it up. Elsewhere the first call settles at once.
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

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = op(tx.objectStore(STORE));
    // Resolve on commit: a write is durable only once its transaction completes.
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error ?? request.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const timeout = delay(ms).then(() => Promise.reject(new Error(`IndexedDB did not open within ${ms} ms`)));
  return Promise.race([promise, timeout]);
}
