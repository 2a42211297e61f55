/**
 * The tray: pawcam lives here. The menu is a pure function of the camera states the viewer reports
 * (`cameras:report-states`): per camera Watch / Mini window / Snapshot, then Open pawcam, Settings, Start at login
 * and Quit. The icon switches to its offline variant while any camera is offline. Events nobody has looked at yet
 * are counted at the top of the menu and in the tooltip.
 */
import type { Menu as ElectronMenu, MenuItemConstructorOptions, NativeImage, Tray as ElectronTray } from 'electron';
import type { CameraState } from '../../protocol/ipc.ts';
import { missingCase } from '../../protocol/errors.ts';

/** A camera as the tray shows it. */
export interface TrayCamera {
  id: string;
  name: string;
  state: CameraState;
}

/** What the tray's items do. */
export interface TrayActions {
  watch(cameraId: string): void;
  openMini(cameraId: string): void;
  snapshot(cameraId: string): void;
  openMain(): void;
  openSettings(): void;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

/** The human word for a state. */
export function stateLabel(state: CameraState): string {
  switch (state) {
    case 'online':
      return 'online';
    case 'offline':
      return 'offline';
    case 'watching':
      return 'watching';
    case 'unknown':
      return 'connecting…';
    default:
      return missingCase(state);
  }
}

// On Windows and Linux a single '&' in a label marks a keyboard mnemonic and disappears.
const escapeLabel = (text: string): string => text.replace(/&/g, '&&');

/** "3 new events" (null for none). */
export function unseenLabel(unseen: number): string | null {
  if (unseen <= 0) return null;
  return unseen === 1 ? '1 new event' : `${unseen} new events`;
}

/** The tray menu for these cameras (pure; the test reads it). `unseen`: events nobody has looked at yet. */
export function trayMenuTemplate(cameras: readonly TrayCamera[], options: { startAtLogin: boolean; unseen?: number }, actions: TrayActions): MenuItemConstructorOptions[] {
  const news = unseenLabel(options.unseen ?? 0);
  const newsItems: MenuItemConstructorOptions[] = news ? [{ id: 'unseen', label: `${news} — open pawcam`, click: () => actions.openMain() }, { type: 'separator' }] : [];
  const cameraItems: MenuItemConstructorOptions[] =
    cameras.length === 0
      ? [{ id: 'no-cameras', label: 'No cameras yet — add one in pawcam', enabled: false }]
      : cameras.map((camera) => {
          const reachable = camera.state === 'online' || camera.state === 'watching';
          return {
            id: `camera:${camera.id}`,
            label: `${escapeLabel(camera.name)} — ${stateLabel(camera.state)}`,
            submenu: [
              { id: `watch:${camera.id}`, label: 'Watch', enabled: camera.state !== 'offline', click: () => actions.watch(camera.id) },
              { id: `mini:${camera.id}`, label: 'Mini window', enabled: camera.state !== 'offline', click: () => actions.openMini(camera.id) },
              { id: `snapshot:${camera.id}`, label: 'Snapshot', enabled: reachable, click: () => actions.snapshot(camera.id) },
            ],
          };
        });
  return [
    ...newsItems,
    ...cameraItems,
    { type: 'separator' },
    { id: 'open', label: 'Open pawcam', click: () => actions.openMain() },
    { id: 'settings', label: 'Settings…', click: () => actions.openSettings() },
    { id: 'login', label: 'Start at login', type: 'checkbox', checked: options.startAtLogin, click: (item) => actions.setStartAtLogin(item.checked) },
    { type: 'separator' },
    { id: 'quit', label: 'Quit pawcam', click: () => actions.quit() },
  ];
}

/** Which icon: 'offline' while any camera is offline. */
export function trayIconVariant(cameras: readonly TrayCamera[]): 'normal' | 'offline' {
  return cameras.some((c) => c.state === 'offline') ? 'offline' : 'normal';
}

/** The tooltip: a one-line summary. */
export function trayTooltip(cameras: readonly TrayCamera[], unseen = 0): string {
  const news = unseenLabel(unseen);
  if (cameras.length === 0) return news ? `pawcam — ${news}` : 'pawcam';
  const offline = cameras.filter((c) => c.state === 'offline').length;
  const online = cameras.filter((c) => c.state === 'online' || c.state === 'watching').length;
  const parts = [`${online} online`];
  if (offline > 0) parts.push(`${offline} offline`);
  if (news) parts.push(news);
  return `pawcam — ${parts.join(', ')}`;
}

/** Electron pieces the tray needs. */
export interface TrayDeps {
  Tray: new (image: NativeImage) => ElectronTray;
  buildMenu: (template: MenuItemConstructorOptions[]) => ElectronMenu;
  icons: { normal: NativeImage; offline: NativeImage };
  actions: TrayActions;
  startAtLogin: () => boolean;
  /** Cameras known before the viewer reports (from settings), shown as 'unknown'. */
  initialCameras: readonly { id: string; name: string }[];
}

/** The live tray. */
export interface PawcamTray {
  /** New states from the viewer. */
  update(cameras: readonly TrayCamera[]): void;
  /** How many events nobody has looked at yet. */
  setUnseen(count: number): void;
  /** Rebuild (e.g. Start at login changed). */
  refresh(): void;
  destroy(): void;
}

/** Create the tray icon and its menu. The returned object must stay referenced (a collected Tray disappears). */
export function setupTray(deps: TrayDeps): PawcamTray {
  let cameras: readonly TrayCamera[] = deps.initialCameras.map((c) => ({ id: c.id, name: c.name, state: 'unknown' as const }));
  let variant: 'normal' | 'offline' = 'normal';
  let unseen = 0;
  const tray = new deps.Tray(deps.icons.normal);
  // Left click on Windows (and Linux where supported) opens the window; the menu is on right click.
  tray.on('click', () => deps.actions.openMain());
  const render = (): void => {
    // Linux (AppIndicator) shows menu changes only when the menu is set again.
    tray.setContextMenu(deps.buildMenu(trayMenuTemplate(cameras, { startAtLogin: deps.startAtLogin(), unseen }, deps.actions)));
    tray.setToolTip(trayTooltip(cameras, unseen));
    const next = trayIconVariant(cameras);
    if (next !== variant) {
      variant = next;
      tray.setImage(deps.icons[next]);
    }
  };
  render();
  return {
    update(next) {
      cameras = next.map((c) => ({ ...c }));
      render();
    },
    setUnseen(count) {
      if (count === unseen) return;
      unseen = count;
      render();
    },
    refresh: render,
    destroy: () => tray.destroy(),
  };
}
