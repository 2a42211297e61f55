/** The web viewer's pair keys in IndexedDB (CryptoKey objects are stored as they are), falling back to memory. */
import { createLogger } from '../../../../protocol/log.ts';
import { openObjectStore, type ObjectStore } from '../../../../protocol/object-store.ts';
import { PeerIdSchema, parseWith } from '../../../../protocol/schema.ts';
import { memoryKeyRows, type KeyRows } from './pair-key-store.ts';
import { STORAGE_MESSAGES } from '../messages.ts';

const log = createLogger('idb-key-rows');

const SPEC = { dbName: 'pawcam-viewer', version: 1, store: 'pair-keys', keyPath: 'cameraId' };

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
      return idbRows(await openObjectStore(factory, SPEC, OPEN_TIMEOUT_MS));
    } catch (error) {
      log.warn('IndexedDB unavailable', { error: String(error) });
    }
  }
  onVolatile(STORAGE_MESSAGES.keysVolatile);
  return memoryKeyRows();
}

function idbRows(store: ObjectStore): KeyRows {
  return {
    persistent: true,
    async get(cameraId) {
      const row = await store.get(cameraId);
      if (typeof row !== 'object' || row === null) return null;
      const { cameraId: id, key } = row as Record<string, unknown>;
      if (!parseWith(PeerIdSchema, id).ok || id !== cameraId) return null;
      return typeof CryptoKey !== 'undefined' && key instanceof CryptoKey ? key : null;
    },
    put: (cameraId, key) => store.put({ cameraId, key }),
    remove: (cameraId) => store.delete(cameraId),
  };
}
