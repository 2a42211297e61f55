/**
 * pawcam's windows: the main viewer window (closing it hides it — the app lives in the tray and the hidden viewer
 * keeps reporting camera states) and the always-on-top mini window for one camera. Knows which WebContents are
 * ours (the IPC gate and permission handlers ask), remembers placement per display, and routes commands from the
 * tray and shortcuts to the right viewer.
 */
import type { BrowserWindow, Screen } from 'electron';
import { ViewerCommandSchema, ipcEvents, type ViewerCommand } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';
import { parseWith } from '../../protocol/schema.ts';
import { rememberBounds, restoreBounds, type DisplayArea } from './bounds.ts';
import { appUrl } from './app-scheme.ts';
import type { Settings, SettingsStore } from './settings.ts';
import { DEFAULT_ASPECT_RATIO, WINDOW_SIZES, createWindow, type WindowFactoryDeps, type WindowKind } from './windows.ts';

const log = createLogger('app-windows');

/** One of our windows, as the IPC gate sees it. */
export interface OurWindow {
  kind: WindowKind;
  win: BrowserWindow;
  /** Mini window: the camera it shows. */
  cameraId?: string;
}

interface Tracked extends OurWindow {
  ready: boolean;
  pending: ViewerCommand[];
}

/** Collaborators of the window manager. */
export interface AppWindowsDeps {
  factory: WindowFactoryDeps;
  /** Absolute path of the bundled preload. */
  preload: string;
  icon?: string;
  screen: Pick<Screen, 'getAllDisplays' | 'getPrimaryDisplay'>;
  settings: Pick<SettingsStore, 'get' | 'update'>;
  /** True once the user chose Quit (then closing the main window really closes it). */
  isQuitting(): boolean;
  /** Delay before saving placement after a move/resize. */
  saveDelayMs?: number;
}

/** The displays as placement wants them. */
export function displayAreas(screen: Pick<Screen, 'getAllDisplays' | 'getPrimaryDisplay'>): DisplayArea[] {
  const primaryId = screen.getPrimaryDisplay().id;
  return screen.getAllDisplays().map((d) => ({ id: String(d.id), workArea: { ...d.workArea }, primary: d.id === primaryId }));
}

/** Aspect ratios the mini window accepts (a sane range for any camera, portrait or landscape). */
export function isSaneAspectRatio(ratio: number): boolean {
  return Number.isFinite(ratio) && ratio >= 0.25 && ratio <= 4;
}

/** Owns pawcam's windows. */
export class AppWindows {
  readonly #deps: AppWindowsDeps;
  readonly #byContentsId = new Map<number, Tracked>();
  #main: Tracked | null = null;
  #mini: Tracked | null = null;
  #trayless = false;

  constructor(deps: AppWindowsDeps) {
    this.#deps = deps;
  }

  /**
   * There is no tray to bring pawcam back from (GNOME without the AppIndicator extension): closing the main window
   * then minimizes it instead of hiding it, so pawcam stays reachable from the taskbar/dock.
   */
  setTrayless(trayless: boolean): void {
    this.#trayless = trayless;
  }

  /** True when closing the main window minimizes it (no tray). */
  get trayless(): boolean {
    return this.#trayless;
  }

  /** The window whose page sent an IPC message, if it is one of ours. */
  windowFor(webContentsId: number): OurWindow | undefined {
    return this.#byContentsId.get(webContentsId);
  }

