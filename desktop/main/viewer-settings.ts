/**
 * The Settings screen's view of the settings (`ViewerSettings` in the IPC contract) and how a change from it is
 * applied: validated in full first, then its effects on the system (the global shortcut, start at login) applied,
 * and only then saved, so a refused change leaves everything as it was. Server changes apply at the next start;
 * retention changes at once (the owner is told old events go when saved).
 */
import type { BrowserWindow, OpenDialogOptions, OpenDialogReturnValue } from 'electron';
import * as v from 'valibot';
import { PawcamError } from '../../protocol/errors.ts';
import type { ViewerSettings } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';
import { parseWith } from '../../protocol/schema.ts';
import { displayFingerprint, normaliseFingerprint } from './embedded-server.ts';
import { SettingsSchema, type Settings, type SettingsStore } from './settings.ts';

const log = createLogger('viewer-settings');

/**
 * The Settings screen's fields of `settings`; with `defaultClipsFolder`, where clips go while no folder is chosen
 * (so the screen can show the real path).
 */
export function viewerSettingsOf(settings: Settings, defaultClipsFolder?: string): ViewerSettings {
  return {
    serverUrl: settings.serverUrl,
    serverFingerprint: settings.serverFingerprint,
    serverOwner: settings.serverOwner,
    snapshotFolder: settings.snapshotFolder,
    snapshotShortcut: settings.shortcuts.snapshot,
    clipsFolder: settings.events.clipsFolder,
    ...(defaultClipsFolder !== undefined ? { defaultClipsFolder } : {}),
    retentionDays: settings.events.retentionDays,
    retentionGigabytes: settings.events.retentionGigabytes,
    startAtLogin: settings.startAtLogin,
    notifications: settings.notifications,
    alwaysRelay: settings.alwaysRelay,
    viewerName: settings.viewerName,
  };
}

/** Collaborators of the settings actions. */
export interface ViewerSettingsDeps {
  settings: Pick<SettingsStore, 'get' | 'update'>;
  /** Register the global snapshot shortcut (null = none); false when the system refused it. */
  applyShortcut(accelerator: string | null): boolean;
  /** Make the system start pawcam at login, or stop doing so. */
  applyStartAtLogin(enabled: boolean): Promise<void>;
  /** The server settings changed; they take effect at the next start. */
  onRestartNeeded(): void;
  /** Electron's `dialog.showOpenDialog`. */
  showOpenDialog(parent: BrowserWindow, options: OpenDialogOptions): Promise<Pick<OpenDialogReturnValue, 'canceled' | 'filePaths'>>;
  /** Where snapshots go when no folder is set (the desktop). */
  defaultSnapshotFolder: string;
  /** Where event clips go when no folder is set (desktop-events.ts `defaultClipsFolder`). */
  defaultClipsFolder: string;
  /** The retention limits changed and are saved: apply them now (EventsService.runRetention). */
  onRetentionChange?(): void;
}

/** What the Settings screen can do. */
export interface ViewerSettingsActions {
  get(): ViewerSettings;
  update(change: Partial<ViewerSettings>): Promise<ViewerSettings>;
  /** Let the user pick the snapshot folder in a native dialog over `parent`; null when cancelled. */
  chooseSnapshotFolder(parent: BrowserWindow): Promise<string | null>;
  /** Let the user pick the event clips folder in a native dialog over `parent`; null when cancelled. */
  chooseClipsFolder(parent: BrowserWindow): Promise<string | null>;
}

const pin = (fingerprint: string | null): string | null => (fingerprint === null ? null : normaliseFingerprint(fingerprint));

const invalid = (message: string): PawcamError => new PawcamError('malformed-message', message);

