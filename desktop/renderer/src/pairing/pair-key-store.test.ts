import { beforeAll, describe, expect, it } from 'vitest';
import { pairMacKey, signPing, verifyPing } from '../../../../protocol/auth.ts';
import { macOf, randomBytes } from '../../../../protocol/crypto.ts';
import { configureLogging } from '../../../../protocol/log.ts';
import { DesktopPairKeyStore, WebPairKeyStore, createPairKeyStore, memoryKeyRows, type PairKeyStore } from './pair-key-store.ts';

const CAM = `cam-${'a'.repeat(32)}`;
const CTX = { viewerId: 'viewer-1', cameraId: CAM, nonce: '0123456789abcdef' };

/** Does `key` make the same MACs as a key imported from `raw`? */
async function sameKey(key: CryptoKey, raw: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const other = await pairMacKey(raw);
  return (await verifyPing(other, CTX, await signPing(key, CTX, 1000), 1000)) === null;
}

/** main's side of the pair-key IPC: bytes by camera (MACs computed here, as main does), counting calls. */
function fakeMain() {
  const stored = new Map<string, Uint8Array>();
  const calls = { save: 0, mac: 0, delete: 0 };
  const api = {
    stored,
    calls,
    macResult: undefined as unknown,
    savePairKey: async (id: string, raw: Uint8Array) => {
      calls.save++;
      stored.set(id, new Uint8Array(raw));
      return null;
    },
    macWithPairKey: async (id: string, data: Uint8Array): Promise<string | null> => {
      calls.mac++;
      if (api.macResult !== undefined) return api.macResult as string;
      const raw = stored.get(id);
      return raw ? macOf(await pairMacKey(new Uint8Array(raw)), Uint8Array.from(data)) : null;
    },
    deletePairKey: async (id: string) => {
      calls.delete++;
      stored.delete(id);
      return null;
    },
  };
  return api;
}

async function roundTrip(store: PairKeyStore): Promise<void> {
  const raw = randomBytes(32);
  const copy = new Uint8Array(raw);
  expect(await store.load(CAM)).toBeNull();
  await store.save(CAM, raw);
  // The caller's bytes are wiped once saved.
  expect(raw.every((b) => b === 0)).toBe(true);
  const key = await store.load(CAM);
  expect(key).not.toBeNull();
  expect(key!.extractable).toBe(false);
  expect(key!.algorithm.name).toBe('HMAC');
  expect(await sameKey(key!, copy)).toBe(true);
  await store.delete(CAM);
  expect(await store.load(CAM)).toBeNull();
}

describe('WebPairKeyStore', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));

  it('stores a non-extractable HMAC key and wipes the raw bytes', async () => {
    await roundTrip(new WebPairKeyStore(memoryKeyRows()));
  });

  it('replaces the key of a camera that pairs again', async () => {
    const store = new WebPairKeyStore(memoryKeyRows());
    await store.save(CAM, randomBytes(32));
    const second = randomBytes(32);
    const copy = new Uint8Array(second);
    await store.save(CAM, second);
    expect(await sameKey((await store.load(CAM))!, copy)).toBe(true);
  });

  it('ignores a stored row that is not an HMAC key (storage is shared with the whole origin)', async () => {
    const rows = memoryKeyRows();
    const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']);
    await rows.put(CAM, aes);
    expect(await new WebPairKeyStore(rows).load(CAM)).toBeNull();
  });
});

describe('DesktopPairKeyStore', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));

  it('hands the bytes to main once; the page holds a handle whose MACs main computes', async () => {
    const main = fakeMain();
    await roundTrip(new DesktopPairKeyStore(main));
    expect(main.calls.save).toBe(1);
    expect(main.calls.delete).toBe(1);
  });

  it('asks main once per camera whether it is paired, then signs and checks through main', async () => {
    const main = fakeMain();
    const raw = randomBytes(32);
    main.stored.set(CAM, new Uint8Array(raw));
    const store = new DesktopPairKeyStore(main);
    const [a, b] = await Promise.all([store.load(CAM), store.load(CAM)]);
    expect(a).toBe(b);
    expect(await store.load(CAM)).toBe(a);
    expect(main.calls.mac).toBe(1);
    expect(await sameKey(a!, raw)).toBe(true);
    expect(main.calls.mac).toBe(2);
    // Nothing on the handle is key material.
    expect(JSON.stringify(a)).not.toMatch(/[A-Za-z0-9_-]{43}/);
  });

  it('refuses a malformed MAC from main and asks again next time', async () => {
    const main = fakeMain();
    main.macResult = 'short';
    const store = new DesktopPairKeyStore(main);
    await expect(store.load(CAM)).rejects.toMatchObject({ code: 'malformed-message' });
    main.macResult = new Uint8Array(32);
    await expect(store.load(CAM)).rejects.toMatchObject({ code: 'malformed-message' });
    main.macResult = undefined;
    expect(await store.load(CAM)).toBeNull();
    expect(main.calls.mac).toBe(3);
  });

  it('a handle whose camera main has forgotten fails to sign (not-paired)', async () => {
    const main = fakeMain();
    main.stored.set(CAM, randomBytes(32));
    const key = (await new DesktopPairKeyStore(main).load(CAM))!;
    main.stored.delete(CAM);
    await expect(signPing(key, CTX, 1000)).rejects.toMatchObject({ code: 'not-paired' });
  });

  it('wipes the caller\'s bytes even when main refuses to save', async () => {
    const main = fakeMain();
    main.savePairKey = async () => {
      throw new Error('safeStorage unavailable');
    };
    const raw = randomBytes(32);
    await expect(new DesktopPairKeyStore(main).save(CAM, raw)).rejects.toThrow(/safeStorage/);
    expect(raw.every((b) => b === 0)).toBe(true);
  });
});

describe('createPairKeyStore', () => {
  it('uses main on the desktop and IndexedDB rows on the web', () => {
    const main = fakeMain();
    let opened = 0;
    const rows = async () => {
      opened++;
      return memoryKeyRows();
    };
    expect(createPairKeyStore({ shell: 'desktop' }, main, rows)).toBeInstanceOf(DesktopPairKeyStore);
    expect(opened).toBe(0);
    expect(createPairKeyStore({ shell: 'web' }, main, rows)).toBeInstanceOf(WebPairKeyStore);
    expect(opened).toBe(1);
  });
});
