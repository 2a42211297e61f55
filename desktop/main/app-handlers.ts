/**
 * What each IPC call and tray item does, in terms of the features (settings, windows, snapshots, tray,
 * notifications). Kept apart from main.ts so the wiring is unit-tested with fakes.
 */
import { EVENT_KINDS, encodeEventMessage, type DetectionSettings } from '../../protocol/event-messages.ts';
import { PawcamError } from '../../protocol/errors.ts';
import { viewerSubId } from '../../protocol/ids.ts';
import type { CameraEntry, CameraStates, EventPrefs, ServerInfo, SnapshotRequest, SnapshotResult, ViewerConfig } from '../../protocol/ipc.ts';
import { MAX_TIMELINE_EVENTS } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';
import type { AppWindows } from './app-windows.ts';
import type { EventsService } from './events/setup-events.ts';
import { toTimelineEvent } from './events/timeline-events.ts';
import type { IpcContext, IpcHandlers } from './ipc.ts';
import type { PairKeyStore } from './pair-keys.ts';
import type { Settings, SettingsStore } from './settings.ts';
import type { TrayActions } from './tray.ts';
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
  /** New camera states for the tray, notifications and "camera offline". */
  onCameraStates(states: CameraStates): void;
  openExternal(url: string): Promise<void>;
  /** The events store (desktop/main/events), or null when its index could not be opened. */
  events: EventsPort | null;
  /** The detection settings a camera gets when its link opens. */
  detectionSettings(cameraId: string): DetectionSettings;
  /** Open a file in the system's default app (Electron's `shell.openPath`: '' when it worked, else why not). */
  openPath?(path: string): Promise<string>;
}

/** What the handlers use of the events store. */
export type EventsPort = Pick<EventsService, 'handleMessage' | 'listTimeline' | 'deleteEvent' | 'markSeen' | 'writeDailyReport' | 'unseenCounts'>;

function eventStore(deps: AppHandlerDeps): EventsPort {
  if (!deps.events) throw new PawcamError('storage-failed', 'pawcam cannot keep camera events right now. Details are in its log.');
  return deps.events;
}

/** The kinds in their usual order, each once. */
function normalKinds(kinds: readonly string[]): EventPrefs['mutedKinds'] {
  return EVENT_KINDS.filter((k) => kinds.includes(k));
}

function knownCamera(settings: Settings, cameraId: string): CameraEntry {
  const camera = settings.cameras.find((c) => c.id === cameraId);
  if (!camera) throw new PawcamError('peer-unavailable', 'That camera is not in your camera list.');
  return camera;
}

/** A file system error's message for the owner (Node's own messages name the path and what went wrong). */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
    chooseClipsFolder: (context) => {
      mainOnly(context, 'change settings');
      return deps.viewerSettings.chooseClipsFolder(context.window.win);
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
      // Without a store there is no ack: the camera keeps the event until pawcam can store it.
      if (!deps.events) return [];
      // The gate parsed it against the contract; the store parses its own wire form again (it is its edge too).
      const reply = await deps.events.handleMessage(cameraId, encodeEventMessage(message));
      return reply ? [reply] : [];
    },
    getDetectionSettings: (context, cameraId) => {
      mainOnly(context, 'send detection settings');
      knownCamera(deps.settings.get(), cameraId);
      return deps.detectionSettings(cameraId);
    },
    // Reading the timeline changes nothing, but only the owner's own cameras have one.
    listEvents: (_context, cameraId, day, kinds) => {
      knownCamera(deps.settings.get(), cameraId);
      return eventStore(deps)
        .listTimeline(cameraId, day, kinds ?? undefined)
        .slice(-MAX_TIMELINE_EVENTS)
        .map(toTimelineEvent);
    },
    deleteEvent: async (context, cameraId, eventId) => {
      mainOnly(context, 'delete events');
      knownCamera(deps.settings.get(), cameraId);
      await eventStore(deps).deleteEvent(cameraId, eventId);
      return null;
    },
    markEventsSeen: (context, cameraId, eventIds) => {
      mainOnly(context, 'change events');
      knownCamera(deps.settings.get(), cameraId);
      eventStore(deps).markSeen(cameraId, eventIds);
      return null;
    },
    openDailyReport: async (context, cameraId, day) => {
      mainOnly(context, 'write reports');
      knownCamera(deps.settings.get(), cameraId);
      const events = eventStore(deps);
      let path: string;
      try {
        path = await events.writeDailyReport(cameraId, day);
      } catch (error) {
        log.error('could not write a daily report', { cameraId, day, error: String(error) });
        return { ok: false, error: `The report could not be saved: ${errorText(error)}` };
      }
      const problem = deps.openPath ? await deps.openPath(path).catch((error: unknown) => errorText(error)) : '';
      if (problem) return { ok: false, error: `The report was saved to ${path} but could not be opened: ${problem}` };
      return { ok: true, path };
    },
    getEventPrefs: (_context, cameraId) => {
      knownCamera(deps.settings.get(), cameraId);
      const settings = deps.settings.get();
      return { detection: deps.detectionSettings(cameraId), mutedKinds: normalKinds(settings.events.mutedKinds[cameraId] ?? []) };
    },
    setEventPrefs: async (context, cameraId, prefs) => {
      mainOnly(context, 'change detection settings');
      knownCamera(deps.settings.get(), cameraId);
      const mutedKinds = normalKinds(prefs.mutedKinds);
      const saved = await deps.settings.update((current) => ({
        events: {
          ...current.events,
          detection: { ...current.events.detection, [cameraId]: prefs.detection },
          mutedKinds: { ...current.events.mutedKinds, [cameraId]: mutedKinds },
        },
      }));
      return { detection: saved.events.detection[cameraId] ?? prefs.detection, mutedKinds: normalKinds(saved.events.mutedKinds[cameraId] ?? []) };
    },
    unseenEventCounts: () => {
      const known = new Set(deps.settings.get().cameras.map((c) => c.id));
      if (!deps.events) return {};
      return Object.fromEntries([...deps.events.unseenCounts()].filter(([id, n]) => known.has(id) && n > 0));
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
