/**
 * What each IPC call and tray item does, in terms of the features (settings, windows, snapshots, tray,
 * notifications). Kept apart from main.ts so the wiring is unit-tested with fakes.
 */
import { PawcamError } from '../../protocol/errors.ts';
import type { CameraEntry, SnapshotRequest, SnapshotResult, ViewerConfig } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';
import type { AppWindows } from './app-windows.ts';
import type { IpcHandlers } from './ipc.ts';
import type { Settings, SettingsStore } from './settings.ts';
import type { TrayActions, TrayCamera } from './tray.ts';
import { isExternalHttpUrl } from './windows.ts';

const log = createLogger('app-handlers');

/**
 * The mini window registers with the server as its own peer: two pages registering one ID would throw each other
 * off (ID-TAKEN). It derives from the main viewer's ID so it stays stable.
 */
export function miniViewerId(viewerId: string): string {
  const id = `${viewerId}-mini`;
  return id.length <= 64 ? id : `${viewerId.slice(0, 59)}-mini`;
}

/** The viewer's configuration for a window of `kind`. */
export function viewerConfig(settings: Settings, serverUrl: string, kind: 'main' | 'mini'): ViewerConfig {
  return {
    serverUrl,
    viewerId: kind === 'mini' ? miniViewerId(settings.viewerId) : settings.viewerId,
    viewerToken: settings.viewerToken,
    viewerName: settings.viewerName,
    shell: 'desktop',
  };
}

/** Collaborators of the handlers. */
export interface AppHandlerDeps {
  settings: Pick<SettingsStore, 'get' | 'update'>;
  serverUrl: () => string;
  windows: Pick<AppWindows, 'showMain' | 'openMini' | 'closeFor' | 'send'>;
  snapshots: { save(request: SnapshotRequest): Promise<SnapshotResult> };
  /** New camera states for the tray and notifications. */
  onCameraStates(states: TrayCamera[]): void;
  openExternal(url: string): Promise<void>;
}

function knownCamera(settings: Settings, cameraId: string): CameraEntry {
  const camera = settings.cameras.find((c) => c.id === cameraId);
  if (!camera) throw new PawcamError('peer-unavailable', 'That camera is not in your camera list.');
  return camera;
}

/** The IPC handlers (one per contract entry; the compiler checks none is missing). */
export function createIpcHandlers(deps: AppHandlerDeps): IpcHandlers {
  return {
    getConfig: (context) => viewerConfig(deps.settings.get(), deps.serverUrl(), context.window.kind),
    listCameras: () => deps.settings.get().cameras,
    saveCameras: async (context, cameras) => {
      // The mini window shows one camera; only the main viewer edits the list.
      if (context.window.kind !== 'main') throw new PawcamError('malformed-message', 'Only the main window can change the camera list.');
      await deps.settings.update({ cameras });
      return null;
    },
    reportCameraStates: (context, states) => {
      // The main viewer pings every camera; the mini window knows only its own, so its reports would flicker.
      if (context.window.kind === 'main') deps.onCameraStates(states);
      return null;
    },
    saveSnapshot: (_context, request) => deps.snapshots.save(request),
    openMiniWindow: (_context, cameraId) => {
      knownCamera(deps.settings.get(), cameraId);
      deps.windows.openMini(cameraId);
      return null;
    },
    openMainWindow: () => {
      deps.windows.showMain();
      return null;
    },
    closeWindow: (context) => {
      deps.windows.closeFor(context.webContentsId);
      return null;
    },
    openExternal: async (_context, url) => {
      if (!isExternalHttpUrl(url)) throw new PawcamError('malformed-message', 'Only web links can be opened.');
      await deps.openExternal(url);
      return null;
    },
  };
}

/** The tray's actions. */
export function createTrayActions(deps: {
  windows: Pick<AppWindows, 'showMain' | 'openMini' | 'send'>;
  setStartAtLogin(enabled: boolean): Promise<void>;
  quit(): void;
}): TrayActions {
  return {
    watch: (cameraId) => deps.windows.send({ type: 'watch', cameraId }),
    openMini: (cameraId) => void deps.windows.openMini(cameraId),
    snapshot: (cameraId) => deps.windows.send({ type: 'snapshot', cameraId }),
    openMain: () => void deps.windows.showMain(),
    openSettings: () => deps.windows.send({ type: 'open-settings' }),
    setStartAtLogin: (enabled) => {
      deps.setStartAtLogin(enabled).catch((error: unknown) => log.warn('could not change start at login', { error: String(error) }));
    },
    quit: () => deps.quit(),
  };
}
