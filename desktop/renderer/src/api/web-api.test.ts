import { beforeAll, describe, expect, it } from 'vitest';
import { isPeerId } from '../../../../protocol/ids.ts';
import { DESKTOP_ONLY_METHODS } from '../../../../protocol/ipc.ts';
import { configureLogging } from '../../../../protocol/log.ts';
import { STORAGE_KEYS, createWebApi, type StorageLike } from './web-api.ts';

const ID = `cam-${'a'.repeat(32)}`;

/** An in-memory Storage; `failWrites` makes setItem throw like a full or disabled storage. */
function fakeStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  const storage: StorageLike & { data: Map<string, string>; failWrites: boolean } = {
    data,
    failWrites: false,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      if (storage.failWrites) throw new DOMException('quota', 'QuotaExceededError');
      data.set(key, value);
    },
    removeItem: (key) => void data.delete(key),
  };
  return storage;
}

/** A server that answers `/server-info` with `info` (404 when null), recording who asked with which header. */
function infoServer(info: unknown = null) {
  const asked: (string | undefined)[] = [];
  const http = async (_url: string, init: { headers: Record<string, string> }) => {
    asked.push(init.headers['authorization']);
    return { ok: info !== null, status: info === null ? 404 : 200, json: async () => info };
  };
  return { http, asked };
}

function setup(initial: Record<string, string> = {}, extra: Partial<Parameters<typeof createWebApi>[0]> = {}) {
  const storage = fakeStorage(initial);
  const notices: string[] = [];
  const downloads: { name: string; blob: Blob }[] = [];
  const api = createWebApi({
    storage,
    serverUrl: 'https://pawcam.example:8443',
    address: { hash: '', clear: () => {} },
    pageOrigin: 'https://pawcam.example:8443',
    http: infoServer().http,
    ...extra,
    onNotice: (m) => notices.push(m),
    download: (name, blob) => downloads.push({ name, blob }),
    now: () => new Date(2024, 0, 2, 3, 4, 5),
  });
  return { storage, notices, downloads, api };
}

