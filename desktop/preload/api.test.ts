import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ipcContract, ipcEvents, type ViewerCommand } from '../../protocol/ipc.ts';
import { createPawcamApi, unwrapReply, type IpcRendererLike } from './api.ts';

function fakeIpc(reply: (channel: string, args: unknown[]) => unknown) {
  const emitter = new EventEmitter();
  const invoked: [string, unknown[]][] = [];
  const ipc = {
    invoke: async (channel: string, ...args: unknown[]) => (invoked.push([channel, args]), reply(channel, args)),
    on: (channel: string, fn: (...a: unknown[]) => void) => emitter.on(channel, fn),
    removeListener: (channel: string, fn: (...a: unknown[]) => void) => emitter.removeListener(channel, fn),
  } as unknown as IpcRendererLike;
  return { ipc, invoked, emitter };
}

describe('preload API', () => {
  it('has exactly one named function per contract entry and event, and nothing else', () => {
    const api = createPawcamApi(fakeIpc(() => ({ ok: true, value: null })).ipc);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(ipcContract), ...Object.keys(ipcEvents)].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    expect('invoke' in api || 'send' in api || 'ipcRenderer' in api).toBe(false);
  });

  it('invokes the contract channel with the arguments and unwraps the value', async () => {
    const { ipc, invoked } = fakeIpc((channel) => (channel === 'cameras:list' ? { ok: true, value: [{ id: 'cam-1', name: 'K', addedAt: 1 }] } : { ok: true, value: null }));
    const api = createPawcamApi(ipc);
    expect(await api.listCameras()).toEqual([{ id: 'cam-1', name: 'K', addedAt: 1 }]);
    await api.openMiniWindow('cam-1');
    expect(invoked).toEqual([
      ['cameras:list', []],
      ['window:open-mini', ['cam-1']],
    ]);
  });

  it('turns an error reply into a thrown error with main\'s message', async () => {
    const api = createPawcamApi(fakeIpc(() => ({ ok: false, error: { code: 'peer-unavailable', message: 'That camera is not in your camera list.' } })).ipc);
    await expect(api.openMiniWindow('cam-x')).rejects.toThrow('That camera is not in your camera list.');
    expect(() => unwrapReply({ nonsense: true })).toThrow(/malformed reply/);
  });

  it('delivers valid commands from main, drops malformed ones, and unsubscribes', () => {
    const { ipc, emitter } = fakeIpc(() => null);
    const api = createPawcamApi(ipc);
    const got: ViewerCommand[] = [];
    const off = api.onCommand((c) => got.push(c));
    emitter.emit('viewer:command', {}, { type: 'watch', cameraId: 'cam-1' });
    emitter.emit('viewer:command', {}, { type: 'format-disk' });
    emitter.emit('viewer:command', {}, { type: 'snapshot' });
    off();
    emitter.emit('viewer:command', {}, { type: 'open-settings' });
    expect(got).toEqual([{ type: 'watch', cameraId: 'cam-1' }, { type: 'snapshot' }]);
    expect(emitter.listenerCount('viewer:command')).toBe(0);
  });

  it('the preload exposes only this API, through the context bridge', async () => {
    const source = await readFile(new URL('./preload.ts', import.meta.url), 'utf8');
    expect(source).toContain("contextBridge.exposeInMainWorld('pawcam', createPawcamApi(ipcRenderer))");
    expect(source.match(/exposeInMainWorld/g)).toHaveLength(1);
  });
});
