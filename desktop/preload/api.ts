/**
 * The `window.pawcam` API, generated from the IPC contract: one named function per `ipcContract` entry (invoking
 * its channel) and one subscribe function per `ipcEvents` entry. The page never sees `ipcRenderer`. Pure apart
 * from the injected `ipcRenderer`, so it is unit-tested without Electron.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { ipcContract, ipcEvents, type PawcamApi } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';
import { parseWith } from '../../protocol/schema.ts';
import { isIpcReply } from '../../protocol/ipc-reply.ts';

const log = createLogger('preload');

/** The part of ipcRenderer the API uses. */
export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

/**
 * Unwrap main's reply: the value, or a thrown Error with main's human message. (Only the message survives the
 * context bridge; custom properties such as `code` are dropped by Electron's copy of Errors.)
 */
export function unwrapReply(reply: unknown): unknown {
  if (!isIpcReply(reply)) throw new Error('pawcam: malformed reply from the app');
  if (reply.ok) return reply.value;
  throw Object.assign(new Error(reply.error.message), { name: 'PawcamError', code: reply.error.code });
}

/** Build the API over `ipc`. */
export function createPawcamApi(ipc: IpcRendererLike): PawcamApi {
  const api: Record<string, unknown> = {};
  for (const [method, entry] of Object.entries(ipcContract)) {
    api[method] = async (...args: unknown[]): Promise<unknown> => unwrapReply(await ipc.invoke(entry.channel, ...args));
  }
  for (const [name, entry] of Object.entries(ipcEvents)) {
    api[name] = (listener: (payload: unknown) => void): (() => void) => {
      if (typeof listener !== 'function') throw new TypeError(`${name} needs a listener function`);
      const handler = (_event: IpcRendererEvent, payload: unknown): void => {
        // Main validated it; checking again keeps a bug in main from reaching the page as garbage.
        const parsed = parseWith(entry.payload, payload);
        if (!parsed.ok) {
          log.warn('dropped a malformed event from main', { channel: entry.channel, error: parsed.error });
          return;
        }
        listener(parsed.value);
      };
      ipc.on(entry.channel, handler);
      return () => void ipc.removeListener(entry.channel, handler);
    };
  }
  return Object.freeze(api) as PawcamApi;
}
