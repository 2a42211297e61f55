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
  const system = { shortcut: store.get().shortcuts.snapshot as string | null, startAtLogin: false, restarts: 0, retentionRuns: 0, dialogs: [] as [unknown, OpenDialogOptions][] };
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
    defaultClipsFolder: '/home/u/Videos/pawcam',
    onRetentionChange: () => void system.retentionRuns++,
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
      clipsFolder: null,
      defaultClipsFolder: '/home/u/Videos/pawcam',
      retentionDays: 30,
      retentionGigabytes: 20,
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
    expect(viewerSettingsOf(reloaded, '/home/u/Videos/pawcam')).toEqual(result);
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

  it('a page cannot point clips at a folder it names; the picker can, and it can reset to the default', async () => {
    const { actions, store, system } = await setup({ dialog: { canceled: false, filePaths: ['/mnt/big/pawcam clips'] } });
    await expect(actions.update({ clipsFolder: '/home/u/.config/autostart' })).rejects.toMatchObject({ code: 'malformed-message', message: expect.stringMatching(/clips folder with the folder picker/) });
    expect(store.get().events.clipsFolder).toBeNull();

    expect(await actions.chooseClipsFolder(parent)).toBe('/mnt/big/pawcam clips');
    expect(store.get().events.clipsFolder).toBe('/mnt/big/pawcam clips');
    const [window, options] = system.dialogs[0]!;
    expect(window).toBe(parent);
    expect(options).toMatchObject({ defaultPath: '/home/u/Videos/pawcam', properties: ['openDirectory', 'createDirectory'] });
    // The other event settings stay as they were.
    expect(store.get().events).toMatchObject({ retentionDays: 30, retentionGigabytes: 20, detection: {}, mutedKinds: {} });
    expect((await loadSettings(dir)).settings.events.clipsFolder).toBe('/mnt/big/pawcam clips');

    // The whole settings object sent back unchanged is fine; a second pick starts in the chosen folder.
    await actions.update({ ...actions.get(), viewerName: 'Z' });
    expect(store.get().events.clipsFolder).toBe('/mnt/big/pawcam clips');
    await actions.chooseClipsFolder(parent);
    expect(system.dialogs[1]![1]).toMatchObject({ defaultPath: '/mnt/big/pawcam clips' });

    expect(await actions.update({ clipsFolder: null })).toMatchObject({ clipsFolder: null, defaultClipsFolder: '/home/u/Videos/pawcam' });
    expect(store.get().events.clipsFolder).toBeNull();
    expect(system.retentionRuns).toBe(0);
  });

  it('a cancelled clips folder dialog changes nothing', async () => {
    const { actions, store } = await setup();
    expect(await actions.chooseClipsFolder(parent)).toBeNull();
    expect(store.get().events.clipsFolder).toBeNull();
  });

  it('saves retention limits, or none, and applies them at once; out of range is refused clearly', async () => {
    const { actions, store, system } = await setup();
    expect(await actions.update({ retentionDays: 7, retentionGigabytes: 2.5 })).toMatchObject({ retentionDays: 7, retentionGigabytes: 2.5 });
    expect(system.retentionRuns).toBe(1);
    expect((await loadSettings(dir)).settings.events).toMatchObject({ retentionDays: 7, retentionGigabytes: 2.5 });
    await actions.update({ retentionDays: null });
    expect(store.get().events).toMatchObject({ retentionDays: null, retentionGigabytes: 2.5 });
    await actions.update({ retentionGigabytes: null });
    expect(store.get().events).toMatchObject({ retentionDays: null, retentionGigabytes: null });
    expect(system.retentionRuns).toBe(3);
    // The same limits again, or other settings, run nothing.
    await actions.update({ retentionDays: null, viewerName: 'Q' });
    expect(system.retentionRuns).toBe(3);

    await expect(actions.update({ retentionDays: 0 })).rejects.toMatchObject({ code: 'malformed-message', message: expect.stringMatching(/1 to 3650 days/) });
    await expect(actions.update({ retentionDays: 3651 })).rejects.toThrow(/1 to 3650 days/);
    await expect(actions.update({ retentionDays: 1.5 })).rejects.toThrow(/1 to 3650 days/);
    await expect(actions.update({ retentionGigabytes: 0.05 })).rejects.toMatchObject({ code: 'malformed-message', message: expect.stringMatching(/0\.1 to 100000 GB/) });
    await expect(actions.update({ retentionGigabytes: 100_001, viewerName: 'R' })).rejects.toThrow(/0\.1 to 100000 GB/);
    expect(store.get()).toMatchObject({ viewerName: 'Q', events: { retentionDays: null, retentionGigabytes: null } });
    expect(system.retentionRuns).toBe(3);
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
