import type { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importMacKey, macOf } from '../../protocol/crypto.ts';
import { DEFAULT_DETECTION_SETTINGS, type EventMessage } from '../../protocol/event-messages.ts';
import type { CameraStates, ViewerCommand } from '../../protocol/ipc.ts';
import { viewerBaseId } from '../../protocol/ids.ts';
import { createIpcHandlers, createTrayActions, viewerConfig, type AppHandlerDeps } from './app-handlers.ts';
import type { IpcContext } from './ipc.ts';
import { defaultSettings, type Settings } from './settings.ts';
import { viewerSettingsOf } from './viewer-settings.ts';
import type { TimelineRow } from './events/setup-events.ts';

const camera = { id: 'cam-0123456789abcdef0123456789abcdef', name: 'Kitchen', addedAt: 1 };
const other = { id: 'cam-ffffffffffffffffffffffffffffffff', name: 'Garden', addedAt: 2 };
const mainWin = { id: 'main window' } as unknown as BrowserWindow;
const ctx = (kind: 'main' | 'mini', webContentsId = 1, cameraId?: string): IpcContext => ({ window: { kind, win: kind === 'main' ? mainWin : ({} as BrowserWindow), cameraId }, webContentsId });

function setup(options: { rows?: TimelineRow[]; reportFails?: boolean; openProblem?: string } = {}) {
  let settings: Settings = { ...defaultSettings(), cameras: [camera] };
  const rows = options.rows ?? [];
  const reportFails = options.reportFails ?? false;
  const openProblem = options.openProblem ?? '';
  const log: string[] = [];
  const states: CameraStates[] = [];
  const keys = new Map<string, Uint8Array>();
  const deps: AppHandlerDeps = {
    settings: {
      get: () => settings,
      update: async (change) => (settings = { ...settings, ...(typeof change === 'function' ? change(settings) : change) }),
    },
    serverUrl: () => 'https://127.0.0.1:8443',
    serverInfo: () => ({ embedded: true, phoneUrls: ['https://192.168.1.2:8443/'], fingerprint: null }),
    windows: {
      showMain: () => (log.push('showMain'), {} as BrowserWindow),
      openMini: (id) => (log.push(`mini ${id}`), {} as BrowserWindow),
      closeFor: (id) => void log.push(`close ${id}`),
      send: (c: ViewerCommand) => void log.push(`send ${JSON.stringify(c)}`),
      setAspectRatio: (id, ratio) => void log.push(`ratio ${id} ${ratio}`),
    },
    snapshots: { save: async () => ({ ok: true, path: '/d/x.png' }) },
    pairKeys: {
      mac: async (id, data) => (keys.has(id) ? macOf(await importMacKey(Uint8Array.from(keys.get(id)!)), Uint8Array.from(data)) : null),
      save: async (id, key) => void keys.set(id, Uint8Array.from(key)),
      delete: async (id) => void keys.delete(id),
      deleteMany: async (ids) => ids.forEach((id) => keys.delete(id)),
    },
    viewerSettings: {
      get: () => ({ ...viewerSettingsOf(settings) }),
      update: async (change) => (log.push(`settings ${JSON.stringify(change)}`), viewerSettingsOf(settings)),
      chooseSnapshotFolder: async () => (log.push('choose folder'), '/home/u/Pictures'),
      chooseClipsFolder: async (parent) => (log.push(`choose clips folder ${parent === mainWin ? 'over main' : 'elsewhere'}`), '/mnt/big/clips'),
    },
    onCameraStates: (s) => void states.push(s),
    openExternal: async (url) => void log.push(`open ${url}`),
    events: {
      handleMessage: async (cameraId, raw) => {
        log.push(`event ${cameraId} ${String(raw)}`);
        const m = JSON.parse(String(raw)) as { t: string; id: string };
        return m.t === 'event' ? { t: 'event-ack', id: m.id } : null;
      },
      listTimeline: (cameraId, day, kinds) => (log.push(`list ${cameraId} ${day} ${kinds?.join(',') ?? 'all'}`), rows.filter((r) => !kinds || kinds.includes(r.kind))),
      deleteEvent: async (cameraId, id) => void log.push(`delete ${cameraId} ${id}`),
      markSeen: (cameraId, ids) => void log.push(`seen ${cameraId} ${ids.join(',')}`),
      writeDailyReport: async (cameraId, day) => {
        if (reportFails) throw new Error('EACCES: permission denied, open \'/v/pawcam/Kitchen/report.html\'');
        log.push(`report ${cameraId} ${day}`);
        return `/v/pawcam/Kitchen/${day}/pawcam-report-Kitchen-${day}.html`;
      },
      unseenCounts: () => new Map([[camera.id, 2], [other.id, 5], ['cam-gone', 1]]),
    },
    detectionSettings: (cameraId) => settings.events.detection[cameraId] ?? { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: cameraId === camera.id ? 30 : 0 },
    openPath: async (path) => (log.push(`openPath ${path}`), openProblem),
  };
  const handlers = createIpcHandlers(deps);
  return { handlers, deps, log, states, keys, get settings() {
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
    // A sub-ID under the viewer's pairing: the camera looks the pair key up by the base ID.
    expect(mini.viewerId).toBe(`${settings.viewerId}_mini`);
    expect(viewerBaseId(mini.viewerId)).toBe(main.viewerId);
    expect(mini.viewerToken).toBe(main.viewerToken);
  });

  it('saves the camera list from the main window only', async () => {
    const t = setup();
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

describe('pair keys over IPC', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const DATA = new TextEncoder().encode('offer transcript');

  it('the main window saves, MACs with and deletes (the key never comes back); forgetting a camera deletes its key', async () => {
    const t = setup();
    await t.handlers.savePairKey(ctx('main'), camera.id, key);
    await t.handlers.savePairKey(ctx('main'), other.id, key);
    expect(await t.handlers.macWithPairKey(ctx('main'), camera.id, DATA)).toBe(await macOf(await importMacKey(Uint8Array.from(key)), DATA));
    // The camera list never had `other` (it is mid-pairing): saving the list keeps its key.
    await t.handlers.saveCameras(ctx('main'), [camera]);
    expect([...t.keys.keys()]).toEqual([camera.id, other.id]);
    await t.handlers.saveCameras(ctx('main'), [camera, other]);
    await t.handlers.saveCameras(ctx('main'), [other]);
    expect([...t.keys.keys()]).toEqual([other.id]);
    await t.handlers.deletePairKey(ctx('main'), other.id);
    expect(t.keys.size).toBe(0);
    expect(await t.handlers.macWithPairKey(ctx('main'), other.id, DATA)).toBeNull();
  });

  it('the mini window MACs only with its own camera\'s key and cannot save or delete', async () => {
    const t = setup();
    await t.handlers.savePairKey(ctx('main'), camera.id, key);
    await t.handlers.savePairKey(ctx('main'), other.id, key);
    expect(await t.handlers.macWithPairKey(ctx('mini', 2, camera.id), camera.id, DATA)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(() => t.handlers.macWithPairKey(ctx('mini', 2, camera.id), other.id, DATA)).toThrow(/its own camera/);
    await expect(Promise.resolve().then(() => t.handlers.savePairKey(ctx('mini', 2, camera.id), camera.id, key))).rejects.toThrow(/main window/);
    await expect(Promise.resolve().then(() => t.handlers.deletePairKey(ctx('mini', 2, camera.id), camera.id))).rejects.toThrow(/main window/);
    expect(t.keys.size).toBe(2);
  });
});

describe('settings, server info and the mini window over IPC', () => {
  it('any window reads settings; only the main window changes them', async () => {
    const t = setup();
    expect(await t.handlers.getSettings(ctx('mini', 2, camera.id))).toMatchObject({ alwaysRelay: false });
    await t.handlers.updateSettings(ctx('main'), { alwaysRelay: true });
    expect(await t.handlers.chooseSnapshotFolder(ctx('main'))).toBe('/home/u/Pictures');
    await expect(Promise.resolve().then(() => t.handlers.updateSettings(ctx('mini', 2), { alwaysRelay: false }))).rejects.toThrow(/main window/);
    await expect(Promise.resolve().then(() => t.handlers.chooseSnapshotFolder(ctx('mini', 2)))).rejects.toThrow(/main window/);
    expect(t.log).toEqual(['settings {"alwaysRelay":true}', 'choose folder']);
  });

  it('the clips folder picker opens over the main window only', async () => {
    const t = setup();
    expect(await t.handlers.chooseClipsFolder(ctx('main'))).toBe('/mnt/big/clips');
    await expect(Promise.resolve().then(() => t.handlers.chooseClipsFolder(ctx('mini', 2, camera.id)))).rejects.toThrow(/Only the main window can change settings/);
    expect(t.log).toEqual(['choose clips folder over main']);
  });

  it('gives server info', async () => {
    const t = setup();
    expect(await t.handlers.getServerInfo(ctx('main'))).toEqual({ embedded: true, phoneUrls: ['https://192.168.1.2:8443/'], fingerprint: null });
  });

  it('sets the aspect ratio for the mini window only', async () => {
    const t = setup();
    await t.handlers.setAspectRatio(ctx('mini', 5, camera.id), 4 / 3);
    expect(() => t.handlers.setAspectRatio(ctx('main', 1), 4 / 3)).toThrow(/mini window/);
    expect(t.log).toEqual([`ratio 5 ${4 / 3}`]);
  });
});

describe('events over IPC', () => {
  const event: EventMessage = { t: 'event', id: '00000000000000a1', kind: 'motion', at: 1_800_000_000_000, durationMs: 0, strength: 0.5, levelDbfs: null, thumbnail: null, clip: false };

  it('hands a listed camera\'s event message to the store and returns its reply for the camera', async () => {
    const { handlers, log } = setup();
    expect(await handlers.handleEventMessage(ctx('main'), camera.id, event)).toEqual([{ t: 'event-ack', id: event.id }]);
    expect(log).toEqual([`event ${camera.id} ${JSON.stringify(event)}`]);
    expect(await handlers.handleEventMessage(ctx('main'), camera.id, { t: 'event-end', id: event.id, durationMs: 5 })).toEqual([]);
  });

  it('refuses a camera that is not in the list, and the mini window; nothing reaches the store', async () => {
    const { handlers, log } = setup();
    await expect(handlers.handleEventMessage(ctx('main'), other.id, event)).rejects.toThrow('not in your camera list');
    await expect(handlers.handleEventMessage(ctx('mini', 2, camera.id), camera.id, event)).rejects.toThrow('Only the main window');
    expect(log).toEqual([]);
  });

  it('gives a listed camera its detection settings, to the main window only', async () => {
    const { handlers } = setup();
    expect(await handlers.getDetectionSettings(ctx('main'), camera.id)).toMatchObject({ t: 'detection-settings', cooldownSec: 30 });
    expect(() => handlers.getDetectionSettings(ctx('main'), other.id)).toThrow('not in your camera list');
    expect(() => handlers.getDetectionSettings(ctx('mini', 2, camera.id), camera.id)).toThrow('Only the main window');
  });
});

describe('the timeline over IPC', () => {
  const row = (id: string, kind: TimelineRow['kind'], extra: Partial<TimelineRow> = {}): TimelineRow => ({
    cameraId: camera.id,
    id,
    kind,
    at: 1_800_000_000_000,
    durationMs: 4000,
    strength: 0.4,
    levelDbfs: null,
    battery: null,
    thumbnail: null,
    clip: null,
    clipBytes: 0,
    clipExpected: false,
    seen: false,
    receivedAt: 1_800_000_000_500,
    clipPending: false,
    ...extra,
  });
  const rows = [
    row('00000000000000b1', 'motion', { thumbnail: join('Kitchen', '2027-01-15', 'pawcam-Kitchen #1.jpg'), clip: join('Kitchen', '2027-01-15', 'pawcam-Kitchen.webm') }),
    row('00000000000000b2', 'barking-like', { clipExpected: true, clipPending: true, seen: true }),
    row('00000000000000b3', 'camera-offline', { battery: 0.42 }),
  ];

  it('lists a day\'s events with their files as pawcam://app/clips URLs, in any window, for listed cameras only', async () => {
    const { handlers, log } = setup({ rows });
    const listed = await handlers.listEvents(ctx('mini', 2, camera.id), camera.id, '2027-01-15', null);
    expect(listed).toEqual([
      {
        id: '00000000000000b1',
        kind: 'motion',
        at: 1_800_000_000_000,
        durationMs: 4000,
        battery: null,
        thumbnailUrl: 'pawcam://app/clips/Kitchen/2027-01-15/pawcam-Kitchen%20%231.jpg',
        clipUrl: 'pawcam://app/clips/Kitchen/2027-01-15/pawcam-Kitchen.webm',
        clipPending: false,
        seen: false,
      },
      expect.objectContaining({ id: '00000000000000b2', clipUrl: null, clipPending: true, seen: true }),
      expect.objectContaining({ id: '00000000000000b3', kind: 'camera-offline', battery: 0.42 }),
    ]);
    expect(await handlers.listEvents(ctx('main'), camera.id, '2027-01-15', ['barking-like'])).toEqual([expect.objectContaining({ id: '00000000000000b2' })]);
    expect(() => handlers.listEvents(ctx('main'), other.id, '2027-01-15', null)).toThrow('not in your camera list');
    expect(log).toEqual([`list ${camera.id} 2027-01-15 all`, `list ${camera.id} 2027-01-15 barking-like`]);
  });

  it('deletes and marks seen from the main window only, for listed cameras only', async () => {
    const { handlers, log } = setup({ rows });
    expect(await handlers.deleteEvent(ctx('main'), camera.id, '00000000000000b1')).toBeNull();
    expect(await handlers.markEventsSeen(ctx('main'), camera.id, ['00000000000000b2', '00000000000000b3'])).toBeNull();
    await expect(Promise.resolve().then(() => handlers.deleteEvent(ctx('mini', 2, camera.id), camera.id, '00000000000000b1'))).rejects.toThrow('Only the main window');
    await expect(Promise.resolve().then(() => handlers.markEventsSeen(ctx('mini', 2, camera.id), camera.id, []))).rejects.toThrow('Only the main window');
    await expect(Promise.resolve().then(() => handlers.deleteEvent(ctx('main'), other.id, '00000000000000b1'))).rejects.toThrow('not in your camera list');
    expect(log).toEqual([`delete ${camera.id} 00000000000000b1`, `seen ${camera.id} 00000000000000b2,00000000000000b3`]);
  });

  it('writes the daily report and opens it; says where it is when it cannot be opened, and why it was not written', async () => {
    const ok = setup();
    const path = '/v/pawcam/Kitchen/2027-01-15/pawcam-report-Kitchen-2027-01-15.html';
    expect(await ok.handlers.openDailyReport(ctx('main'), camera.id, '2027-01-15')).toEqual({ ok: true, path });
    expect(ok.log).toEqual([`report ${camera.id} 2027-01-15`, `openPath ${path}`]);
    await expect(Promise.resolve().then(() => ok.handlers.openDailyReport(ctx('mini', 2, camera.id), camera.id, '2027-01-15'))).rejects.toThrow('Only the main window');

    const cannotOpen = setup({ openProblem: 'No application is registered for .html files' });
    expect(await cannotOpen.handlers.openDailyReport(ctx('main'), camera.id, '2027-01-15')).toEqual({
      ok: false,
      error: `The report was saved to ${path} but could not be opened: No application is registered for .html files`,
    });
    const cannotWrite = setup({ reportFails: true });
    expect(await cannotWrite.handlers.openDailyReport(ctx('main'), camera.id, '2027-01-15')).toEqual({ ok: false, error: expect.stringMatching(/^The report could not be saved: EACCES/) });
    expect(cannotWrite.log).toEqual([]);
  });

  it('keeps each camera\'s detection settings and muted kinds in settings.json; the camera gets the new settings at its next link', async () => {
    const t = setup();
    expect(await t.handlers.getEventPrefs(ctx('main'), camera.id)).toEqual({ detection: { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 30 }, mutedKinds: [] });
    const detection = { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 120 };
    const saved = await t.handlers.setEventPrefs(ctx('main'), camera.id, { detection, mutedKinds: ['loud-sound', 'motion', 'loud-sound'] });
    expect(saved).toEqual({ detection, mutedKinds: ['motion', 'loud-sound'] });
    expect(t.settings.events.detection[camera.id]).toEqual(detection);
    expect(t.settings.events.mutedKinds[camera.id]).toEqual(['motion', 'loud-sound']);
    const prefs = { detection, mutedKinds: ['motion' as const, 'loud-sound' as const] };
    expect(await t.handlers.getEventPrefs(ctx('mini', 2, camera.id), camera.id)).toEqual(prefs);
    expect(await t.handlers.getDetectionSettings(ctx('main'), camera.id)).toEqual(detection);
    await expect(Promise.resolve().then(() => t.handlers.setEventPrefs(ctx('mini', 2, camera.id), camera.id, prefs))).rejects.toThrow('Only the main window');
    await expect(Promise.resolve().then(() => t.handlers.setEventPrefs(ctx('main'), other.id, prefs))).rejects.toThrow('not in your camera list');
    expect(() => t.handlers.getEventPrefs(ctx('main'), other.id)).toThrow('not in your camera list');
  });

  it('counts unseen events of listed cameras only', async () => {
    expect(await setup().handlers.unseenEventCounts(ctx('main'))).toEqual({ [camera.id]: 2 });
  });

  it('without an events index, event messages get no ack (the camera keeps them) and the timeline says why it is empty', async () => {
    const t = setup();
    const handlers = createIpcHandlers({ ...t.deps, events: null });
    expect(await handlers.handleEventMessage(ctx('main'), camera.id, { t: 'event-end', id: '00000000000000a1', durationMs: 5 })).toEqual([]);
    expect(() => handlers.listEvents(ctx('main'), camera.id, '2027-01-15', null)).toThrow('cannot keep camera events');
    expect(await handlers.unseenEventCounts(ctx('main'))).toEqual({});
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