  /** Every open window of ours. */
  all(): OurWindow[] {
    return [...this.#byContentsId.values()];
  }

  /** Create the main window (hidden when `show` is false, e.g. launched at login) or show the existing one. */
  showMain(show = true): BrowserWindow {
    let main = this.#main;
    if (!main) {
      main = this.#open('main', appUrl(), show);
      this.#main = main;
      main.win.on('close', (event) => {
        if (this.#deps.isQuitting()) return;
        // The app lives in the tray: closing the window hides it, so presence keeps running for the tray.
        event.preventDefault();
        if (main) this.#putAway(main.win);
      });
      main.win.on('closed', () => {
        this.#main = null;
      });
    } else if (show) {
      if (main.win.isMinimized()) main.win.restore();
      main.win.show();
      main.win.focus();
    }
    return main.win;
  }

  /** Open the mini window on `cameraId` (or switch the open one to it). */
  openMini(cameraId: string): BrowserWindow {
    const url = appUrl({ view: 'mini', camera: cameraId });
    const mini = this.#mini;
    if (mini && !mini.win.isDestroyed()) {
      if (mini.cameraId !== cameraId) {
        mini.cameraId = cameraId;
        mini.ready = false;
        mini.win.loadURL(url).catch((error: unknown) => log.error('could not load the mini window', { error: String(error) }));
      }
      mini.win.showInactive();
      return mini.win;
    }
    const opened = this.#open('mini', url, true, cameraId);
    this.#mini = opened;
    opened.win.on('closed', () => {
      if (this.#mini === opened) this.#mini = null;
    });
    return opened.win;
  }

  /** `window:close` from a page: the mini window closes, the main window hides. */
  closeFor(webContentsId: number): void {
    const tracked = this.#byContentsId.get(webContentsId);
    if (!tracked) return;
    if (tracked.kind === 'main') this.#putAway(tracked.win);
    else tracked.win.close();
  }

  #putAway(win: BrowserWindow): void {
    if (this.#trayless) win.minimize();
    else win.hide();
  }

  /** Lock the mini window to the stream's aspect ratio. */
  setAspectRatio(webContentsId: number, ratio: number): void {
    const tracked = this.#byContentsId.get(webContentsId);
    if (!tracked || tracked.kind !== 'mini' || !isSaneAspectRatio(ratio)) return;
    tracked.win.setAspectRatio(ratio);
    const [width = 0, height = 0] = tracked.win.getContentSize();
    if (width > 0 && height > 0 && Math.abs(width / height - ratio) > 0.01) {
      tracked.win.setContentSize(width, Math.max(1, Math.round(width / ratio)));
    }
  }

  /**
   * Deliver a command from the tray, a shortcut or a notification: Watch, Settings and an event go to the main window
   * (shown); Snapshot goes to the mini window when it shows that camera, else to the main viewer.
   */
  send(command: ViewerCommand): void {
    const parsed = parseWith(ViewerCommandSchema, command);
    if (!parsed.ok) {
      log.error('refused to send a malformed command', { error: parsed.error });
      return;
    }
    switch (command.type) {
      case 'watch':
      case 'open-settings':
      case 'open-event':
        this.showMain();
        this.#deliver(this.#main, command);
        return;
      case 'snapshot': {
        const mini = this.#mini;
        if (mini && (command.cameraId === undefined || command.cameraId === mini.cameraId)) {
          this.#deliver(mini, { type: 'snapshot', cameraId: mini.cameraId });
          return;
        }
        this.showMain(false);
        this.#deliver(this.#main, command);
        return;
      }
    }
  }

  #deliver(target: Tracked | null, command: ViewerCommand): void {
    if (!target || target.win.isDestroyed()) return;
    if (!target.ready) {
      target.pending.push(command);
      return;
    }
    target.win.webContents.send(ipcEvents.onCommand.channel, command);
  }

  #open(kind: WindowKind, url: string, show: boolean, cameraId?: string): Tracked {
    const settings = this.#deps.settings.get();
    const restored = restoreBounds(settings.windows[kind], displayAreas(this.#deps.screen), WINDOW_SIZES[kind]);
    const win = createWindow(this.#deps.factory, {
      kind,
      url,
      preload: this.#deps.preload,
      bounds: restored?.bounds,
      icon: this.#deps.icon,
      title: kind === 'mini' ? 'pawcam mini' : 'pawcam',
      aspectRatio: DEFAULT_ASPECT_RATIO,
      showWhenReady: show,
    });
    const contentsId = win.webContents.id;
    const tracked: Tracked = { kind, win, cameraId, ready: false, pending: [] };
    this.#byContentsId.set(contentsId, tracked);

    win.webContents.on('did-finish-load', () => {
      tracked.ready = true;
      for (const command of tracked.pending.splice(0)) win.webContents.send(ipcEvents.onCommand.channel, command);
    });
    win.webContents.on('did-start-loading', () => {
      tracked.ready = false;
    });

    let timer: ReturnType<typeof setTimeout> | null = null;
    const save = (): void => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
      const bounds = kind === 'main' ? win.getNormalBounds() : win.getBounds();
      this.#savePlacement(kind, (placement) => rememberBounds(placement, bounds, displayAreas(this.#deps.screen)));
    };
    const saveSoon = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, this.#deps.saveDelayMs ?? 500);
    };
    // 'move' and 'resize', not 'moved'/'resized': those two exist only on macOS and Windows, so on Linux the
    // placement was saved only on close (and lost when the session ended with pawcam in the tray). They fire
    // continuously while dragging, hence the debounce.
    win.on('move', saveSoon);
    win.on('resize', saveSoon);
    win.on('close', save);
    win.on('closed', () => {
      if (timer) clearTimeout(timer);
      this.#byContentsId.delete(contentsId);
    });
    return tracked;
  }

  #savePlacement(kind: WindowKind, change: (placement: Settings['windows'][WindowKind]) => Settings['windows'][WindowKind]): void {
    this.#deps.settings
      .update((s) => ({ windows: { ...s.windows, [kind]: change(s.windows[kind]) } }))
      .catch((error: unknown) => log.warn('could not save window placement', { kind, error: String(error) }));
  }
}

/** Create the window manager (windows open when `showMain`/`openMini` are called). */
export function setupWindows(deps: AppWindowsDeps): AppWindows {
  return new AppWindows(deps);
}
