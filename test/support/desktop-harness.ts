/**
 * The desktop app for browser tests, without the Electron binary (it cannot run here).
 *
 * What the harness replaces: Electron's preload bridge and BrowserWindow. The renderer runs as a Chromium page; the
 * built preload (dist/preload/preload.cjs) runs in it as an init script, given a stand-in `require('electron')` whose
 * `contextBridge` defines `window.pawcam` and whose `ipcRenderer.invoke` forwards each call through
 * `page.exposeBinding` to this Node process (Uint8Arrays encoded explicitly, since the binding carries JSON). A
 * command main would push to the window (`webContents.send`) is handed to the preload's `onCommand` listeners.
 * The pages are the same build Electron loads from `pawcam://app/`, here as the server serves it at `/viewer/`: a
 * page Chromium got from loopback (a route-fulfilled page counts as public to Chromium's local-network checks and may
 * not reach the server) on the origin the server's origin check lets in, as it lets in `pawcam://app`. So the
 * server's CSP applies rather than main's (`app-scheme.ts`, covered by its unit tests and the desktop smoke test).
 * The IPC gate is told the frame's URL on our scheme, so it checks top frame and origin as in Electron.
 *
 * What stays real: main's IPC gate (`setupIpc`, arguments and results checked against the contract) with main's
 * handlers (`createIpcHandlers`, whatever methods it has), the settings file, pair keys at rest (with a reversible
 * stand-in for the OS keychain), the events service (`setupDesktopEvents`: SQLite index, clip files, alerts, reports),
 * the built renderer bundle, WebRTC, and the server. Notifications, opened files and windows are
 * recorded instead of shown.
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserWindow, IpcMain } from 'electron';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createIpcHandlers } from '../../desktop/main/app-handlers.ts';
import { APP_ORIGIN } from '../../desktop/main/app-scheme.ts';
import type { OurWindow } from '../../desktop/main/app-windows.ts';
import { clipsFolder, defaultClipsFolder, detectionSettingsFor, reportPresence, setupDesktopEvents } from '../../desktop/main/events/desktop-events.ts';
import type { EventsService } from '../../desktop/main/events/setup-events.ts';
import { setupIpc, type GateEvent } from '../../desktop/main/ipc.ts';
import { setupPairKeys, type KeyCipher } from '../../desktop/main/pair-keys.ts';
import { serverInfo } from '../../desktop/main/server-info.ts';
import { setupSettings, type SettingsStore } from '../../desktop/main/settings.ts';
import { setupSnapshots } from '../../desktop/main/snapshots.ts';
import { createViewerSettings } from '../../desktop/main/viewer-settings.ts';
import type * as v from 'valibot';
import { ViewerCommandSchema, ipcEvents, type CameraStatesSchema, type ViewerCommand } from '../../protocol/ipc.ts';
import type { IpcReply } from '../../protocol/ipc-reply.ts';
import { parseWith } from '../../protocol/schema.ts';
import { TRACK_PEER_CONNECTIONS } from './browser.ts';
import type { TestServer } from './server.ts';

/** What the viewer reports of its cameras (for the tray and "camera offline"). */
type CameraStates = v.InferOutput<typeof CameraStatesSchema>;

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The one main window's WebContents id. */
const MAIN_CONTENTS_ID = 1;

/** A notification the app showed (recorded, with its click action). */
export interface RecordedNotification {
  title: string;
  body: string;
  icon?: string;
  at: number;
  onClick?: () => void;
}

/** One renderer → main call as it reached the gate (arguments decoded), and what main answered. */
export interface RecordedCall {
  channel: string;
  args: unknown[];
  reply: IpcReply;
  /** When the call reached the gate, and how long main took to answer (ms). */
  at: number;
  ms: number;
}

/** A running desktop: main's pieces in this process, its main window in Chromium. */
export interface DesktopHarness {
  /** The main window. */
  page: Page;
  /** The window's browser storage (kept across `close` and a new `startDesktop` with the same context). */
  context: BrowserContext;
  /** The app's folder: `userData` and `videos` inside (kept after `close`; pass it again to start the app again). */
  dir: string;
  userDataDir: string;
  /** The clips folder the app uses (clips, thumbnails and daily reports). */
  clipsDir: string;
  settings: SettingsStore;
  events: EventsService;
  notifications: RecordedNotification[];
  calls: RecordedCall[];
  /** The tray's unseen-event count as main set it, newest last. */
  unseen: number[];
  /** Camera states the viewer reported, newest last. */
  reportedStates: CameraStates[];
  /** Files main asked the system to open (reports, folders) and web links. */
  opened: string[];
  /** The window's console, one line per message with its time (for a failing test to show). */
  console: string[];
  /** Push a command to the window, as the tray or a notification click does. */
  command(command: ViewerCommand): Promise<void>;
  /** The app quits: the window closes, the IPC gate goes, the events index is closed. The folder stays. */
  close(): Promise<void>;
}

