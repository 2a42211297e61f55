/**
 * A stand-in for the `electron` module, for the desktop smoke test (scripts/smoke-desktop.ts). The real Electron
 * binary cannot run here, so scripts/smoke-desktop-loader.mjs resolves `import … from 'electron'` in the built main
 * bundle to this file. It exports the main-process names main.ts imports, behaves as strictly as Electron where
 * order matters (privileged schemes only before ready; protocol, session and screen only after), records every call,
 * and answers with fakes. A stand-in object refuses any method it does not implement, so main calling something new
 * fails the smoke loudly instead of passing by accident. The types come from the real electron.d.ts.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as E from 'electron';

/** How the driver sets up the stand-in before importing main. */
export interface SmokeOptions {
  appPath: string;
  isPackaged: boolean;
  /** Where app.getPath(name) points (one folder per name). */
  pathsRoot: string;
  argv: string[];
}

/** Everything the stand-in saw, for the driver to check. */
export class SmokeState {
  readonly log: string[] = [];
  readonly problems: string[] = [];
  readonly windows: FakeBrowserWindow[] = [];
  readonly trays: FakeTray[] = [];
  readonly menus: E.MenuItemConstructorOptions[][] = [];
  readonly notifications: { title: string; body: string; notification: EventEmitter }[] = [];
  readonly images: { path: string; exists: boolean }[] = [];
  readonly protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  readonly privilegedSchemes: E.CustomScheme[] = [];
  readonly ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  readonly permission: { request?: unknown; check?: unknown; device?: unknown } = {};
  verifyProc: ((request: { hostname: string; certificate: { data: string }; errorCode: number }, callback: (result: number) => void) => void) | null = null;
  relaunches: E.RelaunchOptions[] = [];
  exitCode: number | null = null;
  quitDone = false;
  ready = false;
  readonly quitted: Promise<number>;
  #resolveReady!: () => void;
  readonly #whenReady = new Promise<void>((resolve) => (this.#resolveReady = resolve));
  #resolveQuit!: (code: number) => void;

  readonly options: SmokeOptions;

  constructor(options: SmokeOptions) {
    this.options = options;
    this.quitted = new Promise((resolve) => (this.#resolveQuit = resolve));
  }

  record(entry: string): void {
    this.log.push(entry);
  }

  whenReady(): Promise<void> {
    return this.#whenReady;
  }

  /** Electron's 'ready': the driver decides when. */
  emitReady(): void {
    this.ready = true;
    this.record('app:ready');
    app.emit('ready');
    this.#resolveReady();
  }

  finish(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    this.#resolveQuit(code);
  }
}

const KEY = Symbol.for('pawcam.smoke-desktop');

/** The state the driver created (it must exist before main is imported). */
export function smokeState(): SmokeState {
  const state = (globalThis as Record<symbol, SmokeState | undefined>)[KEY];
  if (!state) throw new Error('the smoke driver did not set up the stand-in electron');
  return state;
}

/** Create the state (driver side). */
export function installSmokeState(options: SmokeOptions): SmokeState {
  const state = new SmokeState(options);
  (globalThis as Record<symbol, SmokeState>)[KEY] = state;
  return state;
}

/** Wrap a stand-in so that using anything it does not implement is recorded and throws. */
function strict<T extends object>(name: string, target: T): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (typeof property === 'symbol' || property in object) return Reflect.get(object, property, receiver) as unknown;
      if (property === 'then' || property === 'toJSON') return undefined;
      const message = `stand-in electron: ${name}.${property} is not implemented (main uses something new: add it here)`;
      smokeState().problems.push(message);
      throw new Error(message);
    },
  });
}

function needReady(what: string): void {
  if (!smokeState().ready) {
    const message = `${what} used before the app is ready (Electron throws)`;
    smokeState().problems.push(message);
    throw new Error(message);
  }
}

let nextContentsId = 1;

class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: [string, unknown][] = [];
  openHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** The stand-in BrowserWindow. */
export class FakeBrowserWindow extends EventEmitter {
  readonly webContents: FakeWebContents;
  readonly options: E.BrowserWindowConstructorOptions;
  url = '';
  visible = false;
  minimized = false;
  destroyed = false;
  bounds: E.Rectangle;
  readonly calls: string[] = [];

