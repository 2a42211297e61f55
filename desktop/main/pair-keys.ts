/**
 * Pair keys at rest: each camera's 32-byte pair key, encrypted with Electron `safeStorage` (the OS keychain, DPAPI,
 * or libsecret/KWallet), in `userData/pair-keys.json` as `{ cameraId: base64(ciphertext) }`. pawcam never writes a
 * key in plaintext: without OS encryption it refuses to store one. A damaged file is kept as
 * `pair-keys.corrupt-<ts>.json` and the app starts without pairings (and says so); a key that cannot be decrypted
 * (a locked keyring) is an error for that call, never a reason to touch the file.
 */
import { copyFile, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import * as v from 'valibot';
import { importMacKey, macOf } from '../../protocol/crypto.ts';
import { PawcamError } from '../../protocol/errors.ts';
import { createLogger } from '../../protocol/log.ts';
import { PeerIdSchema, parseJsonWith } from '../../protocol/schema.ts';
import { timestampForFile, writeFileAtomic } from './atomic-file.ts';

const log = createLogger('pair-keys');

/** The pair-key file's name inside the user-data folder. */
export const PAIR_KEYS_FILE = 'pair-keys.json';

/** Bytes in a pair key. */
export const PAIR_KEY_BYTES = 32;

/** Most keys the file may hold (the camera list holds at most 200 cameras). */
export const MAX_PAIR_KEYS = 400;

/** The file: camera ID → base64 of the safeStorage ciphertext. */
export const PairKeysFileSchema = v.pipe(
  v.record(PeerIdSchema, v.pipe(v.string(), v.minLength(1), v.maxLength(8192), v.base64())),
  v.check((record) => Object.keys(record).length <= MAX_PAIR_KEYS, `at most ${MAX_PAIR_KEYS} keys`),
);

/** The parts of Electron's `safeStorage` used here (the async API: the sync one is gone in Electron 46). */
export type KeyCipher = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

/** Collaborators of the store. */
export interface PairKeyDeps {
  userDataDir: string;
  safeStorage: KeyCipher;
  platform: NodeJS.Platform;
  /** Tell the user something once (damaged file, weak protection). */
  notify(message: { title: string; body: string }): void;
  now?: () => number;
}

const NO_ENCRYPTION =
  'pawcam cannot store the pairing: this system offers no encryption for app secrets, and pawcam never stores keys unprotected. On Linux, set up a keyring (GNOME Keyring or KWallet); if your desktop is not detected, start pawcam with --password-store=gnome-libsecret.';

const CANNOT_DECRYPT =
  "pawcam cannot unlock this camera's pairing key: the system keyring may be locked or was reset. Unlock it and try again, or forget the camera and pair it again.";

/** The warning shown once when Linux has no keyring and Chromium falls back to its built-in key. */
export const WEAK_PROTECTION_NOTICE = {
  title: 'Camera pairings are weakly protected',
  body: 'No system keyring (such as GNOME Keyring or KWallet) is available, so pawcam encrypts pairing keys with a weak built-in key. Anyone who can read your files could use them. Set up a keyring, then forget and pair your cameras again.',
};

/** Decode a pair key from the plaintext safeStorage gave back; null when it is not exactly 32 bytes of base64. */
function decodeKey(plain: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(plain)) return null;
  const bytes = Buffer.from(plain, 'base64');
  // A fresh, exact-size copy: a pooled Buffer's backing memory would otherwise travel with it over IPC.
  const key = bytes.length === PAIR_KEY_BYTES ? Uint8Array.from(bytes) : null;
  bytes.fill(0);
  return key;
}

/** The encrypted pair keys, loaded from and saved to `pair-keys.json` (one write at a time). */
export class PairKeyStore {
  readonly #deps: PairKeyDeps;
  readonly #file: string;
  #entries: Record<string, string>;
  #queue: Promise<void> = Promise.resolve();
  #warnedWeak = false;
  readonly #unusable: string | null;
  /** Decrypted keys as non-extractable CryptoKeys in main, so a MAC does not ask the OS keychain each time. */
  readonly #macKeys = new Map<string, Promise<CryptoKey | null>>();

  /** `unusable`: why the file could not be read at all; then every call fails instead of overwriting it. */
  constructor(deps: PairKeyDeps, entries: Record<string, string> = {}, unusable: string | null = null) {
    this.#deps = deps;
    this.#file = join(deps.userDataDir, PAIR_KEYS_FILE);
    this.#entries = { ...entries };
    this.#unusable = unusable;
  }

