/**
 * Where the viewer keeps each camera's pair key. Script on the page never holds stored key bytes: raw bytes from a
 * pairing are handed over once and wiped at once. Web shell: a non-extractable CryptoKey in IndexedDB. Desktop
 * shell: main keeps the key (encrypted at rest) and computes the MACs; the page holds a handle.
 */
import * as v from 'valibot';
import { pairMacKey } from '../../../../protocol/auth.ts';
import { remoteMacKey, transcript } from '../../../../protocol/crypto.ts';
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

/** A MAC as it comes back over IPC: 32 bytes base64url, or null when main holds no key for the camera. */
const MacResultSchema = v.nullable(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)));
const PROBE = transcript('pawcam-key-probe-v1');

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

/**
 * Desktop shell: main keeps the key (encrypted at rest with safeStorage) and computes every MAC with it; the page
 * holds only a handle (protocol/crypto.ts remoteMacKey) that asks main over IPC. The bytes cross IPC once, from the
 * pairing to main, and never come back.
 */
export class DesktopPairKeyStore implements PairKeyStore {
  readonly #api: Pick<PawcamApi, 'savePairKey' | 'macWithPairKey' | 'deletePairKey'>;
  /** Handles by camera, as promises so concurrent loads make one IPC call. */
  readonly #cache = new Map<string, Promise<CryptoKey | null>>();

  constructor(api: Pick<PawcamApi, 'savePairKey' | 'macWithPairKey' | 'deletePairKey'>) {
    this.#api = api;
  }

  async save(cameraId: string, raw: Uint8Array<ArrayBuffer>): Promise<void> {
    try {
      // IPC copies the bytes to main; our copy is wiped below either way.
      await this.#api.savePairKey(cameraId, raw);
      this.#cache.set(cameraId, Promise.resolve(this.#handle(cameraId)));
    } finally {
      raw.fill(0);
    }
  }

  load(cameraId: string): Promise<CryptoKey | null> {
    const cached = this.#cache.get(cameraId);
    if (cached) return cached;
    const loading = this.#probe(cameraId);
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

  /** Whether main holds a key for the camera (a MAC of a fixed probe), as a handle. */
  async #probe(cameraId: string): Promise<CryptoKey | null> {
    const mac = await this.#mac(cameraId, PROBE);
    return mac === null ? null : this.#handle(cameraId);
  }

  #handle(cameraId: string): CryptoKey {
    return remoteMacKey(async (data) => {
      const mac = await this.#mac(cameraId, data);
      if (mac === null) throw new PawcamError('not-paired', 'this camera is no longer paired');
      return mac;
    });
  }

  async #mac(cameraId: string, data: Uint8Array<ArrayBuffer>): Promise<string | null> {
    const result: unknown = await this.#api.macWithPairKey(cameraId, data);
    // What crosses IPC is checked like any other untrusted input.
    const parsed = parseWith(MacResultSchema, result);
    if (!parsed.ok) throw new PawcamError('malformed-message', `the app returned a malformed MAC (${parsed.error})`);
    return parsed.value;
  }
}

/** The key store of this shell. */
export function createPairKeyStore(
  config: Pick<ViewerConfig, 'shell'>,
  api: Pick<PawcamApi, 'savePairKey' | 'macWithPairKey' | 'deletePairKey'>,
  webRows: () => Promise<KeyRows>,
): PairKeyStore {
  return config.shell === 'desktop' ? new DesktopPairKeyStore(api) : new WebPairKeyStore(webRows());
}
