/**
 * Where the viewer keeps each camera's pair key. Script on the page only ever holds a key as a non-extractable
 * HMAC CryptoKey: raw bytes from a pairing (or from main's safeStorage) are imported once and wiped at once.
 * Web shell: the CryptoKey itself lives in IndexedDB. Desktop shell: main keeps the bytes encrypted at rest.
 */
import * as v from 'valibot';
import { pairMacKey } from '../../../../protocol/auth.ts';
import { PawcamError } from '../../../../protocol/errors.ts';
import type { PawcamApi, ViewerConfig } from '../../../../protocol/ipc.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { parseWith } from '../../../../protocol/schema.ts';

const log = createLogger('pair-key-store');

/** A camera's pair key: saved after pairing, loaded to sign and check, deleted on Forget. */
export interface PairKeyStore {
  /** Keep `raw` as the key of `cameraId` (replacing any older one). `raw` is wiped before this resolves. */
  save(cameraId: string, raw: Uint8Array<ArrayBuffer>): Promise<void>;
  /** The key of `cameraId`, or null when this viewer is not paired with it. */
  load(cameraId: string): Promise<CryptoKey | null>;
  delete(cameraId: string): Promise<void>;
}

/** Rows of CryptoKeys (IndexedDB in the page, memory in tests or when the browser keeps no data). */
export interface KeyRows {
  /** Whether the rows survive a reload. */
  readonly persistent: boolean;
  get(cameraId: string): Promise<CryptoKey | null>;
  put(cameraId: string, key: CryptoKey): Promise<void>;
  remove(cameraId: string): Promise<void>;
}

/** Rows that last until the page closes. */
export function memoryKeyRows(): KeyRows {
  const rows = new Map<string, CryptoKey>();
  return {
    persistent: false,
    get: async (id) => rows.get(id) ?? null,
    put: async (id, key) => void rows.set(id, key),
    remove: async (id) => void rows.delete(id),
  };
}

/** A pair key as it crosses IPC: exactly 32 bytes. */
const RawKeySchema = v.pipe(v.instance(Uint8Array), v.length(32));

/** Web shell: non-extractable CryptoKeys stored as they are (IndexedDB can hold CryptoKey objects). */
export class WebPairKeyStore implements PairKeyStore {
  readonly #rows: Promise<KeyRows>;
  /** Presence signs a ping every few seconds: keys found once are kept in memory. */
  readonly #cache = new Map<string, CryptoKey>();

  /** `rows` may still be opening. */
  constructor(rows: KeyRows | Promise<KeyRows>) {
    this.#rows = Promise.resolve(rows);
  }

  async save(cameraId: string, raw: Uint8Array<ArrayBuffer>): Promise<void> {
    let key: CryptoKey;
    try {
      key = await pairMacKey(raw);
    } finally {
      raw.fill(0);
    }
    this.#cache.delete(cameraId);
    await (await this.#rows).put(cameraId, key);
    this.#cache.set(cameraId, key);
  }

  /** Whether keys survive a reload (false when the browser keeps no data for this site). */
  async persistent(): Promise<boolean> {
    return (await this.#rows).persistent;
  }

  async load(cameraId: string): Promise<CryptoKey | null> {
    const cached = this.#cache.get(cameraId);
    if (cached) return cached;
    const key = await (await this.#rows).get(cameraId);
    // Storage is shared with anything else on this origin: a row is used only if it is the kind of key we store.
    if (key === null) return null;
    if (typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey) || key.type !== 'secret' || key.algorithm.name !== 'HMAC') {
      log.warn('ignored a stored pair key of the wrong kind', { cameraId });
      return null;
    }
    this.#cache.set(cameraId, key);
    return key;
  }

  async delete(cameraId: string): Promise<void> {
    this.#cache.delete(cameraId);
    await (await this.#rows).remove(cameraId);
  }
}

/** Desktop shell: main keeps the bytes (encrypted with safeStorage); the page caches the imported CryptoKey. */
export class DesktopPairKeyStore implements PairKeyStore {
  readonly #api: Pick<PawcamApi, 'savePairKey' | 'loadPairKey' | 'deletePairKey'>;
  /** Imported keys by camera, as promises so concurrent loads make one IPC call. */
  readonly #cache = new Map<string, Promise<CryptoKey | null>>();

  constructor(api: Pick<PawcamApi, 'savePairKey' | 'loadPairKey' | 'deletePairKey'>) {
    this.#api = api;
  }

  async save(cameraId: string, raw: Uint8Array<ArrayBuffer>): Promise<void> {
    try {
      // IPC copies the bytes to main; our copy is wiped below either way.
      await this.#api.savePairKey(cameraId, raw);
      const key = await pairMacKey(raw);
      this.#cache.set(cameraId, Promise.resolve(key));
    } finally {
      raw.fill(0);
    }
  }

  load(cameraId: string): Promise<CryptoKey | null> {
    const cached = this.#cache.get(cameraId);
    if (cached) return cached;
    const loading = this.#fetch(cameraId);
    this.#cache.set(cameraId, loading);
    // A failed load is not remembered: the next ping or watch asks main again.
    loading.catch(() => {
      if (this.#cache.get(cameraId) === loading) this.#cache.delete(cameraId);
    });
    return loading;
  }

  async delete(cameraId: string): Promise<void> {
    this.#cache.delete(cameraId);
    await this.#api.deletePairKey(cameraId);
  }

  async #fetch(cameraId: string): Promise<CryptoKey | null> {
    const stored: unknown = await this.#api.loadPairKey(cameraId);
    if (stored === null) return null;
    // The bytes cross IPC: checked like any other untrusted input.
    const parsed = parseWith(RawKeySchema, stored);
    if (!parsed.ok) {
      if (stored instanceof Uint8Array) stored.fill(0);
      throw new PawcamError('malformed-message', `the app returned a malformed pair key (${parsed.error})`);
    }
    const raw = new Uint8Array(parsed.value);
    parsed.value.fill(0);
    try {
      return await pairMacKey(raw);
    } finally {
      raw.fill(0);
    }
  }
}

/** The key store of this shell. */
export function createPairKeyStore(
  config: Pick<ViewerConfig, 'shell'>,
  api: Pick<PawcamApi, 'savePairKey' | 'loadPairKey' | 'deletePairKey'>,
  webRows: () => Promise<KeyRows>,
): PairKeyStore {
  return config.shell === 'desktop' ? new DesktopPairKeyStore(api) : new WebPairKeyStore(webRows());
}
