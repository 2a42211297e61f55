import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_TRAY_MESSAGE, busNameHasOwner, isGnomeSession, setupTrayFallback, trayAvailability, type RunFile } from './tray-availability.ts';

describe('whether a tray icon can be seen', () => {
  it.each([
    ['GNOME', { XDG_CURRENT_DESKTOP: 'GNOME' }, true],
    ['Ubuntu\'s GNOME', { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, true],
    ['GNOME Classic', { XDG_CURRENT_DESKTOP: 'GNOME-Classic:GNOME' }, true],
    ['KDE', { XDG_CURRENT_DESKTOP: 'KDE' }, false],
    ['Xfce', { XDG_CURRENT_DESKTOP: 'XFCE' }, false],
    ['no desktop', {}, false],
  ] as const)('%s is GNOME: %s', (_label, env, gnome) => {
    expect(isGnomeSession(env)).toBe(gnome);
  });

  it('GNOME without a StatusNotifierWatcher has no tray; with one (AppIndicator extension, Ubuntu) it has', () => {
    const gnome = { XDG_CURRENT_DESKTOP: 'GNOME' };
    expect(trayAvailability({ platform: 'linux', env: gnome, watcherPresent: false })).toBe('missing');
    expect(trayAvailability({ platform: 'linux', env: gnome, watcherPresent: true })).toBe('available');
    expect(trayAvailability({ platform: 'linux', env: gnome, watcherPresent: null })).toBe('unknown');
  });

  it('other desktops and platforms keep the tray (never a false alarm there)', () => {
    expect(trayAvailability({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'KDE' }, watcherPresent: false })).toBe('available');
    expect(trayAvailability({ platform: 'darwin', env: { XDG_CURRENT_DESKTOP: 'GNOME' }, watcherPresent: false })).toBe('available');
    expect(trayAvailability({ platform: 'win32', env: {}, watcherPresent: null })).toBe('available');
  });
});

describe('busNameHasOwner', () => {
  it('falls back from gdbus to dbus-send, and says null when neither answers', async () => {
    const asked: string[] = [];
    const run = (answers: Record<string, string | Error>): RunFile => async (file) => {
      asked.push(file);
      const answer = answers[file];
      if (answer === undefined || answer instanceof Error) throw answer ?? new Error(`spawn ${file} ENOENT`);
      return { stdout: answer };
    };
    expect(await busNameHasOwner(run({ gdbus: '(false,)\n' }))).toBe(false);
    expect(await busNameHasOwner(run({ 'dbus-send': 'method return time=1 sender=org.freedesktop.DBus\n   boolean true\n' }))).toBe(true);
    expect(await busNameHasOwner(run({ gdbus: 'garbage', 'dbus-send': 'nonsense' }))).toBeNull();
    expect(await busNameHasOwner(run({}))).toBeNull();
    expect(asked).toEqual(['gdbus', 'gdbus', 'dbus-send', 'gdbus', 'dbus-send', 'gdbus', 'dbus-send']);
  });

  // A real, private session bus: the probe must read real gdbus/dbus-send output.
  const haveBus = existsSync('/usr/bin/dbus-daemon') && existsSync('/usr/bin/gdbus') && existsSync('/usr/bin/dbus-send');
  describe.runIf(haveBus)('against a real session bus', () => {
    let daemon: ChildProcess;
    let dir: string;
    let address = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pawcam-bus-'));
      daemon = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${join(dir, 'bus')}`], { stdio: ['ignore', 'pipe', 'ignore'] });
      address = await new Promise<string>((resolve, reject) => {
        let text = '';
        daemon.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('\n')) resolve(text.trim());
        });
        daemon.once('error', reject);
        daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
      });
    });
    afterAll(async () => {
      daemon?.kill();
      await rm(dir, { recursive: true, force: true });
    });

    const runOn = (only?: string): RunFile => (file, args, options) =>
      new Promise((resolve, reject) => {
        if (only && file !== only) return reject(new Error('skipped'));
        execFile(file, [...args], { timeout: options.timeout, env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address } }, (error, stdout) => (error ? reject(error) : resolve({ stdout })));
      });

    it.each(['gdbus', 'dbus-send'])('%s: no StatusNotifierWatcher on a bare bus; a name the bus owns is seen', async (tool) => {
      expect(await busNameHasOwner(runOn(tool))).toBe(false);
      expect(await busNameHasOwner(runOn(tool), 'org.freedesktop.DBus')).toBe(true);
    });
  });
});

describe('setupTrayFallback', () => {
  it('without a tray: a normal window that minimizes on close, shown, and one notification saying how to get the tray', () => {
    const trayless: boolean[] = [];
    const shown: { title: string; body: string }[] = [];
    const result = setupTrayFallback({ availability: 'missing', windows: { setTrayless: (t) => void trayless.push(t) }, notifier: { show: (m) => void shown.push(m) } });
    expect(result).toEqual({ mustShowWindow: true });
    expect(trayless).toEqual([true]);
    expect(shown).toEqual([NO_TRAY_MESSAGE]);
    expect(shown[0]!.body).toMatch(/AppIndicator/);
  });

  it.each(['available', 'unknown'] as const)('%s: nothing changes', (availability) => {
    const calls: unknown[] = [];
    const result = setupTrayFallback({ availability, windows: { setTrayless: (t) => void calls.push(t) }, notifier: { show: (m) => void calls.push(m) } });
    expect(result).toEqual({ mustShowWindow: false });
    expect(calls).toEqual([]);
  });
});