  /** The cameras that have a stored key. */
  cameraIds(): string[] {
    return Object.keys(this.#entries);
  }

  /** A camera's pair key, or null when none is stored. Throws a PawcamError when it cannot be decrypted. */
  async load(cameraId: string): Promise<Uint8Array<ArrayBuffer> | null> {
    this.#checkUsable();
    const stored = Object.hasOwn(this.#entries, cameraId) ? this.#entries[cameraId] : undefined;
    if (stored === undefined) return null;
    let plain: string;
    let shouldReEncrypt: boolean;
    try {
      ({ result: plain, shouldReEncrypt } = await this.#deps.safeStorage.decryptStringAsync(Buffer.from(stored, 'base64')));
    } catch (error) {
      log.warn('could not decrypt a pair key', { cameraId, error: String(error) });
      throw new PawcamError('pairing-failed', CANNOT_DECRYPT, { cause: error });
    }
    const key = decodeKey(plain);
    if (!key) {
      log.warn('a decrypted pair key is not 32 bytes of base64', { cameraId });
      throw new PawcamError('pairing-failed', CANNOT_DECRYPT);
    }
    if (shouldReEncrypt) {
      // The OS rotated its key: store this one again under the new key (best effort; the old one still works),
      // unless it was replaced or forgotten meanwhile.
      const copy = Uint8Array.from(key);
      this.#serial(async () => {
        if (this.#entries[cameraId] === stored) await this.#encryptAndCommit(cameraId, copy);
      }).catch((error: unknown) => log.warn('could not re-encrypt a pair key', { cameraId, error: String(error) }));
    }
    return key;
  }

  /**
   * HMAC-SHA-256 of `data` with a camera's pair key (base64url), or null when none is stored. This is how the
   * renderer signs and checks: the key stays in main (keys never leave main as bytes).
   */
  async mac(cameraId: string, data: Uint8Array): Promise<string | null> {
    let pending = this.#macKeys.get(cameraId);
    if (!pending) {
      pending = this.#importForMac(cameraId);
      this.#macKeys.set(cameraId, pending);
      // A failed decryption (a locked keyring) is not remembered: the next call tries again.
      pending.catch(() => {
        if (this.#macKeys.get(cameraId) === pending) this.#macKeys.delete(cameraId);
      });
    }
    const key = await pending;
    return key ? macOf(key, Uint8Array.from(data)) : null;
  }

  async #importForMac(cameraId: string): Promise<CryptoKey | null> {
    const raw = await this.load(cameraId);
    if (!raw) return null;
    try {
      return await importMacKey(raw);
    } finally {
      raw.fill(0);
    }
  }

  /** Encrypt and store a camera's pair key (replacing any old one). Refuses when the OS offers no encryption. */
  async save(cameraId: string, key: Uint8Array): Promise<void> {
    this.#checkUsable();
    if (key.byteLength !== PAIR_KEY_BYTES) throw new PawcamError('pairing-failed', 'A pair key must be 32 bytes.');
    const copy = Uint8Array.from(key);
    this.#macKeys.delete(cameraId);
    await this.#serial(() => this.#encryptAndCommit(cameraId, copy));
    this.#macKeys.delete(cameraId);
  }

  async #encryptAndCommit(cameraId: string, key: Uint8Array): Promise<void> {
    const cipher = this.#deps.safeStorage;
    let available = false;
    try {
      available = await cipher.isAsyncEncryptionAvailable();
    } catch (error) {
      log.warn('safeStorage availability check failed', { error: String(error) });
    }
    if (!available) throw new PawcamError('pairing-failed', NO_ENCRYPTION);
    this.#warnIfWeak();
    const plain = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
    key.fill(0);
    let encrypted: Buffer;
    try {
      encrypted = await cipher.encryptStringAsync(plain);
    } catch (error) {
      log.warn('could not encrypt a pair key', { cameraId, error: String(error) });
      throw new PawcamError('pairing-failed', NO_ENCRYPTION, { cause: error });
    }
    await this.#commit({ ...this.#entries, [cameraId]: encrypted.toString('base64') });
  }

  /** Forget a camera's pair key (nothing to do when none is stored). */
  async delete(cameraId: string): Promise<void> {
    await this.deleteMany([cameraId]);
  }

  /** Forget several cameras' keys in one write. */
  async deleteMany(cameraIds: readonly string[]): Promise<void> {
    this.#checkUsable();
    for (const id of cameraIds) this.#macKeys.delete(id);
    await this.#serial(async () => {
      const present = cameraIds.filter((id) => Object.hasOwn(this.#entries, id));
      if (present.length === 0) return;
      const next = { ...this.#entries };
      for (const id of present) delete next[id];
      await this.#commit(next);
    });
  }

  /** Wait for pending changes and writes (before quitting). */
  flush(): Promise<void> {
    return this.#queue;
  }

  // Changes apply one at a time in call order: a delete issued after a save (whose encryption is asynchronous)
  // must not run before it.
  #serial(change: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(change);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #checkUsable(): void {
    if (this.#unusable !== null) throw new PawcamError('pairing-failed', this.#unusable);
  }

  async #commit(next: Record<string, string>): Promise<void> {
    if (Object.keys(next).length > MAX_PAIR_KEYS) throw new PawcamError('pairing-failed', 'pawcam holds too many pairings. Forget a camera first.');
    try {
      await writeFileAtomic(this.#file, `${JSON.stringify(next, null, 2)}\n`);
    } catch (error) {
      log.error('could not save pair keys', { error: String(error) });
      throw new PawcamError('pairing-failed', 'pawcam could not save its pairings to disk. Details are in its log.', { cause: error });
    }
    this.#entries = next;
    // Keys imported before this change may be stale (replaced or forgotten): import again on the next MAC.
    this.#macKeys.clear();
  }

  // Linux without a keyring: Chromium encrypts with a hard-coded key (docs/SECURITY.md, "Not protected").
  #warnIfWeak(): void {
    if (this.#warnedWeak || this.#deps.platform !== 'linux') return;
    let backend: string | undefined;
    try {
      backend = this.#deps.safeStorage.getSelectedStorageBackend?.();
    } catch {
      backend = undefined;
    }
    if (backend !== 'basic_text') return;
    this.#warnedWeak = true;
    log.warn('safeStorage uses the basic_text backend: pair keys are weakly protected');
    this.#deps.notify(WEAK_PROTECTION_NOTICE);
  }
}

/** What reading the file found. */
export interface LoadedPairKeys {
  entries: Record<string, string>;
  /** Set when the file was damaged: where it was kept. */
  backupPath?: string;
}

/** Read and validate the pair-key file in `dir`; a damaged file is moved aside and an empty set returned. */
export async function loadPairKeyFile(dir: string, now: () => number = Date.now): Promise<LoadedPairKeys> {
  const file = join(dir, PAIR_KEYS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: {} };
    throw error;
  }
  const parsed = parseJsonWith(PairKeysFileSchema, text);
  if (parsed.ok) return { entries: parsed.value };
  const backupPath = join(dir, `pair-keys.corrupt-${timestampForFile(now())}.json`);
  try {
    await rename(file, backupPath);
  } catch {
    await copyFile(file, backupPath);
  }
  log.warn('pair-key file was damaged; kept a backup and started without pairings', { error: parsed.error, backupPath });
  return { entries: {}, backupPath };
}

/** Load the stored pair keys (telling the user when the file was damaged). */
export async function setupPairKeys(deps: PairKeyDeps): Promise<PairKeyStore> {
  let loaded: LoadedPairKeys;
  try {
    loaded = await loadPairKeyFile(deps.userDataDir, deps.now);
  } catch (error) {
    // Unreadable (permissions, I/O): leave the file alone rather than overwrite keys we could not read.
    log.error('could not read the pair-key file', { error: String(error) });
    const why = 'pawcam could not read the file holding your pairing keys, so pairings are unavailable until it is restarted. Details are in its log.';
    deps.notify({ title: 'pawcam cannot read its camera pairings', body: why });
    return new PairKeyStore(deps, {}, why);
  }
  if (loaded.backupPath) {
    deps.notify({
      title: 'pawcam lost its camera pairings',
      body: `The file holding your pairing keys was damaged, so pawcam started without them: pair your cameras again. The old file was kept as ${loaded.backupPath}.`,
    });
  }
  return new PairKeyStore(deps, loaded.entries);
}
