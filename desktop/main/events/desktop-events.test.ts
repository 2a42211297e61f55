import type { BrowserWindow } from 'electron';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIP_CHUNK_BYTES, DEFAULT_DETECTION_SETTINGS, encodeBase64, type CameraEventMessage } from '../../../protocol/event-messages.ts';
import { FakeTimers } from '../../../protocol/testing/timers.ts';
import type { TimelineEvent } from '../../../protocol/ipc.ts';
import { createIpcHandlers } from '../app-handlers.ts';
import { serveAppRequest } from '../app-scheme.ts';
import { handleCall, type GateEvent } from '../ipc.ts';
import { defaultSettings, type Settings } from '../settings.ts';
import { viewerSettingsOf } from '../viewer-settings.ts';
import { localDay } from '../../../protocol/local-day.ts';
import { clipsFolder, defaultClipsFolder, detectionSettingsFor, reportPresence, setupDesktopEvents } from './desktop-events.ts';
import { EVENT_INDEX_FILE, type EventsService } from './setup-events.ts';

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
const hall = { id: 'cam-hall', name: 'Hall', addedAt: 1 };

describe('the clips folder', () => {
  it('is pawcam in the Videos folder by default, the app data folder when there is none, or the folder chosen', () => {
    const settings = defaultSettings();
    expect(defaultClipsFolder(() => '/home/u/Videos', '/data')).toBe(join('/home/u/Videos', 'pawcam'));
    expect(defaultClipsFolder(() => { throw new Error("Failed to get 'videos' path"); }, '/data')).toBe(join('/data', 'clips'));
    expect(defaultClipsFolder(() => '', '/data')).toBe(join('/data', 'clips'));
    expect(clipsFolder({ ...settings, events: { ...settings.events, clipsFolder: '/mnt/pets' } }, () => '/v', '/data')).toBe('/mnt/pets');
    // A relative path would land wherever the app was started from: the default instead.
    expect(clipsFolder({ ...settings, events: { ...settings.events, clipsFolder: 'pets' } }, () => '/v', '/data')).toBe(join('/v', 'pawcam'));
  });

  it('detection settings are the camera\'s own, else the defaults; retention defaults to 30 days and 20 GB', () => {
    const settings = defaultSettings();
    const own = { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 5 };
    expect(detectionSettingsFor(settings, hall.id)).toEqual(DEFAULT_DETECTION_SETTINGS);
    expect(detectionSettingsFor({ ...settings, events: { ...settings.events, detection: { [hall.id]: own } } }, hall.id)).toEqual(own);
    expect(settings.events).toMatchObject({ clipsFolder: null, retentionDays: 30, retentionGigabytes: 20 });
  });
});

