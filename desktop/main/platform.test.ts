import { EventEmitter } from 'node:events';
import type { SpawnOptions } from 'node:child_process';
import type { RelaunchOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { RELAUNCHED_ENV, chooseBackend, isWaylandSession, setupDisplayBackend } from './platform.ts';
import { HELPER_SHELL, type SpawnedHelper } from './relaunch.ts';

const wayland = { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' };

/** Electron's app as the backend choice uses it: records relaunch/exit, answers hasSwitch from a fixed list. */
function fakeApp(switches: string[] = []) {
  const calls: { relaunch: RelaunchOptions[]; exit: number[] } = { relaunch: [], exit: [] };
  return {
    calls,
    app: {
      relaunch: (options?: RelaunchOptions) => void calls.relaunch.push(options ?? {}),
      exit: (code?: number) => void calls.exit.push(code ?? 0),
      commandLine: { hasSwitch: (name: string) => switches.includes(name) },
    },
  };
}

function fakeSpawn(pid: number | undefined) {
  const spawned: { file: string; args: readonly string[]; options: SpawnOptions; unrefs: number }[] = [];
  const spawn = (file: string, args: readonly string[], options: SpawnOptions) => {
    const record = { file, args, options, unrefs: 0 };
    spawned.push(record);
    return Object.assign(new EventEmitter(), { pid, unref: () => void record.unrefs++ }) as SpawnedHelper;
  };
  return { spawned, spawn };
}

describe('choosing the display backend', () => {
  it('restarts under XWayland on a Wayland session with an X server', () => {
    expect(isWaylandSession(wayland, 'linux')).toBe(true);
    expect(chooseBackend({ env: wayland, platform: 'linux', argv: ['/opt/pawcam/pawcam'], hasOzoneSwitch: false })).toBe('relaunch-under-xwayland');
    expect(chooseBackend({ env: { WAYLAND_DISPLAY: 'wayland-1', DISPLAY: ':1' }, platform: 'linux', argv: [], hasOzoneSwitch: false })).toBe('relaunch-under-xwayland');
  });

  it.each([
    ['an X11 session', { XDG_SESSION_TYPE: 'x11', DISPLAY: ':0' }, 'linux', [], false, 'not-wayland'],
    ['Windows', wayland, 'win32', [], false, 'not-wayland'],
    ['macOS', wayland, 'darwin', [], false, 'not-wayland'],
    ['PAWCAM_NATIVE_WAYLAND=1', { ...wayland, PAWCAM_NATIVE_WAYLAND: '1' }, 'linux', [], false, 'native-wayland-asked'],
    ['--ozone-platform=wayland on the command line', wayland, 'linux', ['pawcam', '--ozone-platform=wayland'], false, 'backend-given'],
    ['--ozone-platform x11 (two arguments)', wayland, 'linux', ['pawcam', '--ozone-platform', 'x11'], false, 'backend-given'],
    ['--ozone-platform-hint=wayland', wayland, 'linux', ['pawcam', '--ozone-platform-hint=wayland'], false, 'backend-given'],
    ['a switch Chromium already holds', wayland, 'linux', ['pawcam'], true, 'backend-given'],
    ['no X server (no XWayland: forcing X11 would not start at all)', { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0' }, 'linux', [], false, 'no-xwayland'],
    ['a process that was already relaunched', { ...wayland, [RELAUNCHED_ENV]: '1' }, 'linux', ['pawcam'], false, 'already-relaunched'],
  ] as const)('runs as it is on %s', (_label, env, platform, argv, hasOzoneSwitch, expected) => {
    expect(chooseBackend({ env, platform, argv, hasOzoneSwitch })).toBe(expected);
  });
});

describe('setupDisplayBackend', () => {
  it('installed or unpacked: Electron relaunches the same binary with the same arguments plus --ozone-platform=x11, then exits before ready', () => {
    const { app, calls } = fakeApp();
    const { spawned, spawn } = fakeSpawn(4242);
    const env: NodeJS.ProcessEnv = { ...wayland };
    const result = setupDisplayBackend({ app, spawn, env, platform: 'linux', argv: ['/opt/pawcam/pawcam', '--hidden'], execPath: '/opt/pawcam/pawcam', pid: 100 });
    expect(result).toBe('relaunching');
    expect(calls.relaunch).toEqual([{ execPath: '/opt/pawcam/pawcam', args: ['--hidden', '--ozone-platform=x11'] }]);
    expect(calls.exit).toEqual([0]);
    expect(spawned).toEqual([]);
    // The new process inherits the environment: it will not relaunch again, and its own command line says x11.
    expect(env[RELAUNCHED_ENV]).toBe('1');
    const next = calls.relaunch[0]!;
    expect(chooseBackend({ env, platform: 'linux', argv: [next.execPath!, ...next.args!], hasOzoneSwitch: false })).toBe('backend-given');
    expect(chooseBackend({ env, platform: 'linux', argv: ['/opt/pawcam/pawcam'], hasOzoneSwitch: false })).toBe('already-relaunched');
  });

  it('development (`electron .`): the app folder argument is kept', () => {
    const { app, calls } = fakeApp();
    const { spawn } = fakeSpawn(1);
    setupDisplayBackend({ app, spawn, env: { ...wayland }, platform: 'linux', argv: ['/repo/node_modules/electron/dist/electron', '.'], execPath: '/repo/node_modules/electron/dist/electron', pid: 1 });
    expect(calls.relaunch).toEqual([{ execPath: '/repo/node_modules/electron/dist/electron', args: ['.', '--ozone-platform=x11'] }]);
  });

  it('AppImage: starts the AppImage file (not the mounted binary) through a detached helper, never Electron\'s relauncher', () => {
    const { app, calls } = fakeApp();
    const { spawned, spawn } = fakeSpawn(4242);
    const env = { ...wayland, APPIMAGE: '/home/me/Apps/pawcam-0.1.0.AppImage', APPDIR: '/tmp/.mount_pawcamAb12' };
    const result = setupDisplayBackend({ app, spawn, env, platform: 'linux', argv: ['/tmp/.mount_pawcamAb12/pawcam'], execPath: '/tmp/.mount_pawcamAb12/pawcam', pid: 777 });
    expect(result).toBe('relaunching');
    expect(calls.relaunch).toEqual([]);
    expect(calls.exit).toEqual([0]);
    expect(spawned).toHaveLength(1);
    const [helper] = spawned;
    expect(helper!.file).toBe(HELPER_SHELL);
    expect(helper!.args.slice(3)).toEqual(['777', '/home/me/Apps/pawcam-0.1.0.AppImage', '--ozone-platform=x11']);
    expect(helper!.args.join(' ')).not.toContain('.mount_');
    expect(helper!.options).toMatchObject({ detached: true, stdio: 'ignore', cwd: '/' });
    expect(helper!.unrefs).toBe(1);
  });

  it('keeps running natively when the restart cannot be arranged (the app must start either way)', () => {
    const { app, calls } = fakeApp();
    const { spawn } = fakeSpawn(undefined);
    const env = { ...wayland, APPIMAGE: '/home/me/pawcam.AppImage' };
    expect(setupDisplayBackend({ app, spawn, env, platform: 'linux', argv: ['/tmp/.mount_x/pawcam'], execPath: '/tmp/.mount_x/pawcam', pid: 1 })).toBe('continue');
    expect(calls.exit).toEqual([]);
  });

  it('does nothing on X11, or when the user chose a backend', () => {
    for (const [env, switches] of [[{ XDG_SESSION_TYPE: 'x11', DISPLAY: ':0' }, []], [wayland, ['ozone-platform']], [wayland, ['ozone-platform-hint']]] as const) {
      const { app, calls } = fakeApp([...switches]);
      const { spawned, spawn } = fakeSpawn(1);
      expect(setupDisplayBackend({ app, spawn, env: { ...env }, platform: 'linux', argv: ['pawcam'], execPath: 'pawcam', pid: 1 })).toBe('continue');
      expect([calls.relaunch, calls.exit, spawned]).toEqual([[], [], []]);
    }
  });
});