/** Options of startDesktop. */
export interface DesktopOptions {
  /** The Chromium the window runs in (its context is made here unless `context` is given). */
  browser: Browser;
  /** The server the app uses (as a remote server with its owner credential, like `serverUrl` + `serverOwner`). */
  server: TestServer;
  /** The app's folder from an earlier run (an app started again); a new temporary one when absent. */
  dir?: string;
  /** The window's storage from an earlier run. */
  context?: BrowserContext;
}

/** Reversible stand-in for Electron's safeStorage: never secret, but never the plain text either. */
const standInKeychain: KeyCipher = {
  isAsyncEncryptionAvailable: () => Promise.resolve(true),
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptStringAsync: (text: string) => Promise.resolve(Buffer.from(`harness:${Buffer.from(text).toString('base64')}`)),
  decryptStringAsync: (data: Buffer) =>
    Promise.resolve({ result: Buffer.from(data.toString().replace(/^harness:/, ''), 'base64').toString(), shouldReEncrypt: false }),
};

/** Uint8Arrays cross the binding as `{ $bytes: base64 }` (the binding carries JSON only). */
function decodeArg(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeArg);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record['$bytes'] === 'string' && Object.keys(record).length === 1) return new Uint8Array(Buffer.from(record['$bytes'], 'base64'));
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decodeArg(v)]));
  }
  return value;
}

function encodeArg(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeArg);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeArg(v)]));
  return value;
}

/**
 * The page side: the stand-in `electron` module the built preload gets, then the preload itself. Only in the top
 * frame of our pages, as Electron runs a preload (no subframes, no other page).
 */
function initScript(preloadSource: string, base: string): string {
  return `(() => {
  if (window.top !== window || !location.href.startsWith(${JSON.stringify(`${base}/`)})) return;
  const invoke = window.__pawcamInvoke;
  delete window.__pawcamInvoke;
  const toBase64 = (bytes) => { let s = ''; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)); return btoa(s); };
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const encode = (v) => v instanceof Uint8Array ? { $bytes: toBase64(v) } : Array.isArray(v) ? v.map(encode)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)])) : v;
  const decode = (v) => Array.isArray(v) ? v.map(decode)
    : v && typeof v === 'object' ? (typeof v.$bytes === 'string' && Object.keys(v).length === 1 ? fromBase64(v.$bytes) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]))) : v;
  const listeners = new Map();
  const ipcRenderer = {
    invoke: async (channel, ...args) => decode(await invoke(channel, encode(args))),
    on: (channel, listener) => { if (!listeners.has(channel)) listeners.set(channel, new Set()); listeners.get(channel).add(listener); },
    removeListener: (channel, listener) => { listeners.get(channel)?.delete(listener); },
  };
  Object.defineProperty(window, '__pawcamHarnessSend', {
    value: (channel, payload) => { for (const listener of listeners.get(channel) ?? []) listener({}, decode(payload)); },
  });
  const contextBridge = { exposeInMainWorld: (name, api) => Object.defineProperty(window, name, { value: api, enumerable: true }) };
  const require = (name) => { if (name === 'electron') return { contextBridge, ipcRenderer }; throw new Error('the preload may only require electron, not ' + name); };
  const module = { exports: {} };
  (function (require, module, exports) {
${preloadSource}
  })(require, module, module.exports);
})();`;
}

/** The URL Electron would show for a page under `base` (any other URL is passed on unchanged, so refused). */
function appUrlOf(url: string, base: string): string {
  return url.startsWith(`${base}/`) ? `${APP_ORIGIN}/${url.slice(base.length + 1)}` : url;
}

