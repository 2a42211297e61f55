/**
 * The preload: exposes the named functions of the IPC contract as `window.pawcam` through the context bridge.
 * Runs sandboxed, so it is bundled to one CommonJS file (desktop/preload/vite.config.ts) with only `electron`
 * left external.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPawcamApi } from './api.ts';

contextBridge.exposeInMainWorld('pawcam', createPawcamApi(ipcRenderer));
