import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importMacKey, macOf } from '../../protocol/crypto.ts';
import { PAIR_KEYS_FILE, WEAK_PROTECTION_NOTICE, setupPairKeys, type KeyCipher } from './pair-keys.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-pairkeys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CAM_A = 'cam-0123456789abcdef0123456789abcdef';
const CAM_B = 'cam-ffffffffffffffffffffffffffffffff';

/** A reversible stand-in for safeStorage: a prefix and a XOR, so ciphertext never equals its plaintext. */
function fakeCipher(options: { available?: boolean; backend?: ReturnType<NonNullable<KeyCipher['getSelectedStorageBackend']>>; reEncrypt?: boolean } = {}) {
  const state = { available: options.available ?? true, locked: false, reEncrypt: options.reEncrypt ?? false, encrypted: 0 };
  const mask = (bytes: Uint8Array): Buffer => Buffer.from(bytes.map((b, i) => b ^ (0x5a + i) % 256));
  const cipher: KeyCipher = {
    isAsyncEncryptionAvailable: async () => state.available,
    encryptStringAsync: async (plain) => {
      if (!state.available) throw new Error('Encryption is not available.');
      state.encrypted++;
      return Buffer.concat([Buffer.from('v11'), mask(Buffer.from(plain, 'utf8'))]);
    },
    decryptStringAsync: async (encrypted) => {
      if (state.locked) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      if (encrypted.subarray(0, 3).toString() !== 'v11') throw new Error('not ours');
      return { result: mask(encrypted.subarray(3)).toString('utf8'), shouldReEncrypt: state.reEncrypt };
    },
    ...(options.backend ? { getSelectedStorageBackend: () => options.backend! } : {}),
  };
  return { cipher, state };
}

function keyOf(seed: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) % 256);
}

