/** Picks the PawcamApi: Electron's preload when it is there, else the browser implementation. */
import type { PawcamApi } from '../../../../protocol/ipc.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { createWebApi, type StorageLike } from './web-api.ts';
import { STORAGE_MESSAGES } from '../messages.ts';

const log = createLogger('api');

/** Messages for the user from the shell (e.g. storage was reset), shown as notices. */
export type NoticeListener = (message: string) => void;

/** The API of this shell; `onNotice` receives what the web shell needs to tell the user. */
export function pickApi(onNotice: NoticeListener): PawcamApi {
  if (window.pawcam) return window.pawcam;
  return createWebApi({ storage: localStorageOrMemory(onNotice), onNotice });
}

function localStorageOrMemory(onNotice: NoticeListener): StorageLike {
  try {
    // Reading `localStorage` throws when the browser blocks site data.
    const storage = window.localStorage;
    storage.getItem('pawcam.viewer.id');
    return storage;
  } catch (error) {
    log.warn('local storage unavailable', { error: String(error) });
    onNotice(STORAGE_MESSAGES.listVolatile);
    const memory = new Map<string, string>();
    return {
      getItem: (key) => memory.get(key) ?? null,
      setItem: (key, value) => void memory.set(key, value),
      removeItem: (key) => void memory.delete(key),
    };
  }
}
