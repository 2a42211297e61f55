import { EventEmitter } from 'node:events';
import type { BrowserWindowConstructorOptions, Screen } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppWindows, isSaneAspectRatio } from './app-windows.ts';
import { defaultSettings, type Settings } from './settings.ts';
import {
  DEFAULT_ASPECT_RATIO,
  MINI_ALWAYS_ON_TOP_LEVEL,
  SECURE_WEB_PREFERENCES,
  createWindow,
  windowOptions,
  type BrowserWindowCtor,
  type WindowFactoryDeps,
} from './windows.ts';

type NavEvent = { url: string; isMainFrame: boolean; isSameDocument: boolean; defaultPrevented: boolean; preventDefault(): void };
const navEvent = (url: string, isMainFrame = true, isSameDocument = false): NavEvent => ({
  url,
  isMainFrame,
  isSameDocument,
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

let nextId = 1;
class FakeContents extends EventEmitter {
  readonly id = nextId++;
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  readonly sent: [string, unknown][] = [];
  setWindowOpenHandler(handler: (d: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
}

class FakeWindow extends EventEmitter {
  static created: FakeWindow[] = [];
  readonly webContents = new FakeContents();
  url = '';
  visible = false;
  destroyed = false;
  alwaysOnTop: [boolean, string | undefined] | null = null;
  aspectRatio = 0;
  allWorkspaces = false;
  workspaceOptions: unknown = null;
  minimized = false;
  bounds: { x: number; y: number; width: number; height: number };
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
    FakeWindow.created.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    return Promise.resolve();
  }
  setAlwaysOnTop(flag: boolean, level?: string): void {
    this.alwaysOnTop = [flag, level];
  }
  setVisibleOnAllWorkspaces(flag: boolean, options?: unknown): void {
    this.allWorkspaces = flag;
    this.workspaceOptions = options ?? null;
  }
  minimize(): void {
    this.minimized = true;
  }
  setAspectRatio(ratio: number): void {
    this.aspectRatio = ratio;
  }
  getContentSize(): number[] {
    return [this.bounds.width, this.bounds.height];
  }
  setContentSize(width: number, height: number): void {
    this.bounds = { ...this.bounds, width, height };
  }
  getBounds() {
    return { ...this.bounds };
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  show(): void {
    this.visible = true;
  }
  showInactive(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isFullScreen(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Like Electron: 'close' can be prevented; otherwise the window is destroyed and 'closed' follows. */
  close(): void {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.destroyed = true;
    this.emit('closed');
  }
}

const opened: string[] = [];
const factory: WindowFactoryDeps = {
  BrowserWindow: FakeWindow as unknown as BrowserWindowCtor,
  openExternal: async (url) => void opened.push(url),
};

beforeEach(() => {
  FakeWindow.created = [];
  opened.length = 0;
});

describe('window options', () => {
  it('every kind gets the secure web preferences, and they come last', () => {
    for (const kind of ['main', 'mini'] as const) {
      const prefs = windowOptions({ kind, url: 'pawcam://app/index.html', preload: '/p/preload.cjs' }).webPreferences!;
      expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/p/preload.cjs' });
      expect(prefs).toMatchObject(SECURE_WEB_PREFERENCES);
    }
  });

  it('the mini window is frameless, always on top at the floating level, with the aspect ratio locked', () => {
    const win = createWindow(factory, { kind: 'mini', url: 'pawcam://app/index.html?view=mini', preload: '/p.cjs' }) as unknown as FakeWindow;
    expect(win.options).toMatchObject({ frame: false, alwaysOnTop: true, skipTaskbar: true, resizable: true, movable: true, fullscreenable: false });
    expect(win.alwaysOnTop).toEqual([true, MINI_ALWAYS_ON_TOP_LEVEL]);
    expect(MINI_ALWAYS_ON_TOP_LEVEL).toBe('floating');
    expect(win.aspectRatio).toBeCloseTo(DEFAULT_ASPECT_RATIO);
    expect(win.allWorkspaces).toBe(true);
    expect(win.workspaceOptions).toEqual({ visibleOnFullScreen: true, skipTransformProcessType: true });
    expect(win.url).toBe('pawcam://app/index.html?view=mini');
  });

  it('the main window has a frame and is not on top; the hidden main viewer is not throttled', () => {
    const options = windowOptions({ kind: 'main', url: 'pawcam://app/index.html', preload: '/p.cjs' });
    expect(options.frame).toBeUndefined();
    expect(options.alwaysOnTop).toBeUndefined();
    expect(options.webPreferences?.backgroundThrottling).toBe(false);
  });

  it('refuses to open anything but our own pages', () => {
    expect(() => createWindow(factory, { kind: 'main', url: 'https://example.com/', preload: '/p.cjs' })).toThrow(/refusing/);
    expect(() => createWindow(factory, { kind: 'main', url: 'file:///etc/passwd', preload: '/p.cjs' })).toThrow(/refusing/);
    expect(FakeWindow.created).toHaveLength(0);
  });
});

describe('navigation hardening', () => {
  const make = () => createWindow(factory, { kind: 'main', url: 'pawcam://app/index.html', preload: '/p.cjs' }) as unknown as FakeWindow;

  it('denies window.open, sending http(s) links to the system browser only', () => {
    const win = make();
    expect(win.webContents.openHandler!({ url: 'https://example.com/help' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'pawcam://app/index.html' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.com/help']);
  });

  it('denies every cross-document navigation, of any frame, and every webview', () => {
    const win = make();
    for (const url of ['https://evil.example/', 'pawcam://app/other.html', 'file:///etc/passwd']) {
      const event = navEvent(url);
      win.webContents.emit('will-frame-navigate', event);
      expect(event.defaultPrevented, url).toBe(true);
    }
    const sub = navEvent('https://ads.example/', false);
    win.webContents.emit('will-frame-navigate', sub);
    expect(sub.defaultPrevented).toBe(true);
    expect(opened).toEqual(['https://evil.example/']);

    const inPage = navEvent('pawcam://app/index.html#settings', true, true);
    win.webContents.emit('will-frame-navigate', inPage);
    expect(inPage.defaultPrevented).toBe(false);

    const redirect = navEvent('https://evil.example/');
    win.webContents.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);

    const webview = navEvent('');
    win.webContents.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);
  });
});

describe('AppWindows', () => {
  let settings: Settings;
  let quitting = false;
  const screen = {
    getPrimaryDisplay: () => ({ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }),
    getAllDisplays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
  } as unknown as Pick<Screen, 'getAllDisplays' | 'getPrimaryDisplay'>;
  const store = {
    get: () => settings,
    update: async (change: Partial<Settings> | ((s: Settings) => Partial<Settings>)) => {
      settings = { ...settings, ...(typeof change === 'function' ? change(settings) : change) };
      return settings;
    },
  };
  const make = () => new AppWindows({ factory, preload: '/p.cjs', screen, settings: store, isQuitting: () => quitting, saveDelayMs: 10 });

  beforeEach(() => {
    settings = defaultSettings();
    quitting = false;
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('knows its windows by WebContents id, and forgets closed ones', () => {
    const windows = make();
    windows.showMain();
    windows.openMini('cam-1');
    const [main, mini] = FakeWindow.created as [FakeWindow, FakeWindow];
    expect(windows.windowFor(main.webContents.id)?.kind).toBe('main');
    expect(windows.windowFor(mini.webContents.id)).toMatchObject({ kind: 'mini', cameraId: 'cam-1' });
    expect(windows.windowFor(9999)).toBeUndefined();
    mini.close();
    expect(windows.windowFor(mini.webContents.id)).toBeUndefined();
  });

  it('closing the main window hides it (the app stays in the tray) unless quitting', () => {
    const windows = make();
    windows.showMain();
    const main = FakeWindow.created[0]!;
    main.visible = true;
    main.close();
    expect(main.destroyed).toBe(false);
    expect(main.visible).toBe(false);
    expect(windows.windowFor(main.webContents.id)).toBeDefined();
    quitting = true;
    main.close();
    expect(main.destroyed).toBe(true);
  });

  it('opens one mini window and switches it between cameras', () => {
    const windows = make();
    windows.openMini('cam-1');
    windows.openMini('cam-2');
    expect(FakeWindow.created).toHaveLength(1);
    expect(FakeWindow.created[0]!.url).toBe('pawcam://app/index.html?view=mini&camera=cam-2');
    expect(windows.windowFor(FakeWindow.created[0]!.webContents.id)?.cameraId).toBe('cam-2');
  });

  it('restores the mini window where it was, and saves where it is moved', async () => {
    settings = { ...settings, windows: { ...settings.windows, mini: { lastDisplayId: '1', byDisplay: { '1': { x: 1500, y: 800, width: 400, height: 225 } } } } };
    const windows = make();
    windows.openMini('cam-1');
    const mini = FakeWindow.created[0]!;
    expect(mini.options).toMatchObject({ x: 1500, y: 800, width: 400, height: 225 });
    mini.bounds = { x: 100, y: 50, width: 320, height: 180 };
    // 'move' is what every platform emits ('moved' is macOS/Windows only, so Linux never saved before close).
    mini.emit('move');
    await vi.advanceTimersByTimeAsync(20);
    expect(settings.windows.mini).toEqual({ lastDisplayId: '1', byDisplay: { '1': { x: 100, y: 50, width: 320, height: 180 } } });
  });

  it('on Linux, saves placement while the window stays open: once after a drag or resize settles, not per event', async () => {
    const windows = make();
    windows.showMain();
    const main = FakeWindow.created[0]!;
    let writes = 0;
    const update = store.update;
    store.update = async (change) => {
      writes++;
      return update(change);
    };
    try {
      for (let step = 0; step < 30; step++) {
        main.bounds = { x: 10 + step * 5, y: 20, width: 900 + step, height: 600 };
        main.emit(step % 2 === 0 ? 'move' : 'resize');
        await vi.advanceTimersByTimeAsync(5);
      }
      expect(writes).toBe(0);
      await vi.advanceTimersByTimeAsync(20);
      expect(writes).toBe(1);
      expect(settings.windows.main.byDisplay['1']).toEqual({ x: 155, y: 20, width: 929, height: 600 });
      expect(main.destroyed).toBe(false);
    } finally {
      store.update = update;
    }
  });

  it('without a tray, closing the main window minimizes it (pawcam stays reachable) instead of hiding it', () => {
    const windows = make();
    windows.setTrayless(true);
    windows.showMain();
    const main = FakeWindow.created[0]!;
    main.visible = true;
    main.close();
    expect(main.destroyed).toBe(false);
    expect(main.visible).toBe(true);
    expect(main.minimized).toBe(true);
    main.minimized = false;
    windows.closeFor(main.webContents.id);
    expect(main.minimized).toBe(true);
    expect(main.visible).toBe(true);
  });

  it('never restores a mini window off-screen', () => {
    settings = { ...settings, windows: { ...settings.windows, mini: { lastDisplayId: '1', byDisplay: { '1': { x: 5000, y: -3000, width: 400, height: 225 } } } } };
    make().openMini('cam-1');
    expect(FakeWindow.created[0]!.options).toMatchObject({ x: 1520, y: 0, width: 400, height: 225 });
  });

  it('routes commands: watch to the shown main window, snapshot to the mini window showing that camera', () => {
    const windows = make();
    windows.showMain(false);
    windows.openMini('cam-1');
    const [main, mini] = FakeWindow.created as [FakeWindow, FakeWindow];
    windows.send({ type: 'watch', cameraId: 'cam-2' });
    // Not loaded yet: queued, then delivered on load.
    expect(main.webContents.sent).toEqual([]);
    main.webContents.emit('did-finish-load');
    mini.webContents.emit('did-finish-load');
    expect(main.webContents.sent).toEqual([['viewer:command', { type: 'watch', cameraId: 'cam-2' }]]);
    expect(main.visible).toBe(true);

    windows.send({ type: 'snapshot', cameraId: 'cam-1' });
    windows.send({ type: 'snapshot' });
    expect(mini.webContents.sent).toEqual([
      ['viewer:command', { type: 'snapshot', cameraId: 'cam-1' }],
      ['viewer:command', { type: 'snapshot', cameraId: 'cam-1' }],
    ]);
    windows.send({ type: 'snapshot', cameraId: 'cam-3' });
    expect(main.webContents.sent.at(-1)).toEqual(['viewer:command', { type: 'snapshot', cameraId: 'cam-3' }]);
  });

  it('a clicked event notification shows the main window (opening it if need be) and tells it which event', () => {
    const windows = make();
    windows.send({ type: 'open-event', cameraId: 'cam-1', eventId: '00000000000000a1', at: 1_800_000_000_000 });
    const [main] = FakeWindow.created as [FakeWindow];
    main.emit('ready-to-show');
    main.webContents.emit('did-finish-load');
    expect(main.visible).toBe(true);
    expect(main.webContents.sent).toEqual([['viewer:command', { type: 'open-event', cameraId: 'cam-1', eventId: '00000000000000a1', at: 1_800_000_000_000 }]]);
  });

  it('refuses malformed commands', () => {
    const windows = make();
    windows.showMain();
    FakeWindow.created[0]!.webContents.emit('did-finish-load');
    windows.send({ type: 'watch', cameraId: '../../x' });
    expect(FakeWindow.created[0]!.webContents.sent).toEqual([]);
  });

  it('window:close hides main and closes mini; aspect ratio applies to the mini window only', () => {
    const windows = make();
    windows.showMain();
    windows.openMini('cam-1');
    const [main, mini] = FakeWindow.created as [FakeWindow, FakeWindow];
    windows.setAspectRatio(mini.webContents.id, 9 / 16);
    expect(mini.aspectRatio).toBeCloseTo(9 / 16);
    expect(mini.bounds.width / mini.bounds.height).toBeCloseTo(9 / 16, 1);
    windows.setAspectRatio(main.webContents.id, 2);
    expect(main.aspectRatio).toBe(0);
    windows.setAspectRatio(mini.webContents.id, Number.NaN);
    expect(mini.aspectRatio).toBeCloseTo(9 / 16);
    main.visible = true;
    windows.closeFor(main.webContents.id);
    windows.closeFor(mini.webContents.id);
    expect(main.visible).toBe(false);
    expect(main.destroyed).toBe(false);
    expect(mini.destroyed).toBe(true);
    expect(isSaneAspectRatio(100)).toBe(false);
  });
});
