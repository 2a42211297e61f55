/**
 * What each IPC call and tray item does, in terms of the features (settings, windows, snapshots, tray,
 * notifications). Kept apart from main.ts so the wiring is unit-tested with fakes.
 */
import { encodeEventMessage, type DetectionSettings, type EventMessage } from '../../protocol/event-messages.ts';
import { PawcamError } from '../../protocol/errors.ts';
import { viewerSubId } from '../../protocol/ids.ts';
import type { CameraEntry, ServerInfo, SnapshotRequest, SnapshotResult, ViewerConfig } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';
import type { AppWindows } from './app-windows.ts';
import type { IpcContext, IpcHandlers } from './ipc.ts';
import type { PairKeyStore } from './pair-keys.ts';
import type { Settings, SettingsStore } from './settings.ts';
import type { TrayActions, TrayCamera } from './tray.ts';
import type { ViewerSettingsActions } from './viewer-settings.ts';
import { isExternalHttpUrl } from './windows.ts';

const log = createLogger('app-handlers');

/** The tag of the mini window's sub-ID. */
export const MINI_TAG = 'mini';

/**
 * The viewer's configuration for a window of `kind`. The mini window registers with the server as its own peer
 * (two pages on one ID would throw each other off with ID-TAKEN) under a sub-ID of the viewer's ID, which the
 * camera accepts under the viewer's pairing (protocol/ids.ts `viewerSubId`).
 */
export function viewerConfig(settings: Settings, serverUrl: string, kind: 'main' | 'mini', owner: string | null = null): ViewerConfig {
  return {
    owner,
    serverUrl,
    viewerId: kind === 'mini' ? viewerSubId(settings.viewerId, MINI_TAG) : settings.viewerId,
    viewerToken: settings.viewerToken,
    viewerName: settings.viewerName,
    shell: 'desktop',
  };
}

/** Collaborators of the handlers. */
export interface AppHandlerDeps {
  settings: Pick<SettingsStore, 'get' | 'update'>;
  serverUrl: () => string;
  /** The server owner's credential the viewer enrolls with (embedded server: made in-process; see embedded-server.ts). */
  serverOwner?: () => string | null;
  /** Where phones reach the server. */
  serverInfo: () => ServerInfo;
  windows: Pick<AppWindows, 'showMain' | 'openMini' | 'closeFor' | 'send' | 'setAspectRatio'>;
  snapshots: { save(request: SnapshotRequest): Promise<SnapshotResult> };
  pairKeys: Pick<PairKeyStore, 'mac' | 'save' | 'delete' | 'deleteMany'>;
  viewerSettings: ViewerSettingsActions;
  /** New camera states for the tray and notifications. */
  onCameraStates(states: TrayCamera[]): void;
  openExternal(url: string): Promise<void>;
  /** The events store (desktop/main/events): a camera's event message in, the reply for the camera out. */
  events: { handleMessage(cameraId: string, raw: unknown): Promise<EventMessage | null> };
  /** The detection settings a camera gets when its link opens. */
  detectionSettings(cameraId: string): DetectionSettings;
}

function knownCamera(settings: Settings, cameraId: string): CameraEntry {
  const camera = settings.cameras.find((c) => c.id === cameraId);
  if (!camera) throw new PawcamError('peer-unavailable', 'That camera is not in your camera list.');
  return camera;
}

/** Refuse a call that only the main window may make (the mini window shows one camera and changes nothing). */
function mainOnly(context: IpcContext, what: string): void {
  if (context.window.kind !== 'main') throw new PawcamError('malformed-message', `Only the main window can ${what}.`);
}

/** The IPC handlers (one per contract entry; the compiler checks none is missing). */
export function createIpcHandlers(deps: AppHandlerDeps): IpcHandlers {
  return {
    getConfig: (context) => viewerConfig(deps.settings.get(), deps.serverUrl(), context.window.kind, deps.serverOwner?.() ?? null),
    listCameras: () => deps.settings.get().cameras,
    saveCameras: async (context, cameras) => {
      mainOnly(context, 'change the camera list');
      const previous = deps.settings.get().cameras;
      await deps.settings.update({ cameras });
      // Forgetting a camera forgets its pair key. Only cameras that were in the list: a key saved while pairing,
      // before the camera joins the list, must survive a save of the list that does not have it yet.
      const kept = new Set(cameras.map((c) => c.id));
      const forgotten = previous.filter((c) => !kept.has(c.id)).map((c) => c.id);
      if (forgotten.length > 0) await deps.pairKeys.deleteMany(forgotten);
      return null;
    },
    savePairKey: async (context, cameraId, key) => {
      mainOnly(context, 'pair a camera');
      await deps.pairKeys.save(cameraId, key);
      return null;
    },
    macWithPairKey: (context, cameraId, data) => {
      // The mini window uses the key of the camera it shows, and no other.
      if (context.window.kind === 'mini' && context.window.cameraId !== cameraId) {
        throw new PawcamError('malformed-message', "The mini window can only use its own camera's pairing.");
      }
      return deps.pairKeys.mac(cameraId, data);
    },
    deletePairKey: async (context, cameraId) => {
      mainOnly(context, 'forget a pairing');
      await deps.pairKeys.delete(cameraId);
      return null;
    },
    // The mini window reads settings too (alwaysRelay decides its connection).
    getSettings: () => deps.viewerSettings.get(),
    updateSettings: (context, change) => {
      mainOnly(context, 'change settings');
      return deps.viewerSettings.update(change);
    },
    chooseSnapshotFolder: (context) => {
      mainOnly(context, 'change settings');
      return deps.viewerSettings.chooseSnapshotFolder(context.window.win);
    },
    getServerInfo: () => deps.serverInfo(),
    setAspectRatio: (context, ratio) => {
      if (context.window.kind !== 'mini') throw new PawcamError('malformed-message', 'Only the mini window follows the video aspect ratio.');
      deps.windows.setAspectRatio(context.webContentsId, ratio);
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
    handleEventMessage: async (context, cameraId, message) => {
      // One desktop window drains the cameras' stored events: the main one, which keeps a link to every camera.
      mainOnly(context, 'store camera events');
      // The renderer names the camera; only one in the list (paired by the owner) may add to the events index.
      knownCamera(deps.settings.get(), cameraId);
      // The gate parsed it against the contract; the store parses its own wire form again (it is its edge too).
      const reply = await deps.events.handleMessage(cameraId, encodeEventMessage(message));
      return reply ? [reply] : [];
    },
    getDetectionSettings: (context, cameraId) => {
      mainOnly(context, 'send detection settings');
      knownCamera(deps.settings.get(), cameraId);
      return deps.detectionSettings(cameraId);
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
