/**
 * The one window factory. Every window pawcam opens comes from `createWindow`, which fixes the security-relevant
 * web preferences (callers cannot pass any), denies navigation and `window.open`, and hands external http(s) links
 * to the system browser. The mini window is frameless, always on top and keeps the camera's aspect ratio.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, VisibleOnAllWorkspacesOptions, WebContents, WebPreferences } from 'electron';
import { createLogger } from '../../protocol/log.ts';
import { isAppUrl } from './app-scheme.ts';
import type { Bounds } from './settings.ts';

const log = createLogger('windows');

/**
 * Web preferences every window gets, applied last so nothing can override them: the page is isolated from the
 * preload, sandboxed, without Node, with web security on.
 */
export const SECURE_WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
} satisfies WebPreferences);

/**
 * macOS level for the mini window: 'floating' stays above normal windows without covering system UI (menus,
 * dialogs, the screen saver). Windows and Linux/X11 have a single "topmost" layer and ignore the level.
 */
export const MINI_ALWAYS_ON_TOP_LEVEL = 'floating' as const;

/** The mini window follows the user to every workspace and over full-screen apps (macOS), without Dock flicker. */
export const MINI_WORKSPACE_OPTIONS = Object.freeze({ visibleOnFullScreen: true, skipTransformProcessType: true } satisfies VisibleOnAllWorkspacesOptions);

/** Aspect ratio of the mini window until the renderer reports the stream's real one. */
export const DEFAULT_ASPECT_RATIO = 16 / 9;

/** Sizes of each window kind. */
export const WINDOW_SIZES = {
  main: { defaultWidth: 1100, defaultHeight: 720, minWidth: 480, minHeight: 360 },
  mini: { defaultWidth: 384, defaultHeight: 216, minWidth: 192, minHeight: 108 },
} as const;

/** The kinds of window pawcam opens. */
export type WindowKind = keyof typeof WINDOW_SIZES;

/** What a caller may choose about a window (nothing security-relevant). */
export interface WindowSpec {
  kind: WindowKind;
  /** A `pawcam://app/` URL (anything else is refused). */
  url: string;
  /** Absolute path of the bundled preload script. */
  preload: string;
  bounds?: Bounds;
  title?: string;
  /** Window icon (Linux/Windows taskbar). */
  icon?: string;
  /** Mini window only: width / height of the video. */
  aspectRatio?: number;
  /** Show once the first paint is ready (default true; false for the main window launched at login). */
  showWhenReady?: boolean;
}

/** Constructor options for a window of `spec` (pure: the security test reads these). */
export function windowOptions(spec: WindowSpec): BrowserWindowConstructorOptions {
  const size = WINDOW_SIZES[spec.kind];
  const common: BrowserWindowConstructorOptions = {
    title: spec.title ?? 'pawcam',
    show: false,
    minWidth: size.minWidth,
    minHeight: size.minHeight,
    width: spec.bounds?.width ?? size.defaultWidth,
    height: spec.bounds?.height ?? size.defaultHeight,
    ...(spec.bounds ? { x: spec.bounds.x, y: spec.bounds.y } : { center: true }),
    ...(spec.icon ? { icon: spec.icon } : {}),
  };
  const kind: BrowserWindowConstructorOptions =
    spec.kind === 'mini'
      ? {
          frame: false,
          alwaysOnTop: true,
          skipTaskbar: true,
          resizable: true,
          movable: true,
          minimizable: false,
          maximizable: false,
          fullscreenable: false,
          backgroundColor: '#000000',
          hasShadow: true,
        }
      : { backgroundColor: '#1b1b1f', autoHideMenuBar: true };
  return {
    ...common,
    ...kind,
    webPreferences: {
      preload: spec.preload,
      // The main window stays alive hidden in the tray and must keep answering presence pings every 3 s;
      // Chromium's timer throttling of hidden pages (down to once a minute) would mark every camera offline.
      backgroundThrottling: spec.kind === 'mini',
      spellcheck: false,
      ...SECURE_WEB_PREFERENCES,
    },
  };
}

/** Open an external link? Only plain http(s) URLs, and only through the system browser. */
export function isExternalHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** What hardening a page needs. */
export interface HardenDeps {
  openExternal(url: string): Promise<void>;
}

/**
 * Deny every navigation away from the loaded page, every `window.open`, and every `<webview>`; http(s) links the
 * user clicked go to the system browser. Our viewer is a single page, so it never navigates itself.
 */
export function hardenWebContents(contents: WebContents, deps: HardenDeps): void {
  const toBrowser = (url: string): void => {
    if (!isExternalHttpUrl(url)) return;
    deps.openExternal(url).catch((error: unknown) => log.warn('could not open an external link', { error: String(error) }));
  };
  contents.setWindowOpenHandler(({ url }) => {
    log.info('denied window.open', { url: url.slice(0, 200) });
    toBrowser(url);
    return { action: 'deny' };
  });
  contents.on('will-frame-navigate', (event) => {
    if (event.isSameDocument) return;
    log.info('denied a navigation', { url: event.url.slice(0, 200) });
    event.preventDefault();
    if (event.isMainFrame) toBrowser(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}

/** Electron's BrowserWindow constructor (injected; tests pass a fake). */
export type BrowserWindowCtor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

/** What the factory needs. */
export interface WindowFactoryDeps extends HardenDeps {
  BrowserWindow: BrowserWindowCtor;
}

/** Create a window of `spec`: safe preferences, hardened contents, mini-window behaviour, URL loaded. */
export function createWindow(deps: WindowFactoryDeps, spec: WindowSpec): BrowserWindow {
  if (!isAppUrl(spec.url)) throw new Error(`refusing to open a window on ${spec.url}`);
  const win = new deps.BrowserWindow(windowOptions(spec));
  hardenWebContents(win.webContents, deps);
  if (spec.kind === 'mini') {
    win.setAlwaysOnTop(true, MINI_ALWAYS_ON_TOP_LEVEL);
    // skipTransformProcessType: without it macOS turns pawcam into a UI-element app and back on every call, which
    // hides the Dock icon and the main window for a moment (a visible flicker each time the mini window opens).
    win.setVisibleOnAllWorkspaces(true, MINI_WORKSPACE_OPTIONS);
    win.setAspectRatio(spec.aspectRatio ?? DEFAULT_ASPECT_RATIO);
  }
  if (spec.showWhenReady ?? true) win.once('ready-to-show', () => (spec.kind === 'mini' ? win.showInactive() : win.show()));
  win.webContents.on('render-process-gone', (_event, details) => log.error('renderer gone', { kind: spec.kind, reason: details.reason }));
  win.loadURL(spec.url).catch((error: unknown) => log.error('could not load the viewer', { kind: spec.kind, error: String(error) }));
  return win;
}
