import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserWindow, OpenDialogOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SNAPSHOT_SHORTCUT, loadSettings, setupSettings, type SettingsStore } from './settings.ts';
import { createViewerSettings, viewerSettingsOf } from './viewer-settings.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-viewer-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const parent = { id: 'main window' } as unknown as BrowserWindow;

async function setup(options: { taken?: string[]; loginFails?: boolean; dialog?: { canceled: boolean; filePaths: string[] } } = {}) {
  const store: SettingsStore = await setupSettings({ userDataDir: dir });
  const system = { shortcut: store.get().shortcuts.snapshot as string | null, startAtLogin: false, restarts: 0, dialogs: [] as [unknown, OpenDialogOptions][] };
  const actions = createViewerSettings({
    settings: store,
    applyShortcut: (accelerator) => {
      if (accelerator && options.taken?.includes(accelerator)) {
        system.shortcut = null;
        return false;
      }
      system.shortcut = accelerator;
      return true;
    },
    applyStartAtLogin: async (enabled) => {
      if (options.loginFails) throw new Error('EACCES: /home/u/.config/autostart');
      system.startAtLogin = enabled;
    },
    onRestartNeeded: () => void system.restarts++,
    showOpenDialog: async (window, dialogOptions) => {
      system.dialogs.push([window, dialogOptions]);
      return options.dialog ?? { canceled: true, filePaths: [] };
    },
    defaultSnapshotFolder: '/home/u/Desktop',
  });
  return { store, system, actions };
}