/** Start the desktop app's main pieces on `dir` and open its main window. */
export async function startDesktop(options: DesktopOptions): Promise<DesktopHarness> {
  const { server } = options;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'pawcam-desktop-')));
  const userDataDir = join(dir, 'userData');
  const videosDir = join(dir, 'videos');
  await mkdir(userDataDir, { recursive: true });
  await mkdir(videosDir, { recursive: true });
  const notifications: RecordedNotification[] = [];
  const calls: RecordedCall[] = [];
  const reportedStates: CameraStates[] = [];
  const opened: string[] = [];
  const unseen: number[] = [];
  const notify = (message: Omit<RecordedNotification, 'at'>): void => void notifications.push({ ...message, at: Date.now() });

  const settings = await setupSettings({ userDataDir, onNotice: (body) => notify({ title: 'pawcam settings were reset', body }) });
  // The app uses the test's server as a remote server whose owner link it was given (Settings: server URL + owner).
  await settings.update({ serverUrl: server.url, serverOwner: server.ownerSecret });
  const pairKeys = await setupPairKeys({ userDataDir, safeStorage: standInKeychain, platform: 'linux', notify });

  let page: Page | null = null;
  const context = options.context ?? (await options.browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 760 } }));
  const sendToWindow = async (channel: string, payload: unknown): Promise<void> => {
    if (!page || page.isClosed()) return;
    await page.evaluate(([c, p]) => (window as unknown as { __pawcamHarnessSend(c: string, p: unknown): void }).__pawcamHarnessSend(c, p), [channel, encodeArg(payload)] as const);
  };
  const windows = {
    showMain: () => {
      opened.push('window:main');
      return {} as BrowserWindow;
    },
    openMini: (cameraId: string) => {
      opened.push(`window:mini:${cameraId}`);
      return {} as BrowserWindow;
    },
    closeFor: () => undefined,
    send: (command: ViewerCommand) => {
      const parsed = parseWith(ViewerCommandSchema, command);
      if (parsed.ok) void sendToWindow(ipcEvents.onCommand.channel, parsed.value);
    },
    setAspectRatio: () => undefined,
  };

  const events = await setupDesktopEvents({
    settings,
    userDataDir,
    videosDir: () => videosDir,
    notifier: { show: notify },
    // As main.ts: a clicked notification sends the main window to that moment.
    showEvent: (cameraId, eventId, at) => windows.send({ type: 'open-event', cameraId, eventId, at }),
    onUnseen: (total) => void unseen.push(total),
  });

  const handlers = createIpcHandlers({
    settings,
    serverUrl: () => server.url,
    serverOwner: () => server.ownerSecret,
    serverInfo: () => serverInfo({ url: server.url, embedded: false, port: server.port, bindHost: null, fingerprint: server.certFingerprint }, []),
    windows,
    snapshots: setupSnapshots({ getFolder: () => settings.get().snapshotFolder, desktopDir: join(dir, 'desktop'), notifier: { saved: () => undefined, failed: () => undefined } }),
    pairKeys,
    viewerSettings: createViewerSettings({
      settings,
      applyShortcut: () => true,
      applyStartAtLogin: () => Promise.resolve(),
      onRestartNeeded: () => undefined,
      showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
      defaultSnapshotFolder: join(dir, 'desktop'),
      defaultClipsFolder: defaultClipsFolder(() => videosDir, userDataDir),
      onRetentionChange: () => void events.runRetention(),
    }),
    onCameraStates: (states) => {
      reportedStates.push(states);
      reportPresence(events, states);
    },
    openExternal: (url) => {
      opened.push(url);
      return Promise.resolve();
    },
    events,
    detectionSettings: (cameraId) => detectionSettingsFor(settings.get(), cameraId),
    openPath: (path) => {
      opened.push(path);
      return Promise.resolve('');
    },
  });

  // The gate, registered on a recording stand-in for ipcMain.
  const channels = new Map<string, (event: GateEvent, ...args: unknown[]) => Promise<IpcReply>>();
  const ipcMain = {
    handle: (channel: string, listener: (event: GateEvent, ...args: unknown[]) => Promise<IpcReply>) => void channels.set(channel, listener),
    removeHandler: (channel: string) => void channels.delete(channel),
  } as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>;
  const mainWindow: OurWindow = { kind: 'main', win: {} as BrowserWindow };
  const removeIpc = setupIpc({
    ipcMain,
    windows: { windowFor: (id) => (id === MAIN_CONTENTS_ID && page && !page.isClosed() ? mainWindow : undefined) },
    handlers,
  });

  const preloadSource = await readFile(join(root, 'dist/preload/preload.cjs'), 'utf8');
  const base = `${new URL(server.url).origin}/viewer`;

  page = await context.newPage();
  const consoleLines: string[] = [];
  page.on('console', (message) => void consoleLines.push(`${new Date().toISOString().slice(11, 23)} ${message.type()}: ${message.text()}`));
  await page.exposeBinding('__pawcamInvoke', async (source, channel: unknown, encodedArgs: unknown) => {
    const at = Date.now();
    const listener = typeof channel === 'string' ? channels.get(channel) : undefined;
    const args = Array.isArray(encodedArgs) ? (decodeArg(encodedArgs) as unknown[]) : [];
    const event: GateEvent = {
      sender: { id: MAIN_CONTENTS_ID },
      senderFrame: { parent: source.frame.parentFrame() ? {} : null, url: appUrlOf(source.frame.url(), base) } as GateEvent['senderFrame'],
    };
    // Electron answers an invoke on a channel nobody handles with an error; so does the harness.
    const reply: IpcReply = listener ? await listener(event, ...args) : { ok: false, error: { code: 'unknown', message: `No handler registered for '${String(channel)}'` } };
    calls.push({ channel: String(channel), args, reply, at, ms: Date.now() - at });
    return encodeArg(reply);
  });
  await page.addInitScript(TRACK_PEER_CONNECTIONS);
  await page.addInitScript(initScript(preloadSource, base));
  await page.goto(`${base}/index.html`);

  let closed = false;
  return {
    page,
    context,
    dir,
    userDataDir,
    clipsDir: clipsFolder(settings.get(), () => videosDir, userDataDir),
    settings,
    events,
    notifications,
    calls,
    reportedStates,
    unseen,
    opened,
    console: consoleLines,
    command: (command) => sendToWindow(ipcEvents.onCommand.channel, command),
    async close() {
      if (closed) return;
      closed = true;
      await page?.close().catch(() => undefined);
      removeIpc();
      events.close();
      await Promise.allSettled([settings.flush(), pairKeys.flush()]);
    },
  };
}
