/** Where the running app finds its files, in development (`npm start`) and packaged (app.asar + resources). */
import { join } from 'node:path';

/** electron-builder's appId; also the Windows AppUserModelID, without which Windows shows no notifications. */
export const APP_ID = 'app.pawcam.desktop';

/** The files main loads. */
export interface AppPaths {
  /** The built viewer served on pawcam://app/. */
  viewerRoot: string;
  /** The bundled preload (CommonJS, for the sandbox). */
  preload: string;
  /** Tray and window icons (packaged: copied by electron-builder's extraResources). */
  icons: string;
}

/** Paths from Electron's `app.getAppPath()`, `app.isPackaged` and `process.resourcesPath`. */
export function appPaths(options: { appPath: string; isPackaged: boolean; resourcesPath: string }): AppPaths {
  return {
    viewerRoot: join(options.appPath, 'dist', 'viewer'),
    preload: join(options.appPath, 'dist', 'preload', 'preload.cjs'),
    icons: options.isPackaged ? join(options.resourcesPath, 'icons') : join(options.appPath, 'build', 'runtime'),
  };
}

/** The icon files in `icons` (`@2x` variants sit beside them and are picked up by nativeImage). */
export const ICON_FILES = {
  tray: 'tray.png',
  trayOffline: 'tray-offline.png',
  /** macOS menu bar: black + alpha. nativeImage makes a file named `…Template` a template image, tinted by macOS. */
  trayTemplate: 'trayTemplate.png',
  trayOfflineTemplate: 'tray-offlineTemplate.png',
  app: 'pawcam.png',
} as const;

/** The tray's icon files on `platform`: template images in the macOS menu bar, the coloured paw elsewhere. */
export function trayIconFiles(platform: NodeJS.Platform): { normal: string; offline: string } {
  return platform === 'darwin'
    ? { normal: ICON_FILES.trayTemplate, offline: ICON_FILES.trayOfflineTemplate }
    : { normal: ICON_FILES.tray, offline: ICON_FILES.trayOffline };
}
