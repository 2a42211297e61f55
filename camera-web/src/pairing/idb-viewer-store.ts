/** Paired viewers in IndexedDB: a tiny promise wrapper over one object store, falling back to memory. */
import { createLogger } from '../../../protocol/log.ts';
import { openObjectStore, type ObjectStore } from '../../../protocol/object-store.ts';
import { NameSchema, PeerIdSchema, parseWith } from '../../../protocol/schema.ts';
import { memoryViewerStore, type PairedViewer, type ViewerStore } from './paired-viewers.ts';

const log = createLogger('idb-viewer-store');

const SPEC = { dbName: 'pawcam-camera', version: 1, store: 'viewers', keyPath: 'viewerId' };

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
    return idbStore(await openObjectStore(factory, SPEC, timeoutMs));
  } catch (error) {
    // Firefox private windows (before 115) and disabled storage throw or fail here.
    log.warn('IndexedDB unavailable; paired viewers are kept only until reload', { error: String(error) });
    return memoryViewerStore();
  }
}

function idbStore(store: ObjectStore): ViewerStore {
  return {
    persistent: true,
    async list() {
      const rows = await store.getAll();
      return rows.flatMap((row) => {
        const viewer = checkRow(row);
        if (!viewer) log.warn('skipped a malformed stored viewer');
        return viewer ? [viewer] : [];
      });
    },
    put: (viewer) => store.put(viewer),
    remove: (viewerId) => store.delete(viewerId),
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
