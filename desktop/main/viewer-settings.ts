/**
 * The Settings screen's view of the settings (`ViewerSettings` in the IPC contract) and how a change from it is
 * applied: validated in full first, then its effects on the system (the global shortcut, start at login) applied,
 * and only then saved, so a refused change leaves everything as it was. Server changes apply at the next start.
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

/** The Settings screen's fields of `settings`. */
export function viewerSettingsOf(settings: Settings): ViewerSettings {
  return {
    serverUrl: settings.serverUrl,
    serverFingerprint: settings.serverFingerprint,
    serverOwner: settings.serverOwner,
    snapshotFolder: settings.snapshotFolder,
    snapshotShortcut: settings.shortcuts.snapshot,
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
}

/** What the Settings screen can do. */
export interface ViewerSettingsActions {
  get(): ViewerSettings;
  update(change: Partial<ViewerSettings>): Promise<ViewerSettings>;
  /** Let the user pick the snapshot folder in a native dialog over `parent`; null when cancelled. */
  chooseSnapshotFolder(parent: BrowserWindow): Promise<string | null>;
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
    if (next.serverUrl !== current.serverUrl || pin(next.serverFingerprint) !== pin(current.serverFingerprint) || next.serverOwner !== current.serverOwner) deps.onRestartNeeded();
    return viewerSettingsOf(next);
  };

  return {
    get: () => viewerSettingsOf(deps.settings.get()),
    update: (change) => serial(() => apply(change)),
    chooseSnapshotFolder: (parent) =>
      serial(async () => {
        const current = deps.settings.get().snapshotFolder;
        const result = await deps.showOpenDialog(parent, {
          title: 'Where should pawcam save snapshots?',
          defaultPath: current ?? deps.defaultSnapshotFolder,
          properties: ['openDirectory', 'createDirectory'],
        });
        const folder = result.filePaths[0];
        if (result.canceled || folder === undefined) return null;
        if (!v.is(SettingsSchema.entries.snapshotFolder, folder)) throw invalid('That folder path is too long.');
        await deps.settings.update({ snapshotFolder: folder });
        return folder;
      }),
  };
}
