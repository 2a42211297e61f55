/** Paired viewers in IndexedDB: a tiny promise wrapper over one object store, falling back to memory. */
import { createLogger } from '../../protocol/log.ts';
import { NameSchema, PeerIdSchema, parseWith } from '../../protocol/schema.ts';
import { memoryViewerStore, type PairedViewer, type ViewerStore } from './paired-viewers.ts';

const log = createLogger('idb-viewer-store');

const DB_NAME = 'pawcam-camera';
const DB_VERSION = 1;
const STORE = 'viewers';

/** How long opening may take before the page pairs in memory instead (a hung open must not stall the camera). */
const OPEN_TIMEOUT_MS = 5_000;

/** The browser's IndexedDB, or undefined (reading `window.indexedDB` throws where storage is blocked). */
export function browserIndexedDb(): IDBFactory | undefined {
  try {
    return typeof indexedDB === 'undefined' ? undefined : indexedDB;
  } catch (error) {
    log.warn('IndexedDB is blocked', { error: String(error) });
    return undefined;
  }
}

/** Open the IndexedDB store, or a memory store (`persistent: false`) when the browser has none or refuses it. */
export async function openViewerStore(factory: IDBFactory | undefined, timeoutMs = OPEN_TIMEOUT_MS): Promise<ViewerStore> {
  if (!factory) {
    log.warn('no IndexedDB; paired viewers are kept only until reload');
    return memoryViewerStore();
  }
  try {
    const db = await withTimeout(openDb(factory), timeoutMs);
    return idbStore(db);
  } catch (error) {
    // Firefox private windows (before 115) and disabled storage throw or fail here.
    log.warn('IndexedDB unavailable; paired viewers are kept only until reload', { error: String(error) });
    return memoryViewerStore();
  }
}

function idbStore(db: IDBDatabase): ViewerStore {
  // Another tab upgrading the database must not be blocked by this one.
  db.onversionchange = () => db.close();
  return {
    persistent: true,
    async list() {
      const rows = await run(db, 'readonly', (store) => store.getAll());
      return rows.flatMap((row) => {
        const viewer = checkRow(row);
        if (!viewer) log.warn('skipped a malformed stored viewer');
        return viewer ? [viewer] : [];
      });
    },
    async put(viewer) {
      await run(db, 'readwrite', (store) => store.put(viewer));
    },
    async remove(viewerId) {
      await run(db, 'readwrite', (store) => store.delete(viewerId));
    },
  };
}

/** Storage is shared with whatever else runs on this origin: rows are checked like any untrusted input. */
function checkRow(row: unknown): PairedViewer | null {
  if (typeof row !== 'object' || row === null) return null;
  const { viewerId, name, pairedAt, key } = row as Record<string, unknown>;
  if (!parseWith(PeerIdSchema, viewerId).ok || !parseWith(NameSchema, name).ok) return null;
  if (typeof pairedAt !== 'number' || !Number.isFinite(pairedAt)) return null;
  if (typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey) || key.type !== 'secret') return null;
  return { viewerId: viewerId as string, name: name as string, pairedAt, key };
}

async function openDb(factory: IDBFactory): Promise<IDBDatabase> {
  await safari14Warmup(factory);
  return new Promise((resolve, reject) => {
    const request = factory.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'viewerId' });
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

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = op(tx.objectStore(STORE));
    // Resolve on commit, not on the request's success: a write is only durable once the transaction completes.
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
