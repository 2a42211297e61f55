import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, LoginItemSettings, Settings as LoginSettings } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUTOSTART_FILE,
  autostartDir,
  autostartEntry,
  isStartAtLogin,
  launchCommand,
  launchedAtLogin,
  quoteExecArgument,
  setStartAtLogin,
  setupLoginItem,
  type LoginItemDeps,
} from './login-item.ts';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'pawcam-home-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function fakeApp() {
  const calls: LoginSettings[] = [];
  let openAtLogin = false;
  const app = {
    setLoginItemSettings: (s: LoginSettings) => {
      calls.push(s);
      openAtLogin = s.openAtLogin ?? false;
    },
    getLoginItemSettings: () => ({ openAtLogin, wasOpenedAtLogin: false }) as LoginItemSettings,
  } as unknown as Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;
  return { app, calls };
}

const linux = (env: NodeJS.ProcessEnv = {}): LoginItemDeps => ({
  platform: 'linux',
  app: fakeApp().app,
  env,
  homeDir: home,
  execPath: '/opt/pawcam/pawcam',
  isPackaged: true,
  appPath: '/opt/pawcam/resources/app.asar',
});

describe('Linux XDG autostart', () => {
  it('writes ~/.config/autostart/pawcam.desktop with a hidden launch, and removes it', async () => {
    await setStartAtLogin(true, linux());
    const file = join(home, '.config', 'autostart', AUTOSTART_FILE);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\n/);
    expect(text).toContain('Type=Application\n');
    expect(text).toContain('Exec="/opt/pawcam/pawcam" "--hidden"\n');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await isStartAtLogin(linux())).toBe(true);
    expect(await readdir(join(home, '.config', 'autostart'))).toEqual([AUTOSTART_FILE]);
    await setStartAtLogin(false, linux());
    expect(await isStartAtLogin(linux())).toBe(false);
    await setStartAtLogin(false, linux());
  });

  it('honours XDG_CONFIG_HOME (absolute only) and starts the AppImage file, not its mount', () => {
    expect(autostartDir({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u')).toBe('/x/cfg/autostart');
    expect(autostartDir({ XDG_CONFIG_HOME: 'relative' }, '/home/u')).toBe('/home/u/.config/autostart');
    expect(launchCommand({ execPath: '/tmp/.mount_x/pawcam', env: { APPIMAGE: '/home/u/Apps/pawcam.AppImage' }, isPackaged: true, appPath: '' })).toEqual([
      '/home/u/Apps/pawcam.AppImage',
      '--hidden',
    ]);
    expect(launchCommand({ execPath: '/n/electron', env: {}, isPackaged: false, appPath: '/src/pawcam' })).toEqual(['/n/electron', '/src/pawcam', '--hidden']);
  });

  it('quotes Exec arguments per the desktop entry spec', () => {
    expect(quoteExecArgument('/home/u/My Apps/pawcam')).toBe('"/home/u/My Apps/pawcam"');
    expect(quoteExecArgument('a"b$c`d')).toBe('"a\\\\"b\\\\$c\\\\`d"');
    expect(quoteExecArgument('back\\slash')).toBe('"back\\\\\\\\slash"');
    expect(quoteExecArgument('100%')).toBe('"100%%"');
    expect(() => quoteExecArgument('a\nExec=evil')).toThrow();
    expect(autostartEntry(['/a b/c', '--hidden']).split('\n').filter((l) => l.startsWith('Exec='))).toEqual(['Exec="/a b/c" "--hidden"']);
  });

  it('setupLoginItem makes the system match the setting', async () => {
    await setupLoginItem({ ...linux(), enabled: true });
    expect(await isStartAtLogin(linux())).toBe(true);
    await setupLoginItem({ ...linux(), enabled: false });
    expect(await isStartAtLogin(linux())).toBe(false);
  });
});

describe('Windows and macOS login items', () => {
  it('use Electron login-item settings with --hidden', async () => {
    const { app, calls } = fakeApp();
    const deps: LoginItemDeps = { ...linux(), platform: 'win32', app };
    await setStartAtLogin(true, deps);
    expect(calls).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
    expect(await isStartAtLogin(deps)).toBe(true);
    await setStartAtLogin(false, { ...deps, platform: 'darwin' });
    expect(calls.at(-1)).toEqual({ openAtLogin: false, args: ['--hidden'] });
  });

  it('knows when it was launched at login', () => {
    const { app } = fakeApp();
    expect(launchedAtLogin(['/x/pawcam', '--hidden'], { platform: 'linux', app })).toBe(true);
    expect(launchedAtLogin(['/x/pawcam'], { platform: 'win32', app })).toBe(false);
  });
});
