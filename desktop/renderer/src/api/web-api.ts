/**
 * The PawcamApi in a plain browser (the web viewer at `/viewer/`): configuration, settings and cameras in local
 * storage, snapshots as downloads, and no windows or tray. Pair keys do not go through this API in a browser: the web
 * shell keeps them as non-extractable CryptoKeys in IndexedDB (pair-key-store.ts). Electron's preload provides the
 * same API backed by main.
 */
import { deviceName } from './device-name.ts';
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
import { defaultSettings } from '../settings/settings.ts';
import { snapshotFileName } from '../watch/snapshot-name.ts';
import { fetchServerInfo, OWNER_CREDENTIAL, type HttpLike } from '../../../../protocol/enrollment.ts';
import { parseRendezvousUrl } from '../../../../protocol/pairing.ts';
import { enrollmentFetch } from '../pairing/server-enrollment.ts';

const log = createLogger('web-api');

/** Local-storage keys of the web viewer. */
export const STORAGE_KEYS = {
  viewerId: 'pawcam.viewer.id',
  viewerToken: 'pawcam.viewer.token',
  viewerName: 'pawcam.viewer.name',
  cameras: 'pawcam.viewer.cameras',
  camerasBackup: 'pawcam.viewer.cameras.corrupt',
  settings: 'pawcam.viewer.settings',
  /** The server owner's credential, from the owner link (`/viewer/#owner=…`). */
  owner: 'pawcam.viewer.owner',
  /** The rendezvous server, when the owner link named one (`#owner=…&r=…`: a viewer on a static host). */
  rendezvous: 'pawcam.viewer.rendezvous',
  /** `on` once the owner turned on notifications of camera events in this browser (web-notifications.ts). */
  notify: 'pawcam.viewer.notify',
} as const;

/** The default name of a web viewer. */
export const DEFAULT_WEB_VIEWER_NAME = 'Web viewer';

/** The part of `Storage` the web API uses (tests pass an in-memory one). */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Options of createWebApi. */
export interface WebApiOptions {
  /** Where settings live (local storage by default). */
  storage?: StorageLike;
  /** The server's origin (by default the rendezvous an owner link named, else this page's origin). */
  serverUrl?: string;
  /** The address bar, for taking the owner link's fragment out of it (the page's by default). */
  address?: { hash: string; clear(): void };
  /** The page's origin: where phones open the camera page when the server serves no pages. */
  pageOrigin?: string;
  /** fetch for `/server-info`. */
  http?: HttpLike;
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
  const pageOrigin = options.pageOrigin ?? globalThis.location?.origin ?? options.serverUrl ?? '';
  takeOwnerLink(options.address ?? browserAddress(), storage);
  const storedRendezvous = parseRendezvousUrl(storage.getItem(STORAGE_KEYS.rendezvous) ?? '');
  const serverUrl = options.serverUrl ?? (storedRendezvous ? storedRendezvous.replace(/\/+$/, '') : pageOrigin);
  const http = options.http ?? enrollmentFetch;
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
    const owner = read(STORAGE_KEYS.owner);
    config = v.parse(ViewerConfigSchema, { serverUrl, viewerId, viewerToken, viewerName: readViewerName(), shell: 'web', owner: owner !== null && OWNER_CREDENTIAL.test(owner) ? owner : null });
    return config;
  };

  const readViewerName = (): string => {
    const stored = read(STORAGE_KEYS.viewerName);
    if (parseWith(NameSchema, stored).ok) return stored as string;
    // Until renamed: the browser and device, so two paired browsers can be told apart on the phone.
    return deviceName(globalThis.navigator?.userAgent ?? '') ?? DEFAULT_WEB_VIEWER_NAME;
  };

  const getSettings = (): ViewerSettings => {
    const stored = parseJsonWith(StoredSettingsSchema, read(STORAGE_KEYS.settings));
    // The desktop-only settings have no meaning in a browser: their defaults, never stored.
    return { ...defaultSettings(readViewerName()), alwaysRelay: stored.ok ? stored.value.alwaysRelay : false };
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

  // Where phones go: the server's own list (LAN addresses, its public URL) when it tells us; when it serves no pages,
  // this page's origin (a static host serving the camera page too), with the rendezvous named in each link.
  const serverInfo = async (): Promise<ServerInfo> => {
    const reply = await fetchServerInfo(serverUrl, getConfig().owner ?? null, http).catch(() => null);
    const own = { phoneUrls: [`${serverUrl.replace(/\/+$/, '')}/`], loopbackOnly: isLoopbackUrl(serverUrl) };
    if (!reply) return { embedded: false, fingerprint: null, ...own, rendezvousUrl: null };
    if (!reply.pages) return { embedded: false, fingerprint: null, phoneUrls: [`${pageOrigin}/`], loopbackOnly: isLoopbackUrl(pageOrigin), rendezvousUrl: `${serverUrl.replace(/\/+$/, '')}/` };
    if (reply.phoneUrls.length === 0) return { embedded: false, fingerprint: null, ...own, loopbackOnly: reply.loopbackOnly || own.loopbackOnly, rendezvousUrl: null };
    return { embedded: false, fingerprint: null, phoneUrls: reply.phoneUrls, loopbackOnly: false, rendezvousUrl: null };
  };

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
    getServerInfo: () => serverInfo(),
    setAspectRatio: async () => null,
    onCommand: () => () => {},
  };
}

/**
 * Take the owner link's fragment (`#owner=<credential>`, optionally `&r=<rendezvous URL>`) out of the address and
 * keep it: the credential must not linger in the history or a shared screenshot of the address bar.
 */
export function takeOwnerLink(address: { hash: string; clear(): void }, storage: StorageLike): 'taken' | 'damaged' | null {
  if (!address.hash.startsWith('#owner=')) return null;
  address.clear();
  const [ownerPart = '', ...params] = address.hash.slice(1).split('&');
  const owner = ownerPart.slice('owner='.length);
  const rendezvousParam = params.find((p) => p.startsWith('r='));
  let rendezvous: string | null = null;
  try {
    rendezvous = rendezvousParam ? parseRendezvousUrl(decodeURIComponent(rendezvousParam.slice(2))) : null;
  } catch {
    rendezvous = null;
  }
  if (!OWNER_CREDENTIAL.test(owner) || (rendezvousParam && !rendezvous)) {
    log.warn('the address holds a damaged owner link; ignored');
    return 'damaged';
  }
  try {
    storage.setItem(STORAGE_KEYS.owner, owner);
    if (rendezvous) storage.setItem(STORAGE_KEYS.rendezvous, rendezvous);
  } catch (error) {
    log.warn('could not keep the owner credential', { error: String(error) });
  }
  return 'taken';
}

function browserAddress(): { hash: string; clear(): void } {
  return {
    hash: globalThis.location?.hash ?? '',
    clear: () => globalThis.history?.replaceState(globalThis.history.state, '', `${globalThis.location.pathname}${globalThis.location.search}`),
  };
}

/** Is this URL's host loopback (a phone could not open it)? */
function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || host.startsWith('127.');
  } catch {
    return false;
  }
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
