import type { BrowserWindow, IpcMain } from 'electron';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, type EventMessage } from '../../protocol/event-messages.ts';
import { PawcamError } from '../../protocol/errors.ts';
import { ipcContract, type ViewerConfig, type ViewerSettings } from '../../protocol/ipc.ts';
import type { OurWindow } from './app-windows.ts';
import { isIpcReply } from '../../protocol/ipc-reply.ts';
import { checkSender, setupIpc, type GateEvent, type IpcHandlers } from './ipc.ts';

const config: ViewerConfig = {
  serverUrl: 'https://127.0.0.1:8443',
  viewerId: 'viewer-0123456789abcdef0123456789abcdef',
  viewerToken: '0123456789abcdef0123456789abcdef',
  viewerName: 'desk',
  shell: 'desktop',
};
const camera = { id: 'cam-0123456789abcdef0123456789abcdef', name: 'Kitchen', addedAt: 5 };
const settings: ViewerSettings = {
  serverUrl: null,
  serverFingerprint: null,
  snapshotFolder: null,
  snapshotShortcut: 'CommandOrControl+Alt+P',
  startAtLogin: false,
  notifications: true,
  alwaysRelay: false,
  viewerName: 'desk',
};

const motion: EventMessage = { t: 'event', id: '00000000000000a1', kind: 'motion', at: 1_800_000_000_000, durationMs: 0, strength: 0.5, levelDbfs: null, thumbnail: null, clip: false };
const chunk = { t: 'clip-chunk', eventId: '00000000000000a1', offset: 0, total: 3, sha256: 'a'.repeat(64), mimeType: 'video/webm', startedAt: 1_800_000_000_000, data: 'AAAA' };

const mainWindow: OurWindow = { kind: 'main', win: {} as BrowserWindow };
const windows = { windowFor: (id: number) => (id === 1 ? mainWindow : undefined) };

type Frame = { url: string; parent: Frame | null };
const frame = (url = 'pawcam://app/index.html', parent: Frame | null = null): Frame => ({ url, parent });
const event = (senderId = 1, senderFrame: Frame | null = frame()): GateEvent => ({ sender: { id: senderId }, senderFrame } as unknown as GateEvent);

