import type { BrowserWindow } from 'electron';
import { describe, expect, it } from 'vitest';
import type { ViewerCommand } from '../../protocol/ipc.ts';
import { createIpcHandlers, createTrayActions, miniViewerId, viewerConfig } from './app-handlers.ts';
import type { IpcContext } from './ipc.ts';
import { defaultSettings, type Settings } from './settings.ts';
import type { TrayCamera } from './tray.ts';

const camera = { id: 'cam-0123456789abcdef0123456789abcdef', name: 'Kitchen', addedAt: 1 };
const ctx = (kind: 'main' | 'mini', webContentsId = 1): IpcContext => ({ window: { kind, win: {} as BrowserWindow }, webContentsId });

function setup() {
  let settings: Settings = { ...defaultSettings(), cameras: [camera] };
  const log: string[] = [];
  const states: TrayCamera[][] = [];
  const handlers = createIpcHandlers({
    settings: {
      get: () => settings,
      update: async (change) => (settings = { ...settings, ...(typeof change === 'function' ? change(settings) : change) }),
    },
    serverUrl: () => 'https://127.0.0.1:8443',
    windows: {
      showMain: () => (log.push('showMain'), {} as BrowserWindow),
      openMini: (id) => (log.push(`mini ${id}`), {} as BrowserWindow),
      closeFor: (id) => void log.push(`close ${id}`),
      send: (c: ViewerCommand) => void log.push(`send ${JSON.stringify(c)}`),
    },
    snapshots: { save: async () => ({ ok: true, path: '/d/x.png' }) },
    onCameraStates: (s) => void states.push(s),
    openExternal: async (url) => void log.push(`open ${url}`),
  });
  return { handlers, log, states, get settings() {
    return settings;
  } };
}

describe('IPC handlers', () => {
  it('gives the main and the mini window distinct, stable viewer IDs', async () => {
    const { handlers, settings } = setup();
    const main = await handlers.getConfig(ctx('main'));
    const mini = await handlers.getConfig(ctx('mini'));
    expect(main).toEqual(viewerConfig(settings, 'https://127.0.0.1:8443', 'main'));
    expect(main.shell).toBe('desktop');
    expect(mini.viewerId).toBe(`${settings.viewerId}-mini`);
    expect(miniViewerId('v'.repeat(64))).toHaveLength(64);
  });

  it('saves the camera list from the main window only', async () => {
    const t = setup();
    const other = { ...camera, id: 'cam-ffffffffffffffffffffffffffffffff', name: 'Garden' };
    await t.handlers.saveCameras(ctx('main'), [camera, other]);
    expect(t.settings.cameras).toHaveLength(2);
    await expect(Promise.resolve().then(() => t.handlers.saveCameras(ctx('mini'), []))).rejects.toThrow(/main window/);
    expect(await t.handlers.listCameras(ctx('main'))).toHaveLength(2);
  });

  it('takes camera states from the main viewer only', async () => {
    const t = setup();
    await t.handlers.reportCameraStates(ctx('mini'), [{ id: camera.id, name: 'Kitchen', state: 'offline' }]);
    await t.handlers.reportCameraStates(ctx('main'), [{ id: camera.id, name: 'Kitchen', state: 'online' }]);
    expect(t.states).toEqual([[{ id: camera.id, name: 'Kitchen', state: 'online' }]]);
  });

  it('opens a mini window only for a known camera', async () => {
    const t = setup();
    await t.handlers.openMiniWindow(ctx('main'), camera.id);
    expect(() => t.handlers.openMiniWindow(ctx('main'), 'cam-unknown')).toThrow(/not in your camera list/);
    expect(t.log).toEqual([`mini ${camera.id}`]);
  });

  it('closes the calling window and opens only web links', async () => {
    const t = setup();
    await t.handlers.closeWindow(ctx('mini', 7));
    await t.handlers.openExternal(ctx('main'), 'https://pawcam.example/help');
    await expect(t.handlers.openExternal(ctx('main'), 'https://user:pw@evil.example/')).rejects.toThrow(/web links/);
    expect(t.log).toEqual(['close 7', 'open https://pawcam.example/help']);
  });
});

describe('tray actions', () => {
  it('turn into viewer commands and window actions', async () => {
    const log: string[] = [];
    const actions = createTrayActions({
      windows: {
        showMain: () => (log.push('showMain'), {} as BrowserWindow),
        openMini: (id) => (log.push(`mini ${id}`), {} as BrowserWindow),
        send: (c) => void log.push(JSON.stringify(c)),
      },
      setStartAtLogin: async (on) => void log.push(`login ${on}`),
      quit: () => void log.push('quit'),
    });
    actions.watch('cam-a');
    actions.openMini('cam-a');
    actions.snapshot('cam-a');
    actions.openMain();
    actions.openSettings();
    actions.setStartAtLogin(true);
    actions.quit();
    await Promise.resolve();
    expect(log).toEqual([
      '{"type":"watch","cameraId":"cam-a"}',
      'mini cam-a',
      '{"type":"snapshot","cameraId":"cam-a"}',
      'showMain',
      '{"type":"open-settings"}',
      'login true',
      'quit',
    ]);
  });
});
