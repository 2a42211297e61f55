/**
 * pawcam's Electron main process: the only module that imports Electron at run time. It picks the display backend
 * (which may mean starting again), takes the single-instance lock, then calls each feature's setup in order, handing
 * it the Electron pieces it needs.
 */
import { BrowserWindow, Menu, Notification, Tray, app, dialog, globalShortcut, ipcMain, nativeImage, protocol, safeStorage, screen, session, shell } from 'electron';
import { execFile, spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lanAddresses, startServer } from '../../peer-server/index.ts';
import { createLogger } from '../../protocol/log.ts';
import { createIpcHandlers, createTrayActions } from './app-handlers.ts';
import { appSchemePrivileges, contentSecurityPolicy, serverConnectSources, setupAppProtocol } from './app-scheme.ts';
import { setupWindows, type AppWindows } from './app-windows.ts';
import { setupServer } from './embedded-server.ts';
import { clipsFolder, defaultClipsFolder, detectionSettingsFor, reportPresence, setupDesktopEvents } from './events/desktop-events.ts';
import type { EventsService } from './events/setup-events.ts';
import { setupIpc } from './ipc.ts';
import { acquireSingleInstance, setupLifecycle } from './lifecycle.ts';
import { HIDDEN_FLAG, launchedAtLogin, setStartAtLogin, setupLoginItem, type LoginItemDeps } from './login-item.ts';
import { PresenceNotifier, presenceMessage, setupNotifications } from './notifications.ts';
import { setupPairKeys } from './pair-keys.ts';
import { APP_ID, ICON_FILES, appPaths, trayIconFiles } from './paths.ts';
import { setupPermissions } from './permissions.ts';
import { setupDisplayBackend } from './platform.ts';
import { relaunchPlan, scheduleRelaunch } from './relaunch.ts';
import { serverInfo } from './server-info.ts';
import { setupSettings } from './settings.ts';
import { setupSnapshotShortcut } from './shortcuts.ts';
import { setupSnapshots } from './snapshots.ts';
import { busNameHasOwner, needsTrayProbe, setupTrayFallback, trayAvailability } from './tray-availability.ts';
import { setupTray } from './tray.ts';
import { createViewerSettings } from './viewer-settings.ts';

const log = createLogger('main');

let windows: AppWindows | null = null;