describe('the desktop events wiring', () => {
  let dir: string;
  let settings: Settings;
  let timers: FakeTimers;
  let shown: { title: string; body: string; icon?: string; onClick?: () => void }[];
  let unseen: number[];
  let opened: string[];
  let openedFiles: string[];
  let events: EventsService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pawcam-desktop-events-'));
    settings = { ...defaultSettings(), cameras: [hall] };
    timers = new FakeTimers(new Date(2027, 4, 20, 12, 0, 0).getTime());
    shown = [];
    unseen = [];
    opened = [];
    openedFiles = [];
    events = await setupDesktopEvents({
      settings: { get: () => settings },
      userDataDir: join(dir, 'userData'),
      videosDir: () => join(dir, 'Videos'),
      notifier: { show: (m) => void shown.push(m) },
      showEvent: (cameraId, eventId, at) => void opened.push(`${cameraId}/${eventId}@${at}`),
      onUnseen: (total) => void unseen.push(total),
      timers,
    });
  });
  afterEach(async () => {
    events.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Main's IPC handlers over the real events store, called through the real gate as the main window. */
  function ipc() {
    const handlers = createIpcHandlers({
      settings: { get: () => settings, update: async () => settings },
      serverUrl: () => 'https://127.0.0.1:8443',
      serverInfo: () => ({ embedded: true, phoneUrls: [], fingerprint: null }),
      windows: { showMain: () => ({}) as BrowserWindow, openMini: () => ({}) as BrowserWindow, closeFor: () => undefined, send: () => undefined, setAspectRatio: () => undefined },
      snapshots: { save: async () => ({ ok: true, path: '' }) },
      pairKeys: { mac: async () => null, save: async () => undefined, delete: async () => undefined, deleteMany: async () => undefined },
      viewerSettings: { get: () => viewerSettingsOf(settings), update: async () => viewerSettingsOf(settings), chooseSnapshotFolder: async () => null, chooseClipsFolder: async () => null },
      onCameraStates: (states) => reportPresence(events, states),
      openExternal: async () => undefined,
      events,
      detectionSettings: (cameraId) => detectionSettingsFor(settings, cameraId),
      openPath: async (path) => (openedFiles.push(path), ''),
    });
    const windows = { windowFor: (id: number) => (id === 1 ? { kind: 'main' as const, win: {} as BrowserWindow } : undefined) };
    const sender = { sender: { id: 1 }, senderFrame: { parent: null, url: 'pawcam://app/index.html' } } as unknown as GateEvent;
    return {
      handleEventMessage: (cameraId: string, message: unknown) => handleCall('handleEventMessage', handlers, windows, sender, [cameraId, message]),
      getDetectionSettings: (cameraId: string) => handleCall('getDetectionSettings', handlers, windows, sender, [cameraId]),
      reportStates: (states: unknown) => handleCall('reportCameraStates', handlers, windows, sender, [states]),
      listEvents: (cameraId: string, day: string) => handleCall('listEvents', handlers, windows, sender, [cameraId, day, null]),
      openDailyReport: (cameraId: string, day: string) => handleCall('openDailyReport', handlers, windows, sender, [cameraId, day]),
      markSeen: (cameraId: string, ids: string[]) => handleCall('markEventsSeen', handlers, windows, sender, [cameraId, ids]),
    };
  }

  const motion = (id: string, clip = false): CameraEventMessage => ({ t: 'event', id, kind: 'motion', at: timers.now(), durationMs: 2000, strength: 0.3, levelDbfs: null, thumbnail: encodeBase64(JPEG), clip });

  it('an event message handed over IPC is in the SQLite index, its thumbnail and clip in the clips folder, and acked', async () => {
    const { handleEventMessage } = ipc();
    expect(unseen).toEqual([0]);
    const e = motion('00000000000000e1', true);
    expect(await handleEventMessage(hall.id, e)).toEqual({ ok: true, value: [{ t: 'event-ack', id: e.id }] });
    const clip = Buffer.concat(Array.from({ length: 30 }, (_, i) => createHash('sha512').update(String(i)).digest()));
    const sha256 = createHash('sha256').update(clip).digest('hex');
    let reply: unknown;
    for (let offset = 0; offset < clip.length; offset += CLIP_CHUNK_BYTES) {
      const data = encodeBase64(clip.subarray(offset, offset + CLIP_CHUNK_BYTES));
      reply = await handleEventMessage(hall.id, { t: 'clip-chunk', eventId: e.id, offset, total: clip.length, sha256, mimeType: 'video/webm', startedAt: e.at - 3000, data });
    }
    expect(reply).toEqual({ ok: true, value: [{ t: 'clip-ack', eventId: e.id, offset: clip.length, status: 'complete' }] });

    // What a user finds: a row in the index file, the clip and thumbnail in Videos/pawcam/Hall/<day>/.
    const db = new DatabaseSync(join(dir, 'userData', EVENT_INDEX_FILE), { readOnly: true });
    const rows = db.prepare('SELECT * FROM events').all() as Record<string, unknown>[];
    db.close();
    expect(rows).toHaveLength(1);
    const clipsDir = join(dir, 'Videos', 'pawcam', 'Hall');
    const [day] = await readdir(clipsDir);
    const files = (await readdir(join(clipsDir, day!))).sort();
    expect(files).toEqual([expect.stringMatching(/^pawcam-Hall-.*-motion\.jpg$/), expect.stringMatching(/^pawcam-Hall-.*-motion\.webm$/)]);
    expect(await readFile(join(clipsDir, day!, files[1]!))).toEqual(clip);

    // The notification names the camera, shows the thumbnail and opens that moment; the tray counts it.
    expect(shown).toEqual([expect.objectContaining({ title: 'Hall: Motion', icon: join(clipsDir, day!, files[0]!) })]);
    shown[0]!.onClick!();
    expect(opened).toEqual([`${hall.id}/${e.id}@${e.at}`]);
    expect(unseen.at(-1)).toBe(1);

    // The timeline lists it with app URLs that the pawcam:// scheme serves from the clips folder.
    const { listEvents, openDailyReport, markSeen } = ipc();
    const listed = await listEvents(hall.id, localDay(e.at));
    expect(listed).toEqual({ ok: true, value: [expect.objectContaining({ id: e.id, kind: 'motion', clipPending: false, seen: false, clipUrl: expect.stringMatching(/^pawcam:\/\/app\/clips\/Hall\//) })] });
    const [item] = (listed as { value: TimelineEvent[] }).value;
    const serve = (url: string, headers: Record<string, string> = {}) =>
      serveAppRequest(new Request(url, { headers }), { root: dir, csp: () => 'default-src \'none\'', clipsDir: () => clipsFolder(settings, () => join(dir, 'Videos'), join(dir, 'userData')) });
    expect(new Uint8Array(await (await serve(item!.clipUrl!)).arrayBuffer())).toEqual(new Uint8Array(clip));
    const seek = await serve(item!.clipUrl!, { range: 'bytes=1000-' });
    expect(seek.status).toBe(206);
    expect(new Uint8Array(await seek.arrayBuffer())).toEqual(new Uint8Array(clip.subarray(1000)));
    expect((await serve(item!.thumbnailUrl!)).headers.get('content-type')).toBe('image/jpeg');

    // Seen: the tray's count drops. The day's report is written next to the clips and opened.
    expect(await markSeen(hall.id, [e.id])).toEqual({ ok: true, value: null });
    expect(unseen.at(-1)).toBe(0);
    const report = await openDailyReport(hall.id, localDay(e.at));
    expect(report).toEqual({ ok: true, value: { ok: true, path: join(clipsDir, day!, `pawcam-report-Hall-${day}.html`) } });
    expect(openedFiles).toEqual([join(clipsDir, day!, `pawcam-report-Hall-${day}.html`)]);
    expect(await readFile(openedFiles[0]!, 'utf8')).toContain('<svg');
  });

  it('a camera not in the list, or a message that is not an event message, changes nothing', async () => {
    const { handleEventMessage } = ipc();
    expect(await handleEventMessage('cam-stranger', motion('00000000000000e2'))).toMatchObject({ ok: false, error: { code: 'peer-unavailable' } });
    expect(await handleEventMessage(hall.id, { ...motion('00000000000000e3'), kind: 'bark' })).toMatchObject({ ok: false, error: { code: 'malformed-message' } });
    expect(await handleEventMessage(hall.id, DEFAULT_DETECTION_SETTINGS)).toEqual({ ok: true, value: [] });
    expect(events.listDay(hall.id, localDay(timers.now()))).toEqual([]);
    expect(shown).toEqual([]);
  });

  it('with notifications off in Settings, events are kept but not notified', async () => {
    settings = { ...settings, notifications: false };
    expect(await ipc().handleEventMessage(hall.id, motion('00000000000000e4'))).toMatchObject({ ok: true });
    expect(shown).toEqual([]);
    expect(unseen.at(-1)).toBe(1);
  });

  it('the camera gets its own detection settings when its link opens', async () => {
    const own = { ...DEFAULT_DETECTION_SETTINGS, motion: { ...DEFAULT_DETECTION_SETTINGS.motion, sensitivity: 80 } };
    settings = { ...settings, events: { ...settings.events, detection: { [hall.id]: own } } };
    expect(await ipc().getDetectionSettings(hall.id)).toEqual({ ok: true, value: own });
    expect(await ipc().getDetectionSettings('cam-stranger')).toMatchObject({ ok: false });
  });

  it('a camera the viewer reports offline for 10 minutes becomes a "camera offline" notification', async () => {
    const { reportStates } = ipc();
    await reportStates([{ id: hall.id, name: hall.name, state: 'online' }]);
    timers.advance(60_000);
    await reportStates([{ id: hall.id, name: hall.name, state: 'offline' }]);
    timers.advance(9 * 60_000);
    expect(shown).toEqual([]);
    timers.advance(60_000);
    expect(shown).toEqual([expect.objectContaining({ title: 'Hall has been offline for 10 min', body: expect.not.stringContaining('battery') })]);
    // 'unknown' (not yet pinged) says nothing either way.
    await reportStates([{ id: hall.id, name: hall.name, state: 'unknown' }]);
    timers.advance(3_600_000);
    expect(shown).toHaveLength(1);
  });

  it('"camera offline" names the battery level the camera last reported, and clicking it opens that moment', async () => {
    const { reportStates, listEvents } = ipc();
    await reportStates([{ id: hall.id, name: hall.name, state: 'online', battery: 0.37 }]);
    timers.advance(60_000);
    // The viewer keeps reporting the last level it knew after the link ended.
    await reportStates([{ id: hall.id, name: hall.name, state: 'offline', battery: 0.37 }]);
    timers.advance(10 * 60_000 + 30_000);
    expect(shown).toEqual([expect.objectContaining({ title: 'Hall has been offline for 10 min', body: expect.stringContaining('battery was at 37 %') })]);
    const listed = (await listEvents(hall.id, localDay(timers.now()))) as { ok: true; value: TimelineEvent[] };
    expect(listed.value).toEqual([expect.objectContaining({ kind: 'camera-offline', battery: 0.37, clipUrl: null, thumbnailUrl: null, clipPending: false })]);
    shown[0]!.onClick!();
    expect(opened).toEqual([`${hall.id}/${listed.value[0]!.id}@${listed.value[0]!.at}`]);
  });
});
