/**
 * The PawcamApi in a plain browser (the web viewer at `/viewer/`): configuration, settings and cameras in local
 * storage, snapshots as downloads, and no windows or tray. Pair keys do not go through this API in a browser: the web
 * shell keeps them as non-extractable CryptoKeys in IndexedDB (pair-key-store.ts). Electron's preload provides the
 * same API backed by main.
 */
import * as v from 'valibot';
import { PawcamError } from '../../../../protocol/errors.ts';
import { STORAGE_MESSAGES, invalidSnapshotMessage } from '../messages.ts';
import { newRegistrationToken, newViewerId } from '../../../../protocol/ids.ts';
import {
  CameraEntrySchema,
  SnapshotRequestSchema,
  ViewerConfigSchema,
  ViewerSettingsSchema,
  type CameraEntry,
  type PawcamApi,
  type ServerInfo,
  type SnapshotResult,
  type ViewerConfig,
  type ViewerSettings,
} from '../../../../protocol/ipc.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { NameSchema, PeerIdSchema, parseJsonWith, parseWith } from '../../../../protocol/schema.ts';
import { snapshotFileName } from '../watch/snapshot-name.ts';

const log = createLogger('web-api');

/** Local-storage keys of the web viewer. */
export const STORAGE_KEYS = {
  viewerId: 'pawcam.viewer.id',
  viewerToken: 'pawcam.viewer.token',
  viewerName: 'pawcam.viewer.name',
  cameras: 'pawcam.viewer.cameras',
  camerasBackup: 'pawcam.viewer.cameras.corrupt',
  settings: 'pawcam.viewer.settings',
} as const;

/** The default name of a web viewer. */
export const DEFAULT_WEB_VIEWER_NAME = 'Web viewer';

/** The part of `Storage` the web API uses (tests pass an in-memory one). */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Options of createWebApi. */
export interface WebApiOptions {
  /** Where settings live (local storage by default). */
  storage?: StorageLike;
  /** The server's origin (this page's origin by default: the server serves the viewer). */
  serverUrl?: string;
  /** Hands a file to the user (an `<a download>` click by default). */
  download?: (fileName: string, blob: Blob) => void;
  /** Opens a URL in a new tab. */
  openUrl?: (url: string) => void;
  /** Something the user should know about (e.g. storage was corrupt and was reset). */
  onNotice?: (message: string) => void;
  now?: () => Date;
}

const StoredCamerasSchema = v.pipe(v.array(CameraEntrySchema), v.maxLength(200));
const TokenSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/));
/** The settings a browser keeps (the viewer name has its own key, from before settings existed). */
const StoredSettingsSchema = v.object({ alwaysRelay: v.boolean() });
const SettingsUpdateSchema = v.partial(ViewerSettingsSchema);