describe('createWebApi', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));

  it('creates the viewer identity once and keeps it', async () => {
    const { api, storage } = setup();
    const config = await api.getConfig();
    expect(config).toMatchObject({ serverUrl: 'https://pawcam.example:8443', viewerName: 'Web viewer', shell: 'web' });
    expect(isPeerId(config.viewerId)).toBe(true);
    expect(config.viewerToken).toMatch(/^[0-9a-f]{32}$/);
    const again = await createWebApi({ storage, serverUrl: 'https://pawcam.example:8443' }).getConfig();
    expect(again.viewerId).toBe(config.viewerId);
    expect(again.viewerToken).toBe(config.viewerToken);
  });

  it('replaces an unusable stored identity', async () => {
    const { api, storage } = setup({ [STORAGE_KEYS.viewerId]: 'bad id!', [STORAGE_KEYS.viewerToken]: 'nope' });
    const config = await api.getConfig();
    expect(config.viewerId).not.toBe('bad id!');
    expect(storage.data.get(STORAGE_KEYS.viewerId)).toBe(config.viewerId);
  });

  it('round-trips the camera list through storage', async () => {
    const { api, storage } = setup();
    expect(await api.listCameras()).toEqual([]);
    await api.saveCameras([{ id: ID, name: 'Kitchen', addedAt: 1 }]);
    expect(JSON.parse(storage.data.get(STORAGE_KEYS.cameras)!)).toEqual([{ id: ID, name: 'Kitchen', addedAt: 1 }]);
    expect(await api.listCameras()).toEqual([{ id: ID, name: 'Kitchen', addedAt: 1 }]);
  });

  it.each([
    ['not JSON', '{oops'],
    ['not a list', '{"id":1}'],
    ['a bad entry', JSON.stringify([{ id: ID, name: '', addedAt: 1 }])],
  ])('starts empty with a notice when the stored list is %s, keeping the bad value', async (_, bad) => {
    const { api, storage, notices } = setup({ [STORAGE_KEYS.cameras]: bad });
    expect(await api.listCameras()).toEqual([]);
    expect(storage.data.get(STORAGE_KEYS.camerasBackup)).toBe(bad);
    expect(storage.data.has(STORAGE_KEYS.cameras)).toBe(false);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(STORAGE_KEYS.camerasBackup);
    // The next save works normally.
    await api.saveCameras([{ id: ID, name: 'Kitchen', addedAt: 1 }]);
    expect(await api.listCameras()).toHaveLength(1);
  });

  it('says so when storage refuses to save', async () => {
    const { api, storage } = setup();
    storage.failWrites = true;
    await expect(api.saveCameras([{ id: ID, name: 'Kitchen', addedAt: 1 }])).rejects.toThrow(/refused to store/);
  });

  it('downloads a snapshot under a safe, dated name', async () => {
    const { api, downloads } = setup();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const result = await api.saveSnapshot({ cameraName: 'Living room: sofa/left', png });
    expect(result).toEqual({ ok: true, path: 'pawcam-Living-room-sofa-left-2024-01-02_03-04-05.png' });
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.blob.type).toBe('image/png');
    expect(new Uint8Array(await downloads[0]!.blob.arrayBuffer())).toEqual(png);
  });

  it('refuses an empty snapshot', async () => {
    const { api, downloads } = setup();
    const result = await api.saveSnapshot({ cameraName: 'x', png: new Uint8Array(0) });
    expect(result.ok).toBe(false);
    expect(downloads).toEqual([]);
  });

  it('has no windows, tray or commands in a browser', async () => {
    const { api } = setup();
    expect(await api.openMiniWindow(ID)).toBeNull();
    expect(await api.openMainWindow()).toBeNull();
    expect(await api.closeWindow()).toBeNull();
    expect(await api.reportCameraStates([])).toBeNull();
    const off = api.onCommand(() => {});
    expect(typeof off).toBe('function');
    off();
  });

  it('keeps "always relay" and the viewer name in storage; desktop-only settings are fixed and ignored', async () => {
    const { api, storage } = setup();
    expect(await api.getSettings()).toEqual({
      serverUrl: null,
      serverFingerprint: null,
      snapshotFolder: null,
      snapshotShortcut: null,
      startAtLogin: false,
      notifications: false,
      alwaysRelay: false,
      viewerName: 'Web viewer',
    });
    const updated = await api.updateSettings({ alwaysRelay: true, viewerName: 'Office', startAtLogin: true, snapshotFolder: '/tmp' });
    expect(updated).toMatchObject({ alwaysRelay: true, viewerName: 'Office', startAtLogin: false, snapshotFolder: null });
    // A browser keeps no events: it has no clips folder or retention to show, and ignores them in a change.
    const withEvents = await api.updateSettings({ retentionDays: 1, retentionGigabytes: null, clipsFolder: null });
    expect(Object.keys(withEvents).filter((k) => /clips|retention/i.test(k))).toEqual([]);
    expect(storage.data.get(STORAGE_KEYS.viewerName)).toBe('Office');
    // A fresh API over the same storage (a reload) reads them back; the config carries the new name too.
    const again = createWebApi({ storage, serverUrl: 'https://pawcam.example:8443' });
    expect(await again.getSettings()).toMatchObject({ alwaysRelay: true, viewerName: 'Office' });
    expect((await again.getConfig()).viewerName).toBe('Office');
    expect((await api.getConfig()).viewerName).toBe('Office');
  });

  it('refuses invalid settings and reads corrupt stored ones as defaults', async () => {
    const { api } = setup({ [STORAGE_KEYS.settings]: '{"alwaysRelay":"yes"}' });
    expect((await api.getSettings()).alwaysRelay).toBe(false);
    await expect(api.updateSettings({ viewerName: '' })).rejects.toMatchObject({ code: 'malformed-message' });
    await expect(api.updateSettings({ alwaysRelay: 'on' } as unknown as { alwaysRelay: boolean })).rejects.toMatchObject({ code: 'malformed-message' });
  });

  it('tells phones to open this server, and has no folders, fingerprints or window shapes', async () => {
    const { api } = setup();
    expect(await api.getServerInfo()).toEqual({ embedded: false, phoneUrls: ['https://pawcam.example:8443/'], fingerprint: null, loopbackOnly: false, rendezvousUrl: null });
    expect(await api.chooseSnapshotFolder()).toBeNull();
    expect(await api.setAspectRatio(1.5)).toBeNull();
    // Nor the desktop's events calls, among them the clips folder picker.
    expect(DESKTOP_ONLY_METHODS.filter((method) => method in api)).toEqual([]);
  });

  it('takes the owner link out of the address, keeps the credential and asks the server where phones go with it', async () => {
    const cleared: string[] = [];
    const owner = 'c'.repeat(32);
    const server = infoServer({ phoneUrls: ['https://192.168.1.9:8443/'], rendezvousUrl: null, loopbackOnly: false, open: false, pages: true });
    const { api, storage } = setup({}, { address: { hash: `#owner=${owner}`, clear: () => cleared.push('x') }, http: server.http });
    expect(cleared).toHaveLength(1);
    expect(storage.getItem(STORAGE_KEYS.owner)).toBe(owner);
    expect((await api.getConfig()).owner).toBe(owner);
    expect(await api.getServerInfo()).toMatchObject({ phoneUrls: ['https://192.168.1.9:8443/'], loopbackOnly: false });
    expect(server.asked).toEqual([`Bearer ${owner}`]);
  });

  it('ignores a damaged owner link; on a rendezvous-only server sends phones to this page host, naming the rendezvous', async () => {
    const { api, storage } = setup({}, { address: { hash: '#owner=nope', clear: () => {} } });
    expect(storage.getItem(STORAGE_KEYS.owner)).toBeNull();
    expect((await api.getConfig()).owner).toBeNull();
    const rendezvousOnly = infoServer({ phoneUrls: [], rendezvousUrl: null, loopbackOnly: true, open: false, pages: false });
    const hosted = setup({}, { serverUrl: 'https://rv.example.org', pageOrigin: 'https://pages.example.org', http: rendezvousOnly.http });
    expect(await hosted.api.getServerInfo()).toEqual({ embedded: false, fingerprint: null, phoneUrls: ['https://pages.example.org/'], loopbackOnly: false, rendezvousUrl: 'https://rv.example.org/' });
    const local = setup({}, { serverUrl: 'https://127.0.0.1:8443' });
    expect(await local.api.getServerInfo()).toMatchObject({ loopbackOnly: true });
  });

  it('keeps pair keys out of this API (the web shell stores CryptoKeys in IndexedDB)', async () => {
    const { api } = setup();
    await expect(api.savePairKey(ID, new Uint8Array(32))).rejects.toThrow(/IndexedDB/);
    await expect(api.macWithPairKey(ID, new Uint8Array(1))).rejects.toThrow(/IndexedDB/);
    await expect(api.deletePairKey(ID)).rejects.toThrow(/IndexedDB/);
  });
});
