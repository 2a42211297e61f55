import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SNAPSHOT_SHORTCUT, SETTINGS_FILE, loadSettings, parseSettingsText, setupSettings } from './settings.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const camera = { id: 'cam-0123456789abcdef0123456789abcdef', name: 'Kitchen', addedAt: 1 };

describe('settings', () => {
  it('creates the file with defaults on first start', async () => {
    const { settings, notice } = await loadSettings(dir);
    expect(notice).toBeUndefined();
    expect(settings.serverUrl).toBeNull();
    expect(settings.cameras).toEqual([]);
    expect(settings.shortcuts.snapshot).toBe(DEFAULT_SNAPSHOT_SHORTCUT);
    expect(settings.viewerId).toMatch(/^viewer-[0-9a-f]{32}$/);
    const onDisk = JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8'));
    expect(onDisk.viewerId).toBe(settings.viewerId);
  });

  it('keeps the same viewer identity across restarts', async () => {
    const first = await loadSettings(dir);
    const second = await loadSettings(dir);
    expect(second.settings.viewerId).toBe(first.settings.viewerId);
    expect(second.settings.viewerToken).toBe(first.settings.viewerToken);
  });

  it('persists updates atomically and leaves no temp files', async () => {
    const store = await setupSettings({ userDataDir: dir });
    await store.update({ cameras: [camera] });
    await store.update((s) => ({ startAtLogin: !s.startAtLogin }));
    const reloaded = await loadSettings(dir);
    expect(reloaded.settings.cameras).toEqual([camera]);
    expect(reloaded.settings.startAtLogin).toBe(true);
    expect(await readdir(dir)).toEqual([SETTINGS_FILE]);
  });

  it('rejects an invalid update and keeps the previous settings', async () => {
    const store = await setupSettings({ userDataDir: dir });
    await expect(store.update({ serverUrl: 'ftp://nope' })).rejects.toThrow();
    expect(store.get().serverUrl).toBeNull();
  });

  it('backs up a file that is not JSON, starts with defaults and says so', async () => {
    await writeFile(join(dir, SETTINGS_FILE), '{"cameras": [tru');
    const notices: string[] = [];
    const store = await setupSettings({ userDataDir: dir, onNotice: (n) => notices.push(n), now: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
    expect(store.get().cameras).toEqual([]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/damaged.*default settings/);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['settings.corrupt-2025-01-02T03-04-05-000Z.json', SETTINGS_FILE]);
    expect(await readFile(join(dir, 'settings.corrupt-2025-01-02T03-04-05-000Z.json'), 'utf8')).toBe('{"cameras": [tru');
    // The replacement is valid: the next start has nothing to report.
    expect((await loadSettings(dir)).notice).toBeUndefined();
  });

  it('resets only the damaged fields of a parseable file', async () => {
    const good = await loadSettings(dir);
    const text = JSON.stringify({ ...good.settings, cameras: [camera], startAtLogin: 'yes', serverUrl: 42 });
    await writeFile(join(dir, SETTINGS_FILE), text);
    const { settings, notice, backupPath } = await loadSettings(dir);
    expect(settings.viewerId).toBe(good.settings.viewerId);
    expect(settings.cameras).toEqual([camera]);
    expect(settings.startAtLogin).toBe(false);
    expect(settings.serverUrl).toBeNull();
    expect(notice).toContain('serverUrl, startAtLogin');
    expect(await readFile(backupPath!, 'utf8')).toBe(text);
  });

  it('privacy relay is off by default and kept', async () => {
    const store = await setupSettings({ userDataDir: dir });
    expect(store.get().alwaysRelay).toBe(false);
    await store.update({ alwaysRelay: true });
    expect((await loadSettings(dir)).settings.alwaysRelay).toBe(true);
  });

  it('a viewer ID with `_` is damaged: the mini window derives its sub-ID from it', () => {
    const { damaged, settings } = parseSettingsText(JSON.stringify({ viewerId: 'viewer-abc_mini' }));
    expect(damaged).toEqual(['viewerId']);
    expect(settings.viewerId).toMatch(/^viewer-[0-9a-f]{32}$/);
  });

  it('treats a JSON non-object as damaged', () => {
    expect(parseSettingsText('[1,2]').damaged).toEqual(['(not an object)']);
    expect(parseSettingsText('null').damaged).toEqual(['(not an object)']);
  });

  it('drops unknown keys from a newer version without calling the file damaged', () => {
    const { settings, damaged } = parseSettingsText(JSON.stringify({ futureThing: 1, startAtLogin: true }));
    expect(damaged).toEqual([]);
    expect(settings.startAtLogin).toBe(true);
    expect('futureThing' in settings).toBe(false);
  });
});