function gate(overrides: Partial<IpcHandlers> = {}) {
  const calls: string[] = [];
  const handlers: IpcHandlers = {
    getConfig: () => config,
    listCameras: () => [camera],
    saveCameras: (_ctx, cameras) => (calls.push(`save ${cameras.length}`), null),
    reportCameraStates: () => null,
    saveSnapshot: () => ({ ok: true, path: '/tmp/x.png' }),
    openMiniWindow: (_ctx, id) => (calls.push(`mini ${id}`), null),
    openMainWindow: () => null,
    closeWindow: (ctx) => (calls.push(`close ${ctx.window.kind}`), null),
    openExternal: (_ctx, url) => (calls.push(`open ${url}`), null),
    savePairKey: (_ctx, id, key) => (calls.push(`pair ${id} ${key.byteLength}`), null),
    macWithPairKey: () => null,
    deletePairKey: (_ctx, id) => (calls.push(`unpair ${id}`), null),
    getSettings: () => settings,
    updateSettings: (_ctx, change) => (calls.push(`settings ${JSON.stringify(change)}`), { ...settings, ...change }),
    chooseSnapshotFolder: () => null,
    chooseClipsFolder: () => null,
    getServerInfo: () => ({ embedded: true, phoneUrls: ['https://192.168.1.2:8443/'], fingerprint: null }),
    setAspectRatio: (_ctx, ratio) => (calls.push(`ratio ${ratio}`), null),
    handleEventMessage: (_ctx, id, message) => (calls.push(`event ${id} ${message.t}`), message.t === 'event' ? [{ t: 'event-ack', id: message.id }] : []),
    getDetectionSettings: (_ctx, id) => (calls.push(`detection ${id}`), DEFAULT_DETECTION_SETTINGS),
    listEvents: (_ctx, id, day) => (calls.push(`list ${id} ${day}`), []),
    deleteEvent: (_ctx, id, eventId) => (calls.push(`delete ${id} ${eventId}`), null),
    markEventsSeen: (_ctx, id, ids) => (calls.push(`seen ${id} ${ids.length}`), null),
    openDailyReport: (_ctx, id, day) => (calls.push(`report ${id} ${day}`), { ok: true, path: '/v/report.html' }),
    getEventPrefs: () => ({ detection: DEFAULT_DETECTION_SETTINGS, mutedKinds: [] }),
    setEventPrefs: (_ctx, _id, prefs) => prefs,
    unseenEventCounts: () => ({}),
    ...overrides,
  };
  const registered = new Map<string, (e: GateEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain = {
    handle: (channel: string, fn: (e: GateEvent, ...args: unknown[]) => Promise<unknown>) => void registered.set(channel, fn),
    removeHandler: (channel: string) => void registered.delete(channel),
  } as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>;
  const dispose = setupIpc({ ipcMain, windows, handlers });
  const invoke = (channel: string, e: GateEvent, ...args: unknown[]) => registered.get(channel)!(e, ...args);
  return { calls, registered, invoke, dispose };
}

describe('IPC gate', () => {
  it('registers one handler for every contract channel, and removes them', () => {
    const { registered, dispose } = gate();
    expect([...registered.keys()].sort()).toEqual(Object.values(ipcContract).map((e) => e.channel).sort());
    dispose();
    expect(registered.size).toBe(0);
  });

  it('answers our window with the value', async () => {
    const { invoke, calls } = gate();
    expect(await invoke('viewer:get-config', event())).toEqual({ ok: true, value: config });
    expect(await invoke('cameras:save', event(), [camera])).toEqual({ ok: true, value: null });
    expect(await invoke('window:close', event())).toEqual({ ok: true, value: null });
    expect(calls).toEqual(['save 1', 'close main']);
  });

  it('passes the new channels their validated arguments', async () => {
    const { invoke, calls } = gate();
    expect(await invoke('pairing:save-key', event(), camera.id, new Uint8Array(32))).toEqual({ ok: true, value: null });
    expect(await invoke('settings:update', event(), { alwaysRelay: true })).toEqual({ ok: true, value: { ...settings, alwaysRelay: true } });
    expect(await invoke('window:set-aspect-ratio', event(), 4 / 3)).toEqual({ ok: true, value: null });
    expect(await invoke('server:info', event())).toMatchObject({ ok: true, value: { embedded: true } });
    expect(calls).toEqual([`pair ${camera.id} 32`, 'settings {"alwaysRelay":true}', `ratio ${4 / 3}`]);
  });

  it('hands a camera\'s event message to main and returns the replies for the camera; gives detection settings', async () => {
    const { invoke, calls } = gate();
    expect(await invoke('events:handle-message', event(), camera.id, motion)).toEqual({ ok: true, value: [{ t: 'event-ack', id: motion.id }] });
    expect(await invoke('events:handle-message', event(), camera.id, chunk)).toEqual({ ok: true, value: [] });
    expect(await invoke('events:detection-settings', event(), camera.id)).toEqual({ ok: true, value: DEFAULT_DETECTION_SETTINGS });
    expect(calls).toEqual([`event ${camera.id} event`, `event ${camera.id} clip-chunk`, `detection ${camera.id}`]);
  });

  it('checks what main would send a camera against the contract', async () => {
    const { invoke } = gate({
      // Detection settings that are not: an ack where settings belong.
      getDetectionSettings: () => ({ t: 'event-ack', id: motion.id }),
      handleEventMessage: () => Array.from({ length: 5 }, () => ({ t: 'event-ack' as const, id: motion.id })),
    });
    expect(await invoke('events:detection-settings', event(), camera.id)).toMatchObject({ ok: false, error: { code: 'unknown' } });
    expect(await invoke('events:handle-message', event(), camera.id, motion)).toMatchObject({ ok: false, error: { code: 'unknown' } });
  });

  it.each([
    ['a WebContents that is not ours', event(7)],
    ['a foreign origin in our window', event(1, frame('https://evil.example/'))],
    ['a file:// page', event(1, frame('file:///home/u/evil.html'))],
    ['a subframe', event(1, frame('pawcam://app/index.html', frame()))],
    ['a frame that is gone', event(1, null)],
  ])('refuses %s, without calling the handler', async (_label, e) => {
    const { invoke, calls } = gate();
    const reply = await invoke('cameras:save', e, [camera]);
    expect(reply).toEqual({ ok: false, error: { code: 'malformed-message', message: 'This page may not call pawcam.' } });
    expect(calls).toEqual([]);
  });

  it.each([
    ['cameras:save', [[{ ...camera, id: '../etc' }]]],
    ['cameras:save', []],
    ['cameras:save', ['not an array']],
    ['window:open-mini', [42]],
    ['window:open-mini', ['cam-1', 'extra']],
    ['shell:open-external', ['file:///etc/passwd']],
    ['shell:open-external', ['javascript:alert(1)']],
    ['snapshot:save', [{ cameraName: 'x', png: 'not bytes' }]],
    ['snapshot:save', [{ cameraName: 'x', png: new Uint8Array() }]],
    ['pairing:save-key', [camera.id, new Uint8Array(31)]],
    ['pairing:save-key', [camera.id, Array.from({ length: 32 }, () => 1)]],
    ['pairing:save-key', [camera.id, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=']],
    ['pairing:delete-key', ['../etc']],
    ['settings:update', [{ serverUrl: 'file:///etc/passwd' }]],
    ['settings:update', [{ startAtLogin: 'yes' }]],
    ['settings:update', [{ viewerToken: '0123456789abcdef0123456789abcdef' }]],
    ['settings:update', [{ cameras: [] }]],
    ['window:set-aspect-ratio', [Number.NaN]],
    ['window:set-aspect-ratio', [100]],
    ['window:set-aspect-ratio', ['16/9']],
    ['events:handle-message', [camera.id]],
    ['events:handle-message', ['../etc', motion]],
    ['events:handle-message', [camera.id, JSON.stringify(motion)]],
    ['events:handle-message', [camera.id, { ...motion, kind: 'bark' }]],
    ['events:handle-message', [camera.id, { ...motion, id: '../../x' }]],
    ['events:handle-message', [camera.id, { ...motion, thumbnail: 'A'.repeat(12_004) }]],
    ['events:handle-message', [camera.id, { ...motion, extra: 1 }]],
    ['events:handle-message', [camera.id, { ...chunk, total: 2 }]],
    ['events:handle-message', [camera.id, { ...chunk, data: '<script>' }]],
    ['events:handle-message', [camera.id, motion, 'extra']],
    ['events:detection-settings', []],
    ['events:detection-settings', [{ id: camera.id }]],
  ])('refuses bad arguments on %s: %j', async (channel, args) => {
    const { invoke, calls } = gate();
    const reply = await invoke(channel, event(), ...args);
    expect(reply).toMatchObject({ ok: false, error: { code: 'malformed-message', message: expect.stringContaining('Invalid arguments') } });
    expect(calls).toEqual([]);
  });

  it('survives hostile argument objects (throwing getters)', async () => {
    const { invoke } = gate();
    const hostile = Object.defineProperty({}, 'id', { get: () => { throw new Error('boom'); }, enumerable: true });
    const reply = await invoke('cameras:save', event(), [hostile]);
    expect(reply).toMatchObject({ ok: false });
  });

  it('passes a PawcamError through as code + message, and hides anything else', async () => {
    const { invoke } = gate({
      openMiniWindow: () => {
        throw new PawcamError('peer-unavailable', 'That camera is not in your list.');
      },
      openMainWindow: () => {
        throw new Error('ENOENT: /home/secret/path');
      },
    });
    expect(await invoke('window:open-mini', event(), 'cam-1')).toEqual({ ok: false, error: { code: 'peer-unavailable', message: 'That camera is not in your list.' } });
    const hidden = await invoke('window:open-main', event());
    expect(hidden).toEqual({ ok: false, error: { code: 'unknown', message: expect.not.stringContaining('secret') } });
    expect(JSON.stringify(hidden)).not.toMatch(/at .*\.ts|secret/);
  });

  it('checks results against the contract', async () => {
    const { invoke } = gate({ getConfig: () => ({ ...config, serverUrl: 'not a url' }) });
    expect(await invoke('viewer:get-config', event())).toMatchObject({ ok: false, error: { code: 'unknown' } });
  });

  it('every reply is well formed', async () => {
    const { invoke } = gate();
    for (const reply of [await invoke('viewer:get-config', event()), await invoke('viewer:get-config', event(9))]) expect(isIpcReply(reply)).toBe(true);
    expect(isIpcReply({ ok: false })).toBe(false);
    expect(isIpcReply(null)).toBe(false);
  });

  it('checkSender names the reason', () => {
    expect(checkSender(event(1, frame('https://x/')), windows)).toEqual({ ok: false, reason: 'sent from a foreign origin' });
    expect(checkSender(event(), windows)).toMatchObject({ ok: true, context: { webContentsId: 1, window: mainWindow } });
  });
});