/** Turn a Settings-screen change into a settings patch, refusing what it may not change. */
export function settingsPatch(current: Settings, change: Partial<ViewerSettings>): Partial<Settings> {
  const patch: Partial<Settings> = {};
  if (change.serverUrl !== undefined) patch.serverUrl = change.serverUrl;
  if (change.serverFingerprint !== undefined) {
    const text = change.serverFingerprint?.trim() ?? '';
    if (text === '') patch.serverFingerprint = null;
    else {
      const hex = normaliseFingerprint(text);
      if (!hex) throw invalid('That is not a SHA-256 certificate fingerprint (64 hexadecimal digits, e.g. AB:CD:…).');
      patch.serverFingerprint = displayFingerprint(hex);
    }
  }
  if (change.serverOwner !== undefined) {
    // Pasted from the owner link or typed: take the 32 hex digits out of `…/viewer/#owner=<digits>` too.
    const text = change.serverOwner?.trim().toLowerCase() ?? '';
    const digits = /(?:#owner=)?([0-9a-f]{32})$/.exec(text)?.[1];
    if (text === '') patch.serverOwner = null;
    else if (!digits) throw invalid('That is not a server owner credential (the 32 hexadecimal digits after #owner= in the owner link the server printed).');
    else patch.serverOwner = digits;
  }
  if (change.snapshotFolder !== undefined && change.snapshotFolder !== current.snapshotFolder) {
    // A path typed into (or forged by) a page could point snapshots anywhere; a new folder comes only from the
    // native folder picker (chooseSnapshotFolder), which is the user's own choice. Resetting to the desktop is fine.
    if (change.snapshotFolder !== null) throw invalid('Choose the snapshot folder with the folder picker.');
    patch.snapshotFolder = null;
  }
  const events: Partial<Settings['events']> = {};
  if (change.clipsFolder !== undefined && change.clipsFolder !== current.events.clipsFolder) {
    // As the snapshot folder: a page must not be able to point clips (files pawcam writes) anywhere.
    if (change.clipsFolder !== null) throw invalid('Choose the clips folder with the folder picker.');
    events.clipsFolder = null;
  }
  if (change.retentionDays !== undefined) events.retentionDays = change.retentionDays;
  if (change.retentionGigabytes !== undefined) events.retentionGigabytes = change.retentionGigabytes;
  if (Object.keys(events).length > 0) patch.events = { ...current.events, ...events };
  if (change.snapshotShortcut !== undefined) patch.shortcuts = { snapshot: change.snapshotShortcut };
  if (change.startAtLogin !== undefined) patch.startAtLogin = change.startAtLogin;
  if (change.notifications !== undefined) patch.notifications = change.notifications;
  if (change.alwaysRelay !== undefined) patch.alwaysRelay = change.alwaysRelay;
  if (change.viewerName !== undefined) patch.viewerName = change.viewerName;

  const merged = parseWith(SettingsSchema, { ...current, ...patch });
  if (!merged.ok) {
    if (merged.error.startsWith('shortcuts.')) {
      throw invalid(`“${change.snapshotShortcut}” is not a shortcut pawcam understands. Use keys joined with +, e.g. CommandOrControl+Alt+P.`);
    }
    if (merged.error.startsWith('events.retentionDays')) throw invalid('Keep events for 1 to 3650 days, or without a day limit.');
    if (merged.error.startsWith('events.retentionGigabytes')) throw invalid('Keep at most 0.1 to 100000 GB of clips, or without a size limit.');
    throw invalid(`That setting is not valid (${merged.error}).`);
  }
  return patch;
}

/** The Settings screen's actions over `deps`. Changes apply one at a time. */
export function createViewerSettings(deps: ViewerSettingsDeps): ViewerSettingsActions {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  const apply = async (change: Partial<ViewerSettings>): Promise<ViewerSettings> => {
    const current = deps.settings.get();
    const patch = settingsPatch(current, change);

    const oldShortcut = current.shortcuts.snapshot;
    const newShortcut = patch.shortcuts !== undefined ? patch.shortcuts.snapshot : oldShortcut;
    const shortcutChanged = patch.shortcuts !== undefined && newShortcut !== oldShortcut;
    if (shortcutChanged && !deps.applyShortcut(newShortcut)) {
      deps.applyShortcut(oldShortcut);
      throw new PawcamError('shortcut-taken', `${newShortcut} could not be set as the snapshot shortcut: another app may be using it. Choose another one.`);
    }
    if (patch.startAtLogin !== undefined && patch.startAtLogin !== current.startAtLogin) {
      try {
        await deps.applyStartAtLogin(patch.startAtLogin);
      } catch (error) {
        log.warn('could not change start at login', { error: String(error) });
        if (shortcutChanged) deps.applyShortcut(oldShortcut);
        throw new PawcamError('login-item-failed', `pawcam could not turn start at login ${patch.startAtLogin ? 'on' : 'off'}. Details are in its log.`, { cause: error });
      }
    }

    const next = await deps.settings.update(patch);
    if (next.events.retentionDays !== current.events.retentionDays || next.events.retentionGigabytes !== current.events.retentionGigabytes) deps.onRetentionChange?.();
    if (next.serverUrl !== current.serverUrl || pin(next.serverFingerprint) !== pin(current.serverFingerprint) || next.serverOwner !== current.serverOwner) deps.onRestartNeeded();
    return viewerSettingsOf(next, deps.defaultClipsFolder);
  };

  /** A folder from the native picker over `parent`, or null when cancelled. */
  const pickFolder = async (parent: BrowserWindow, title: string, defaultPath: string): Promise<string | null> => {
    const result = await deps.showOpenDialog(parent, { title, defaultPath, properties: ['openDirectory', 'createDirectory'] });
    const folder = result.filePaths[0];
    if (result.canceled || folder === undefined) return null;
    if (!v.is(SettingsSchema.entries.snapshotFolder, folder)) throw invalid('That folder path is too long.');
    return folder;
  };

  return {
    get: () => viewerSettingsOf(deps.settings.get(), deps.defaultClipsFolder),
    update: (change) => serial(() => apply(change)),
    chooseSnapshotFolder: (parent) =>
      serial(async () => {
        const folder = await pickFolder(parent, 'Where should pawcam save snapshots?', deps.settings.get().snapshotFolder ?? deps.defaultSnapshotFolder);
        if (folder !== null) await deps.settings.update({ snapshotFolder: folder });
        return folder;
      }),
    chooseClipsFolder: (parent) =>
      serial(async () => {
        const folder = await pickFolder(parent, 'Where should pawcam keep event clips?', deps.settings.get().events.clipsFolder ?? deps.defaultClipsFolder);
        if (folder !== null) await deps.settings.update((current) => ({ events: { ...current.events, clipsFolder: folder } }));
        return folder;
      }),
  };
}