describe('viewer settings', () => {
  it('shows the Settings fields of the stored settings', async () => {
    const { actions, store } = await setup();
    expect(actions.get()).toEqual({
      serverUrl: null,
      serverFingerprint: null,
      serverOwner: null,
      snapshotFolder: null,
      snapshotShortcut: DEFAULT_SNAPSHOT_SHORTCUT,
      startAtLogin: false,
      notifications: true,
      alwaysRelay: false,
      viewerName: store.get().viewerName,
    });
  });

  it('saves plain preferences and returns the result; they survive a restart', async () => {
    const { actions } = await setup();
    const result = await actions.update({ alwaysRelay: true, notifications: false, viewerName: 'Office PC' });
    expect(result).toMatchObject({ alwaysRelay: true, notifications: false, viewerName: 'Office PC' });
    const reloaded = (await loadSettings(dir)).settings;
    expect(viewerSettingsOf(reloaded)).toEqual(result);
  });

  it('ignores fields left undefined', async () => {
    const { actions } = await setup();
    await actions.update({ alwaysRelay: true });
    expect(await actions.update({ alwaysRelay: undefined, viewerName: 'X' })).toMatchObject({ alwaysRelay: true, viewerName: 'X' });
  });

  it('turns start at login on through the system, then saves it', async () => {
    const { actions, system, store } = await setup();
    await actions.update({ startAtLogin: true });
    expect(system.startAtLogin).toBe(true);
    expect(store.get().startAtLogin).toBe(true);
  });

  it('a start-at-login failure is reported and nothing changes', async () => {
    const { actions, system, store } = await setup({ loginFails: true });
    const error = await actions.update({ startAtLogin: true, snapshotShortcut: 'Alt+F9' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'login-item-failed', message: 'pawcam could not turn start at login on. Details are in its log.' });
    expect(store.get().startAtLogin).toBe(false);
    expect(store.get().shortcuts.snapshot).toBe(DEFAULT_SNAPSHOT_SHORTCUT);
    expect(system.shortcut).toBe(DEFAULT_SNAPSHOT_SHORTCUT);
  });

  it('re-registers a new shortcut, or turns it off', async () => {
    const { actions, system, store } = await setup();
    expect(await actions.update({ snapshotShortcut: 'Alt+F9' })).toMatchObject({ snapshotShortcut: 'Alt+F9' });
    expect(system.shortcut).toBe('Alt+F9');
    await actions.update({ snapshotShortcut: null });
    expect(system.shortcut).toBeNull();
    expect(store.get().shortcuts.snapshot).toBeNull();
  });

  it('a shortcut another app holds is refused clearly and the old one stays', async () => {
    const { actions, system, store } = await setup({ taken: ['Ctrl+Shift+Q'] });
    await expect(actions.update({ snapshotShortcut: 'Ctrl+Shift+Q' })).rejects.toMatchObject({ code: 'shortcut-taken', message: expect.stringMatching(/Ctrl\+Shift\+Q could not be set.*another app/) });
    expect(system.shortcut).toBe(DEFAULT_SNAPSHOT_SHORTCUT);
    expect(store.get().shortcuts.snapshot).toBe(DEFAULT_SNAPSHOT_SHORTCUT);
  });

  it('a shortcut that is not an accelerator is refused before touching the system', async () => {
    const { actions, system } = await setup();
    await expect(actions.update({ snapshotShortcut: 'Ctrl + ✓' })).rejects.toMatchObject({ code: 'malformed-message', message: expect.stringMatching(/not a shortcut/) });
    expect(system.shortcut).toBe(DEFAULT_SNAPSHOT_SHORTCUT);
  });

  it('server changes are saved and take effect after a restart (the user is told once per change)', async () => {
    const { actions, system, store } = await setup();
    const fingerprint = 'ab'.repeat(32);
    const result = await actions.update({ serverUrl: 'https://cams.example.net', serverFingerprint: fingerprint });
    expect(result.serverFingerprint).toBe('AB:'.repeat(31) + 'AB');
    expect(store.get().serverUrl).toBe('https://cams.example.net');
    expect(system.restarts).toBe(1);
    // The same pin in another spelling is no change.
    await actions.update({ serverFingerprint: fingerprint.toUpperCase() });
    await actions.update({ viewerName: 'Y' });
    expect(system.restarts).toBe(1);
    await actions.update({ serverUrl: null, serverFingerprint: '  ' });
    expect(store.get().serverFingerprint).toBeNull();
    expect(system.restarts).toBe(2);
  });

  it('takes the remote server’s owner credential from its owner link or the bare digits, and refuses anything else', async () => {
    const { actions, system, store } = await setup();
    await actions.update({ serverOwner: ` https://cams.example.net/viewer/#owner=${'AB'.repeat(16)} ` });
    expect(store.get().serverOwner).toBe('ab'.repeat(16));
    expect(system.restarts).toBe(1);
    await expect(actions.update({ serverOwner: 'not-a-credential' })).rejects.toMatchObject({ code: 'malformed-message', message: expect.stringMatching(/owner credential/) });
    expect(store.get().serverOwner).toBe('ab'.repeat(16));
    await actions.update({ serverOwner: '' });
    expect(store.get().serverOwner).toBeNull();
  });

  it('refuses a fingerprint that is not SHA-256', async () => {
    const { actions, system, store } = await setup();
    await expect(actions.update({ serverUrl: 'https://x.example', serverFingerprint: 'AB:CD' })).rejects.toMatchObject({ code: 'malformed-message' });
    expect(store.get().serverUrl).toBeNull();
    expect(system.restarts).toBe(0);
  });

  it('a page cannot point snapshots at a folder it names; it can reset to the desktop', async () => {
    const { actions, store } = await setup({ dialog: { canceled: false, filePaths: ['/home/u/Pictures/pawcam'] } });
    await expect(actions.update({ snapshotFolder: '/home/u/.config/autostart' })).rejects.toThrow(/folder picker/);
    expect(store.get().snapshotFolder).toBeNull();
    await actions.chooseSnapshotFolder(parent);
    // Sending the whole settings object back unchanged is fine.
    await actions.update({ ...actions.get(), viewerName: 'Z' });
    expect(store.get().snapshotFolder).toBe('/home/u/Pictures/pawcam');
    await actions.update({ snapshotFolder: null });
    expect(store.get().snapshotFolder).toBeNull();
  });

  it('chooses the snapshot folder in a native dialog over the calling window', async () => {
    const { actions, system, store } = await setup({ dialog: { canceled: false, filePaths: ['/home/u/Pictures/pawcam'] } });
    expect(await actions.chooseSnapshotFolder(parent)).toBe('/home/u/Pictures/pawcam');
    expect(store.get().snapshotFolder).toBe('/home/u/Pictures/pawcam');
    expect(system.dialogs).toHaveLength(1);
    const [window, options] = system.dialogs[0]!;
    expect(window).toBe(parent);
    expect(options).toMatchObject({ defaultPath: '/home/u/Desktop', properties: ['openDirectory', 'createDirectory'] });
  });

  it('a cancelled folder dialog changes nothing', async () => {
    const { actions, store, system } = await setup();
    expect(await actions.chooseSnapshotFolder(parent)).toBeNull();
    expect(store.get().snapshotFolder).toBeNull();
    expect(system.dialogs).toHaveLength(1);
  });

  it('applies changes one at a time', async () => {
    const { actions, store } = await setup();
    const results = await Promise.all([actions.update({ viewerName: 'A' }), actions.update({ alwaysRelay: true }), actions.update({ viewerName: 'B' })]);
    expect(results.map((r) => [r.viewerName, r.alwaysRelay])).toEqual([
      ['A', false],
      ['A', true],
      ['B', true],
    ]);
    expect(store.get()).toMatchObject({ viewerName: 'B', alwaysRelay: true });
  });
});