/** The browser implementation of PawcamApi. */
export function createWebApi(options: WebApiOptions = {}): PawcamApi {
  const storage = options.storage ?? globalThis.localStorage;
  const serverUrl = options.serverUrl ?? globalThis.location.origin;
  const download = options.download ?? downloadWithAnchor;
  const openUrl = options.openUrl ?? ((url: string) => void globalThis.open(url, '_blank', 'noopener,noreferrer'));
  const notice = options.onNotice ?? ((message: string) => log.warn(message));
  const now = options.now ?? (() => new Date());

  const read = (key: string): string | null => {
    try {
      return storage.getItem(key);
    } catch (error) {
      log.warn('storage read failed', { key, error: String(error) });
      return null;
    }
  };
  const write = (key: string, value: string): void => {
    try {
      storage.setItem(key, value);
    } catch (error) {
      throw new PawcamError('storage-failed', STORAGE_MESSAGES.settingsRefused, { cause: error });
    }
  };

  let config: ViewerConfig | null = null;
  const getConfig = (): ViewerConfig => {
    if (config) return config;
    let viewerId = read(STORAGE_KEYS.viewerId);
    let viewerToken = read(STORAGE_KEYS.viewerToken);
    // The ID and its token belong together: if either is unusable, start a new identity.
    if (!parseWith(PeerIdSchema, viewerId).ok || !parseWith(TokenSchema, viewerToken).ok) {
      viewerId = newViewerId();
      viewerToken = newRegistrationToken();
      try {
        write(STORAGE_KEYS.viewerId, viewerId);
        write(STORAGE_KEYS.viewerToken, viewerToken);
      } catch {
        notice(STORAGE_MESSAGES.settingsVolatile);
      }
    }
    config = v.parse(ViewerConfigSchema, { serverUrl, viewerId, viewerToken, viewerName: readViewerName(), shell: 'web' });
    return config;
  };

  const readViewerName = (): string => {
    const stored = read(STORAGE_KEYS.viewerName);
    return parseWith(NameSchema, stored).ok ? (stored as string) : DEFAULT_WEB_VIEWER_NAME;
  };

  const getSettings = (): ViewerSettings => {
    const stored = parseJsonWith(StoredSettingsSchema, read(STORAGE_KEYS.settings));
    // The desktop-only settings have no meaning in a browser: fixed values, never stored.
    return {
      serverUrl: null,
      serverFingerprint: null,
      snapshotFolder: null,
      snapshotShortcut: null,
      startAtLogin: false,
      notifications: false,
      alwaysRelay: stored.ok ? stored.value.alwaysRelay : false,
      viewerName: readViewerName(),
    };
  };

  const updateSettings = (patch: unknown): ViewerSettings => {
    const parsed = parseWith(SettingsUpdateSchema, patch);
    if (!parsed.ok) throw new PawcamError('malformed-message', `refused invalid settings: ${parsed.error}`);
    const { alwaysRelay, viewerName } = parsed.value;
    if (alwaysRelay !== undefined) write(STORAGE_KEYS.settings, JSON.stringify({ alwaysRelay }));
    if (viewerName !== undefined) {
      write(STORAGE_KEYS.viewerName, viewerName);
      if (config) config = { ...config, viewerName };
    }
    return getSettings();
  };

  const serverInfo = (): ServerInfo => ({ embedded: false, phoneUrls: [`${serverUrl.replace(/\/+$/, '')}/`], fingerprint: null });

  const noPairKeysHere = async (): Promise<never> => {
    throw new PawcamError('wrong-shell', STORAGE_MESSAGES.keysNotThroughApi);
  };

  const listCameras = (): CameraEntry[] => {
    const raw = read(STORAGE_KEYS.cameras);
    if (raw === null) return [];
    const parsed = parseJsonWith(StoredCamerasSchema, raw);
    if (parsed.ok) return parsed.value;
    // Keep what was there for a human to recover, then start empty rather than fail to open.
    log.warn('stored camera list is corrupt', { error: parsed.error });
    try {
      storage.setItem(STORAGE_KEYS.camerasBackup, raw);
      storage.removeItem(STORAGE_KEYS.cameras);
    } catch (error) {
      log.warn('could not back up the corrupt camera list', { error: String(error) });
    }
    notice(`The saved camera list could not be read, so it starts empty. The old data is kept in this browser's local storage under "${STORAGE_KEYS.camerasBackup}".`);
    return [];
  };

  const saveSnapshot = (request: unknown): SnapshotResult => {
    const parsed = parseWith(SnapshotRequestSchema, request);
    if (!parsed.ok) return { ok: false, error: invalidSnapshotMessage(parsed.error) };
    const fileName = snapshotFileName(parsed.value.cameraName, now());
    try {
      download(fileName, new Blob([parsed.value.png.slice()], { type: 'image/png' }));
    } catch (error) {
      return { ok: false, error: `The download could not start: ${error instanceof Error ? error.message : String(error)}` };
    }
    return { ok: true, path: fileName };
  };

  return {
    getConfig: async () => getConfig(),
    listCameras: async () => listCameras(),
    saveCameras: async (cameras) => {
      const parsed = parseWith(StoredCamerasSchema, cameras);
      if (!parsed.ok) throw new PawcamError('malformed-message', `refused to save an invalid camera list: ${parsed.error}`);
      write(STORAGE_KEYS.cameras, JSON.stringify(parsed.value));
      return null;
    },
    reportCameraStates: async () => null,
    saveSnapshot: async (request) => saveSnapshot(request),
    openMiniWindow: async () => null,
    openMainWindow: async () => null,
    closeWindow: async () => null,
    openExternal: async (url) => {
      if (/^https?:\/\//i.test(url)) openUrl(url);
      return null;
    },
    savePairKey: noPairKeysHere,
    macWithPairKey: noPairKeysHere,
    deletePairKey: noPairKeysHere,
    getSettings: async () => getSettings(),
    updateSettings: async (patch) => updateSettings(patch),
    chooseSnapshotFolder: async () => null,
    getServerInfo: async () => serverInfo(),
    setAspectRatio: async () => null,
    onCommand: () => () => {},
  };
}

function downloadWithAnchor(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has been handed to the browser; the URL is only needed until it starts reading.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