  constructor(options: E.BrowserWindowConstructorOptions) {
    super();
    needReady('new BrowserWindow()');
    this.options = options;
    this.webContents = strict('webContents', new FakeWebContents());
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
    const self = strict('BrowserWindow', this);
    smokeState().windows.push(self);
    smokeState().record(`BrowserWindow:new ${options.title ?? ''}`);
    return self;
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    this.calls.push(`loadURL ${url}`);
    // As Electron: the page starts loading, finishes, and the window is ready to show.
    setImmediate(() => {
      this.webContents.emit('did-start-loading');
      this.webContents.emit('did-finish-load');
      this.emit('ready-to-show');
    });
    return Promise.resolve();
  }
  setAlwaysOnTop(flag: boolean, level?: string): void {
    this.calls.push(`setAlwaysOnTop ${flag} ${level ?? ''}`);
  }
  setVisibleOnAllWorkspaces(flag: boolean, options?: E.VisibleOnAllWorkspacesOptions): void {
    this.calls.push(`setVisibleOnAllWorkspaces ${flag} ${JSON.stringify(options ?? {})}`);
  }
  setAspectRatio(ratio: number): void {
    this.calls.push(`setAspectRatio ${ratio.toFixed(3)}`);
  }
  getContentSize(): number[] {
    return [this.bounds.width, this.bounds.height];
  }
  setContentSize(width: number, height: number): void {
    this.bounds = { ...this.bounds, width, height };
  }
  getBounds(): E.Rectangle {
    return { ...this.bounds };
  }
  getNormalBounds(): E.Rectangle {
    return { ...this.bounds };
  }
  show(): void {
    this.visible = true;
    this.calls.push('show');
  }
  showInactive(): void {
    this.visible = true;
    this.calls.push('showInactive');
  }
  hide(): void {
    this.visible = false;
    this.calls.push('hide');
  }
  focus(): void {}
  restore(): void {
    this.minimized = false;
  }
  minimize(): void {
    this.minimized = true;
    this.calls.push('minimize');
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isFullScreen(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

/** The stand-in Tray. */
export class FakeTray extends EventEmitter {
  menu: { template: E.MenuItemConstructorOptions[] } | null = null;
  tooltip = '';
  images: string[] = [];
  destroyed = false;
  constructor(image: FakeNativeImage) {
    super();
    needReady('new Tray()');
    this.images.push(image.path);
    const self = strict('Tray', this);
    smokeState().trays.push(self);
    smokeState().record('Tray:new');
    return self;
  }
  setContextMenu(menu: { template: E.MenuItemConstructorOptions[] }): void {
    this.menu = menu;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setImage(image: FakeNativeImage): void {
    this.images.push(image.path);
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** The stand-in NativeImage: remembers its path and whether the file was there (Electron gives an empty image). */
export class FakeNativeImage {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
  isEmpty(): boolean {
    return !existsSync(this.path);
  }
}

class FakeNotification extends EventEmitter {
  static isSupported(): boolean {
    return true;
  }
  readonly options: E.NotificationConstructorOptions;
  constructor(options: E.NotificationConstructorOptions) {
    super();
    this.options = options;
    return strict('Notification', this);
  }
  show(): void {
    smokeState().notifications.push({ title: this.options.title ?? '', body: this.options.body ?? '', notification: this });
    smokeState().record(`Notification:show ${this.options.title ?? ''}`);
  }
}

class FakeApp extends EventEmitter {
  readonly commandLine = strict('app.commandLine', {
    appendSwitch: (name: string, value?: string) => smokeState().record(`commandLine:appendSwitch ${name}=${value ?? ''}`),
    hasSwitch: (name: string) => smokeState().options.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)),
  });
  get isPackaged(): boolean {
    return smokeState().options.isPackaged;
  }
  whenReady(): Promise<void> {
    return smokeState().whenReady();
  }
  isReady(): boolean {
    return smokeState().ready;
  }
  requestSingleInstanceLock(): boolean {
    smokeState().record('app:requestSingleInstanceLock');
    return true;
  }
  getAppPath(): string {
    return smokeState().options.appPath;
  }
  getPath(name: string): string {
    return join(smokeState().options.pathsRoot, name);
  }
  setAppUserModelId(): void {}
  getLoginItemSettings(): { openAtLogin: boolean; wasOpenedAtLogin: boolean } {
    return { openAtLogin: false, wasOpenedAtLogin: false };
  }
  setLoginItemSettings(settings: E.Settings): void {
    smokeState().record(`app:setLoginItemSettings ${JSON.stringify(settings)}`);
  }
  relaunch(options?: E.RelaunchOptions): void {
    smokeState().relaunches.push(options ?? {});
    smokeState().record('app:relaunch');
  }
  exit(code = 0): void {
    smokeState().record(`app:exit ${code}`);
    smokeState().finish(code);
  }
  /** As Electron: before-quit, then will-quit (which a listener may prevent, and quit again later), then quit. */
  quit(): void {
    const state = smokeState();
    state.record('app:quit');
    if (state.quitDone) return;
    this.emit('before-quit', { preventDefault: () => undefined });
    let prevented = false;
    this.emit('will-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    state.quitDone = true;
    for (const win of state.windows) win.destroy();
    this.emit('quit');
    state.finish(0);
  }
}

/** Stand-in `app`. */
export const app = strict('app', new FakeApp());
/** Stand-in `BrowserWindow`. */
export const BrowserWindow = FakeBrowserWindow;
/** Stand-in `Tray`. */
export const Tray = FakeTray;
/** Stand-in `Notification`. */
export const Notification = FakeNotification;
/** Stand-in `Menu` (keeps each template for the driver to click). */
export const Menu = strict('Menu', {
  buildFromTemplate(template: E.MenuItemConstructorOptions[]) {
    smokeState().menus.push(template);
    return { template };
  },
});
/** Stand-in `nativeImage` (records whether each icon file exists). */
export const nativeImage = strict('nativeImage', {
  createFromPath(path: string) {
    smokeState().images.push({ path, exists: existsSync(path) });
    return new FakeNativeImage(path);
  },
});
/** Stand-in `protocol` (schemes only before ready, handlers only after). */
export const protocol = strict('protocol', {
  registerSchemesAsPrivileged(schemes: E.CustomScheme[]) {
    if (smokeState().ready) {
      smokeState().problems.push('protocol.registerSchemesAsPrivileged after ready (Electron ignores it: the scheme would not be secure)');
    }
    smokeState().privilegedSchemes.push(...schemes);
    smokeState().record('protocol:registerSchemesAsPrivileged');
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>) {
    needReady('protocol.handle');
    smokeState().protocolHandlers.set(scheme, handler);
    smokeState().record(`protocol:handle ${scheme}`);
  },
});
const defaultSession = strict('session.defaultSession', {
  setPermissionRequestHandler(handler: unknown) {
    smokeState().permission.request = handler;
  },
  setPermissionCheckHandler(handler: unknown) {
    smokeState().permission.check = handler;
  },
  setDevicePermissionHandler(handler: unknown) {
    smokeState().permission.device = handler;
  },
  setCertificateVerifyProc(proc: SmokeState['verifyProc']) {
    smokeState().verifyProc = proc;
  },
});
/** Stand-in `session` (the default session only after ready). */
export const session = strict('session', {
  get defaultSession() {
    needReady('session.defaultSession');
    return defaultSession;
  },
});
const display = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 }, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, scaleFactor: 1 };
/** Stand-in `screen`: one 1920×1080 display. */
export const screen = strict('screen', {
  getAllDisplays() {
    needReady('screen');
    return [display];
  },
  getPrimaryDisplay() {
    needReady('screen');
    return display;
  },
});
/** Stand-in `safeStorage`: reversible, never secret. */
export const safeStorage = strict('safeStorage', {
  isAsyncEncryptionAvailable: () => Promise.resolve(true),
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptStringAsync: (text: string) => Promise.resolve(Buffer.from(`smoke:${text}`)),
  decryptStringAsync: (data: Buffer) => Promise.resolve({ result: data.toString().replace(/^smoke:/, ''), shouldReEncrypt: false }),
});
/** Stand-in `shell`. */
export const shell = strict('shell', {
  openExternal: (url: string) => {
    smokeState().record(`shell:openExternal ${url}`);
    return Promise.resolve();
  },
  showItemInFolder: (path: string) => smokeState().record(`shell:showItemInFolder ${path}`),
  openPath: (path: string) => {
    smokeState().record(`shell:openPath ${path}`);
    return Promise.resolve('');
  },
});
/** Stand-in `dialog`: every picker is cancelled. */
export const dialog = strict('dialog', {
  showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
});
/** Stand-in `globalShortcut`: every accelerator is free. */
export const globalShortcut = strict('globalShortcut', {
  register: (accelerator: string) => {
    smokeState().record(`globalShortcut:register ${accelerator}`);
    return true;
  },
  unregister: (accelerator: string) => smokeState().record(`globalShortcut:unregister ${accelerator}`),
  unregisterAll: () => undefined,
});
/** Stand-in `ipcMain` (keeps handlers for the driver to call). */
export const ipcMain = strict('ipcMain', {
  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) {
    smokeState().ipcHandlers.set(channel, handler);
  },
  removeHandler(channel: string) {
    smokeState().ipcHandlers.delete(channel);
  },
});
