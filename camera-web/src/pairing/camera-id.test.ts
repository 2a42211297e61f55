import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { isCameraId } from '../../../protocol/ids.ts';
import { STORAGE_KEYS, loadCameraIdentity, normalizeCameraName, saveCameraName, type KeyValueStore } from './camera-id.ts';

beforeEach(() => configureLogging({ sink: () => undefined }));

function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('loadCameraIdentity', () => {
  it('creates a 128-bit camera ID, a token and a default name once, then returns the same identity', () => {
    const store = memoryStore();
    const first = loadCameraIdentity(store);
    expect(isCameraId(first.id)).toBe(true);
    expect(first.token).toMatch(/^[0-9a-f]{32}$/);
    expect(first.name).toBe(`Pet camera ${first.id.slice(4, 8)}`);
    expect(loadCameraIdentity(store)).toEqual(first);
    expect(store.data.get(STORAGE_KEYS.id)).toBe(first.id);
  });

  it('gives different phones different IDs and tokens', () => {
    const a = loadCameraIdentity(memoryStore());
    const b = loadCameraIdentity(memoryStore());
    expect(a.id).not.toBe(b.id);
    expect(a.token).not.toBe(b.token);
  });

  it('replaces a tampered ID together with its token', () => {
    const store = memoryStore({ [STORAGE_KEYS.id]: 'cam-<script>', [STORAGE_KEYS.token]: 'f'.repeat(32) });
    const identity = loadCameraIdentity(store);
    expect(isCameraId(identity.id)).toBe(true);
    expect(identity.token).not.toBe('f'.repeat(32));
  });

  it('replaces an ID whose token is missing', () => {
    const id = `cam-${'a'.repeat(32)}`;
    const identity = loadCameraIdentity(memoryStore({ [STORAGE_KEYS.id]: id }));
    expect(identity.id).not.toBe(id);
  });

  it('keeps working when storage throws', () => {
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(isCameraId(loadCameraIdentity(broken).id)).toBe(true);
  });

  it('falls back to the default name when the stored one is unusable', () => {
    const store = memoryStore({ [STORAGE_KEYS.name]: '\u0000\u0001  ' });
    expect(loadCameraIdentity(store).name).toMatch(/^Pet camera [0-9a-f]{4}$/);
  });
});

describe('camera names', () => {
  it('saves a cleaned name and reloads it', () => {
    const store = memoryStore();
    loadCameraIdentity(store);
    expect(saveCameraName(store, '  Living\nroom  ')).toBe('Living room');
    expect(loadCameraIdentity(store).name).toBe('Living room');
  });

  it('refuses an empty name and keeps the old one', () => {
    const store = memoryStore();
    const { name } = loadCameraIdentity(store);
    expect(saveCameraName(store, '   ')).toBeNull();
    expect(loadCameraIdentity(store).name).toBe(name);
  });

  it('cuts long names to the wire limit (60 UTF-16 units) without splitting characters', () => {
    const name = normalizeCameraName('🐶'.repeat(100));
    expect(name).toBe('🐶'.repeat(30));
    expect(normalizeCameraName(`a${'🐶'.repeat(40)}`)).toBe(`a${'🐶'.repeat(29)}`);
  });
});