// First of all, before ready: on Wayland, start again under XWayland (the backend cannot be switched from here).
if (setupDisplayBackend({ app, spawn, env: process.env, platform: process.platform, argv: process.argv, execPath: process.execPath, pid: process.pid }) === 'continue') {
  protocol.registerSchemesAsPrivileged([appSchemePrivileges()]);
  if (!acquireSingleInstance(app, () => windows?.showMain())) {
    app.quit();
  } else {
    app
      .whenReady()
      .then(start)
      .catch((error: unknown) => {
        log.error('pawcam could not start', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        app.exit(1);
      });
  }
}

async function start(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  // Asked now, answered while settings and the server start: is there a tray to live in (GNOME without AppIndicator)?
  const trayHost = needsTrayProbe(process.platform, process.env) ? busNameHasOwner(promisify(execFile)) : Promise.resolve(null);
  const paths = appPaths({ appPath: app.getAppPath(), isPackaged: app.isPackaged, resourcesPath: process.resourcesPath });
  const icon = (file: string): string => join(paths.icons, file);
  const notifier = setupNotifications({ Notification, icon: icon(ICON_FILES.app) });

  const settings = await setupSettings({
    userDataDir: app.getPath('userData'),
    onNotice: (body) => notifier.show({ title: 'pawcam settings were reset', body }),
  });

  const pairKeys = await setupPairKeys({
    userDataDir: app.getPath('userData'),
    safeStorage,
    platform: process.platform,
    notify: (message) => notifier.show(message),
  });

  const server = await setupServer({
    remoteUrl: settings.get().serverUrl,
    remoteFingerprint: settings.get().serverFingerprint,
    remoteOwner: settings.get().serverOwner,
    startServer,
    dataDir: join(app.getPath('userData'), 'server'),
    session: session.defaultSession,
  });
  if (server.error) notifier.show({ title: 'pawcam could not start its server', body: server.error });

  setupAppProtocol({
    protocol,
    root: paths.viewerRoot,
    csp: () => contentSecurityPolicy(serverConnectSources(server.url)),
    // The timeline's thumbnails and clips, from wherever the clips folder is now (a setting).
    clipsDir: () => clipsFolder(settings.get(), () => app.getPath('videos'), app.getPath('userData')),
  });

  let lifecycleQuitting = (): boolean => false;
  windows = setupWindows({
    factory: { BrowserWindow, openExternal: (url) => shell.openExternal(url) },
    preload: paths.preload,
    icon: icon(ICON_FILES.app),
    screen,
    settings,
    isQuitting: () => lifecycleQuitting(),
  });
  const ourWindows = windows;
  setupPermissions({ session: session.defaultSession, isOurWebContents: (id) => ourWindows.windowFor(id) !== undefined });

  const snapshots = setupSnapshots({
    getFolder: () => settings.get().snapshotFolder,
    desktopDir: app.getPath('desktop'),
    notifier: {
      saved: (path) => notifier.show({ title: 'Snapshot saved', body: path, onClick: () => shell.showItemInFolder(path) }),
      failed: (message) => notifier.show({ title: 'Snapshot not saved', body: message }),
    },
  });

  const loginDeps: LoginItemDeps = {
    platform: process.platform,
    app,
    env: process.env,
    homeDir: homedir(),
    execPath: process.execPath,
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
  };

  const shortcut = setupSnapshotShortcut({
    globalShortcut,
    accelerator: settings.get().shortcuts.snapshot,
    onSnapshot: () => ourWindows.send({ type: 'snapshot' }),
    onUnavailable: (accelerator) =>
      notifier.show({ title: 'Snapshot shortcut unavailable', body: `${accelerator} is used by another app. Choose another one in Settings.` }),
  });

  const presence = new PresenceNotifier({
    notify: (change) => {
      if (settings.get().notifications) notifier.show({ ...presenceMessage(change), onClick: () => ourWindows.showMain() });
    },
  });

  let events: EventsService | null = null;
  const lifecycle = setupLifecycle({
    app,
    onActivate: () => ourWindows.showMain(),
    cleanup: async () => {
      shortcut.dispose();
      presence.dispose();
      events?.close();
      await Promise.allSettled([server.close(), settings.flush(), pairKeys.flush()]);
    },
  });
  lifecycleQuitting = lifecycle.isQuitting;

  const trayIcons = trayIconFiles(process.platform);
  const tray = setupTray({
    Tray,
    buildMenu: (template) => Menu.buildFromTemplate(template),
    icons: { normal: nativeImage.createFromPath(icon(trayIcons.normal)), offline: nativeImage.createFromPath(icon(trayIcons.offline)) },
    actions: createTrayActions({
      windows: ourWindows,
      setStartAtLogin: async (enabled) => {
        await setStartAtLogin(enabled, loginDeps);
        await settings.update({ startAtLogin: enabled });
      },
      quit: () => lifecycle.quit(),
    }),
    startAtLogin: () => settings.get().startAtLogin,
    initialCameras: settings.get().cameras,
  });

  // Without its index (a damaged disk, say) pawcam still runs; the cameras keep their events until it can store them.
  events = await setupDesktopEvents({
    settings,
    userDataDir: app.getPath('userData'),
    videosDir: () => app.getPath('videos'),
    notifier,
    // The main window opens that camera's timeline on the event's day, with the event selected.
    showEvent: (cameraId, eventId, at) => ourWindows.send({ type: 'open-event', cameraId, eventId, at }),
    onUnseen: (total) => tray.setUnseen(total),
  }).catch((error: unknown) => {
    log.error('could not open the events index', { error: String(error) });
    notifier.show({ title: 'pawcam cannot keep camera events', body: 'Your cameras keep them until pawcam can. Details are in its log.' });
    return null;
  });
  const eventStore = events;

  settings.onChange((next, previous) => {
    if (next.startAtLogin !== previous.startAtLogin || next.cameras !== previous.cameras) tray.refresh();
  });

  const viewerSettings = createViewerSettings({
    settings,
    applyShortcut: (accelerator) => shortcut.update(accelerator),
    applyStartAtLogin: (enabled) => setStartAtLogin(enabled, loginDeps),
    onRestartNeeded: () =>
      notifier.show({
        title: 'Restart pawcam to use the new server',
        body: 'Server settings take effect when pawcam starts. Click to restart now.',
        onClick: () => {
          // The user asked for this restart: the new process shows its window even if this one started at login.
          const plan = relaunchPlan({ env: process.env, execPath: process.execPath, argv: process.argv, pid: process.pid, dropArgs: [HIDDEN_FLAG] });
          if (scheduleRelaunch(plan, { app, spawn })) lifecycle.quit();
          else notifier.show({ title: 'pawcam could not restart itself', body: 'Quit pawcam from the tray and start it again to use the new server.' });
        },
      }),
    showOpenDialog: (parent, options) => dialog.showOpenDialog(parent, options),
    defaultSnapshotFolder: app.getPath('desktop'),
    defaultClipsFolder: defaultClipsFolder(() => app.getPath('videos'), app.getPath('userData')),
    // New limits apply at once rather than at the next nightly run (the Settings screen says so).
    onRetentionChange: () => void eventStore?.runRetention().catch((error: unknown) => log.warn('retention failed', { error: String(error) })),
  });

  setupIpc({
    ipcMain,
    windows: ourWindows,
    handlers: createIpcHandlers({
      settings,
      serverUrl: () => server.url,
      serverOwner: () => server.owner,
      serverInfo: () => serverInfo(server, lanAddresses()),
      windows: ourWindows,
      snapshots,
      pairKeys,
      viewerSettings,
      onCameraStates: (states) => {
        tray.update(states);
        presence.report(states);
        if (eventStore) reportPresence(eventStore, states);
      },
      openExternal: (url) => shell.openExternal(url),
      events: eventStore,
      detectionSettings: (cameraId) => detectionSettingsFor(settings.get(), cameraId),
      openPath: (path) => shell.openPath(path),
    }),
  });

  await setupLoginItem({ ...loginDeps, enabled: settings.get().startAtLogin });
  const availability = trayAvailability({ platform: process.platform, env: process.env, watcherPresent: await trayHost });
  const { mustShowWindow } = setupTrayFallback({ availability, windows: ourWindows, notifier });
  ourWindows.showMain(mustShowWindow || !launchedAtLogin(process.argv, { platform: process.platform, app }));
  log.info('pawcam started', { server: server.url, embedded: server.embedded });
}
