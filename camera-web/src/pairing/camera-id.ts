/** The camera's identity on this phone: a stable ID, the token that reclaims it at the server, and a display name. */
import { isCameraId, newCameraId, newRegistrationToken } from '../../../protocol/ids.ts';
import { createLogger } from '../../../protocol/log.ts';
import { NameSchema, parseWith } from '../../../protocol/schema.ts';

const log = createLogger('camera-id');

/** The part of `Storage` we use (localStorage in the page, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Who this camera is. */
export interface CameraIdentity {
  /** Peer ID registered at the server (`cam-` + 128 random bits). */
  id: string;
  /** Secret kept with the ID so the server lets this phone (and only it) reclaim the ID after reconnects. */
  token: string;
  /** Name shown to viewers. */
  name: string;
}

/** Storage keys (versioned so a later format can migrate). */
export const STORAGE_KEYS = { id: 'pawcam.camera.v1.id', token: 'pawcam.camera.v1.token', name: 'pawcam.camera.v1.name' } as const;

const TOKEN = /^[0-9a-f]{32}$/;
const MAX_NAME_UNITS = 60;

/** Load the identity from `store`, creating and saving it on first use. Values that fail validation are replaced. */
export function loadCameraIdentity(store: KeyValueStore): CameraIdentity {
  let id = read(store, STORAGE_KEYS.id);
  let token = read(store, STORAGE_KEYS.token);
  // Storage is another app's playground on a shared origin; a half-written or edited pair is replaced as a whole,
  // since an ID without its token could never be reclaimed.
  if (id === null || !isCameraId(id) || token === null || !TOKEN.test(token)) {
    if (id !== null || token !== null) log.warn('stored camera ID or token is invalid; creating a new identity');
    id = newCameraId();
    token = newRegistrationToken();
    write(store, STORAGE_KEYS.id, id);
    write(store, STORAGE_KEYS.token, token);
  }
  const storedName = read(store, STORAGE_KEYS.name);
  let name = storedName === null ? null : normalizeCameraName(storedName);
  if (name === null) {
    name = defaultCameraName(id);
    write(store, STORAGE_KEYS.name, name);
  }
  return { id, token, name };
}

/** Save a new display name; returns the name as stored, or null if `input` has nothing usable. */
export function saveCameraName(store: KeyValueStore, input: string): string | null {
  const name = normalizeCameraName(input);
  if (name !== null) write(store, STORAGE_KEYS.name, name);
  return name;
}

/** Trim, drop control characters and cut to the wire's limit; null when nothing is left. */
export function normalizeCameraName(input: string): string | null {
  const cleaned = input.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  let name = '';
  // The wire limit counts UTF-16 units; cut at a whole character so no half surrogate pair is left.
  for (const char of cleaned) {
    if (name.length + char.length > MAX_NAME_UNITS) break;
    name += char;
  }
  name = name.trim();
  return parseWith(NameSchema, name).ok ? name : null;
}

/** The name a new camera starts with: recognisable among several cameras by a few characters of its ID. */
export function defaultCameraName(id: string): string {
  return `Pet camera ${id.slice(4, 8)}`;
}

/**
 * localStorage, or an in-memory store when the browser refuses it (storage disabled, some private modes throw on
 * access); `persistent` says which, so the page can warn that the ID will change on reload.
 */
export function browserStore(): { store: KeyValueStore; persistent: boolean } {
  try {
    const storage = window.localStorage;
    const probe = 'pawcam.probe';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return { store: storage, persistent: true };
  } catch (error) {
    log.warn('localStorage unavailable; the camera ID will not survive a reload', { error: String(error) });
    const map = new Map<string, string>();
    return { store: { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) }, persistent: false };
  }
}

function read(store: KeyValueStore, key: string): string | null {
  try {
    return store.getItem(key);
  } catch (error) {
    log.warn('could not read storage', { key, error: String(error) });
    return null;
  }
}

function write(store: KeyValueStore, key: string, value: string): void {
  try {
    store.setItem(key, value);
  } catch (error) {
    log.warn('could not write storage', { key, error: String(error) });
  }
}