async function open(cipher: KeyCipher, platform: NodeJS.Platform = 'linux') {
  const notices: { title: string; body: string }[] = [];
  const store = await setupPairKeys({ userDataDir: dir, safeStorage: cipher, platform, notify: (n) => notices.push(n), now: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
  return { store, notices };
}

describe('pair keys at rest', () => {
  it('stores keys encrypted, loads them back after a restart, and the file never holds the raw key', async () => {
    const { cipher } = fakeCipher({ backend: 'gnome_libsecret' });
    const a = keyOf(1);
    const b = keyOf(2);
    const first = await open(cipher);
    await first.store.save(CAM_A, a);
    await first.store.save(CAM_B, b);

    const text = await readFile(join(dir, PAIR_KEYS_FILE), 'utf8');
    const raw = await readFile(join(dir, PAIR_KEYS_FILE));
    for (const key of [a, b]) {
      expect(raw.includes(Buffer.from(key))).toBe(false);
      expect(text).not.toContain(Buffer.from(key).toString('base64'));
      expect(text).not.toContain(Buffer.from(key).toString('hex'));
      expect(text).not.toContain(Buffer.from(key).toString('base64url'));
    }
    expect(Object.keys(JSON.parse(text))).toEqual([CAM_A, CAM_B]);

    const second = await open(cipher);
    expect(await second.store.load(CAM_A)).toEqual(a);
    expect(await second.store.load(CAM_B)).toEqual(b);
    expect(await second.store.load('cam-00000000000000000000000000000000')).toBeNull();
    expect(second.notices).toEqual([]);
  });

  it('hands out an exact 32-byte copy (no pooled buffer behind it)', async () => {
    const { cipher } = fakeCipher();
    const { store } = await open(cipher);
    await store.save(CAM_A, keyOf(3));
    const key = (await store.load(CAM_A))!;
    expect(key).toBeInstanceOf(Uint8Array);
    expect(key.buffer.byteLength).toBe(32);
  });

  it('writes atomically and leaves only the file behind, readable only by the user', async () => {
    const { cipher } = fakeCipher();
    const { store } = await open(cipher);
    await Promise.all([store.save(CAM_A, keyOf(1)), store.save(CAM_B, keyOf(2)), store.delete(CAM_A)]);
    expect(await readdir(dir)).toEqual([PAIR_KEYS_FILE]);
    expect(Object.keys(JSON.parse(await readFile(join(dir, PAIR_KEYS_FILE), 'utf8')))).toEqual([CAM_B]);
    if (process.platform !== 'win32') {
      const { stat } = await import('node:fs/promises');
      expect((await stat(join(dir, PAIR_KEYS_FILE))).mode & 0o077).toBe(0);
    }
  });

  it('refuses to store a key when the OS offers no encryption, and writes nothing', async () => {
    const { cipher } = fakeCipher({ available: false });
    const { store } = await open(cipher);
    await expect(store.save(CAM_A, keyOf(1))).rejects.toMatchObject({ code: 'pairing-failed', message: expect.stringMatching(/never stores keys unprotected.*keyring/) });
    expect(await readdir(dir)).toEqual([]);
    expect(await store.load(CAM_A)).toBeNull();
  });

  it('stores with a one-time warning when Linux has no keyring (basic_text)', async () => {
    const { cipher } = fakeCipher({ backend: 'basic_text' });
    const { store, notices } = await open(cipher);
    await store.save(CAM_A, keyOf(1));
    await store.save(CAM_B, keyOf(2));
    expect(notices).toEqual([WEAK_PROTECTION_NOTICE]);
    expect(await store.load(CAM_B)).toEqual(keyOf(2));
  });

  it('does not warn on other platforms or with a keyring', async () => {
    for (const [platform, backend] of [['linux', 'kwallet6'], ['darwin', 'basic_text'], ['win32', undefined]] as const) {
      const { cipher } = fakeCipher({ backend });
      const { store, notices } = await open(cipher, platform);
      await store.save(CAM_A, keyOf(1));
      expect(notices, platform).toEqual([]);
    }
  });

  it('forgets keys', async () => {
    const { cipher } = fakeCipher();
    const { store } = await open(cipher);
    await store.save(CAM_A, keyOf(1));
    await store.save(CAM_B, keyOf(2));
    await store.deleteMany([CAM_A, 'cam-not-stored']);
    await store.delete('cam-never-stored');
    expect(store.cameraIds()).toEqual([CAM_B]);
    const reopened = await open(cipher);
    expect(await reopened.store.load(CAM_A)).toBeNull();
    expect(await reopened.store.load(CAM_B)).toEqual(keyOf(2));
  });

  it('MACs with a stored key in main (the bytes stay here), follows replacement and forgetting, and caches the key', async () => {
    const { cipher, state } = fakeCipher();
    const { store } = await open(cipher);
    const data = new TextEncoder().encode('offer transcript');
    const expected = async (key: Uint8Array) => macOf(await importMacKey(Uint8Array.from(key) as Uint8Array<ArrayBuffer>), data);
    expect(await store.mac(CAM_A, data)).toBeNull();
    await store.save(CAM_A, keyOf(1));
    expect(await store.mac(CAM_A, data)).toBe(await expected(keyOf(1)));
    state.locked = true;
    // Cached: no keychain call per MAC.
    expect(await store.mac(CAM_A, data)).toBe(await expected(keyOf(1)));
    state.locked = false;
    await store.save(CAM_A, keyOf(2));
    expect(await store.mac(CAM_A, data)).toBe(await expected(keyOf(2)));
    await store.delete(CAM_A);
    expect(await store.mac(CAM_A, data)).toBeNull();
    await store.save(CAM_B, keyOf(3));
    state.locked = true;
    const reopened = await open(cipher);
    await expect(reopened.store.mac(CAM_B, data)).rejects.toMatchObject({ code: 'pairing-failed' });
    state.locked = false;
    expect(await reopened.store.mac(CAM_B, data)).toBe(await expected(keyOf(3)));
  });

  it('a key it cannot decrypt (locked keyring) is a clear error and the file is left alone', async () => {
    const { cipher, state } = fakeCipher();
    const { store } = await open(cipher);
    await store.save(CAM_A, keyOf(1));
    const before = await readFile(join(dir, PAIR_KEYS_FILE), 'utf8');
    state.locked = true;
    await expect(store.load(CAM_A)).rejects.toMatchObject({ code: 'pairing-failed', message: expect.stringMatching(/keyring/) });
    expect(await readFile(join(dir, PAIR_KEYS_FILE), 'utf8')).toBe(before);
    state.locked = false;
    expect(await store.load(CAM_A)).toEqual(keyOf(1));
  });

  it('a decrypted value that is not a 32-byte key is refused', async () => {
    const { cipher } = fakeCipher();
    const bogus = await cipher.encryptStringAsync(Buffer.alloc(16, 1).toString('base64'));
    await writeFile(join(dir, PAIR_KEYS_FILE), JSON.stringify({ [CAM_A]: bogus.toString('base64') }));
    const { store } = await open(cipher);
    await expect(store.load(CAM_A)).rejects.toMatchObject({ code: 'pairing-failed' });
  });

  it('re-encrypts a key when the OS rotated its key', async () => {
    const { cipher, state } = fakeCipher();
    const { store } = await open(cipher);
    await store.save(CAM_A, keyOf(1));
    state.reEncrypt = true;
    const before = state.encrypted;
    expect(await store.load(CAM_A)).toEqual(keyOf(1));
    // load queued the re-encryption before it returned; flush waits for it.
    await store.flush();
    expect(state.encrypted).toBe(before + 1);
  });

  it.each([
    ['not JSON', '{"cam-1": "abc'],
    ['not an object', '["x"]'],
    ['a bad camera ID', JSON.stringify({ '../../etc': 'AAAA' })],
    ['a value that is not base64', JSON.stringify({ [CAM_A]: 'not base64!' })],
    ['a plaintext-looking key of the wrong type', JSON.stringify({ [CAM_A]: [1, 2, 3] })],
  ])('a damaged file (%s) is kept as a backup; the app starts without pairings and says so', async (_label, text) => {
    await writeFile(join(dir, PAIR_KEYS_FILE), text);
    const { cipher } = fakeCipher();
    const { store, notices } = await open(cipher);
    expect(store.cameraIds()).toEqual([]);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toMatch(/damaged.*pair your cameras again/);
    const backup = 'pair-keys.corrupt-2025-01-02T03-04-05-000Z.json';
    expect(await readdir(dir)).toEqual([backup]);
    expect(await readFile(join(dir, backup), 'utf8')).toBe(text);
    await store.save(CAM_A, keyOf(1));
    expect((await open(cipher)).notices).toEqual([]);
  });

  it('an unreadable file is never overwritten: pairings are unavailable and the user is told', async () => {
    // A directory in the file's place fails to read for every user, root included (EISDIR).
    const file = join(dir, PAIR_KEYS_FILE);
    await mkdir(file);
    await writeFile(join(file, 'keep'), 'x');
    const { cipher } = fakeCipher();
    const { store, notices } = await open(cipher);
    expect(notices[0]!.title).toMatch(/cannot read/);
    await expect(store.save(CAM_A, keyOf(1))).rejects.toMatchObject({ code: 'pairing-failed' });
    await expect(store.load(CAM_A)).rejects.toMatchObject({ code: 'pairing-failed' });
    expect(await readdir(file)).toEqual(['keep']);
  });

  it('refuses a key of the wrong size', async () => {
    const { cipher } = fakeCipher();
    const { store } = await open(cipher);
    await expect(store.save(CAM_A, new Uint8Array(31))).rejects.toMatchObject({ code: 'pairing-failed' });
  });
});
