import { beforeAll, describe, expect, it } from 'vitest';
import type { CameraEntry } from '../../../../protocol/ipc.ts';
import { configureLogging } from '../../../../protocol/log.ts';
import { CameraList } from './camera-list.ts';

const ID = `cam-${'0123456789abcdef'.repeat(2)}`;
const ID2 = `cam-${'f'.repeat(32)}`;

/** The two API calls the list uses, backed by an array; `failSaves` makes saving throw. */
function fakeApi(initial: unknown = []) {
  const saved: CameraEntry[][] = [];
  const api = {
    stored: initial,
    failSaves: false,
    saved,
    listCameras: async () => api.stored as CameraEntry[],
    saveCameras: async (cameras: CameraEntry[]) => {
      if (api.failSaves) throw new Error('disk full');
      saved.push(structuredClone(cameras));
      api.stored = cameras;
      return null;
    },
  };
  return api;
}

describe('CameraList', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));

  it('keeps a newly paired camera under the name it gave, and persists it', async () => {
    const api = fakeApi();
    const list = new CameraList(api, { now: () => 1000 });
    await list.load();
    const result = await list.adoptPaired(ID, '  Living   room ');
    expect(result).toEqual({ camera: { id: ID, name: 'Living room', addedAt: 1000 }, existed: false });
    expect(api.saved).toEqual([[{ id: ID, name: 'Living room', addedAt: 1000 }]]);
    expect(list.cameras).toHaveLength(1);
  });

  it('names a camera after its ID when its name is unusable', async () => {
    const list = new CameraList(fakeApi());
    const result = await list.adoptPaired(ID, '   ');
    expect(result.camera.name).toBe('Camera 0123');
  });

  it('keeps the entry (and the user\'s name for it) when a listed camera pairs again', async () => {
    const api = fakeApi();
    const list = new CameraList(api);
    await list.adoptPaired(ID, 'Kitchen');
    await list.rename(ID, 'Cat flap');
    const again = await list.adoptPaired(ID, 'Kitchen');
    expect(again).toMatchObject({ existed: true, camera: { id: ID, name: 'Cat flap' } });
    expect(list.cameras).toHaveLength(1);
    expect(api.saved).toHaveLength(2);
  });

  it('has room for a listed camera even when full', async () => {
    const full = Array.from({ length: 200 }, (_, i) => ({ id: `cam-${i.toString(16).padStart(32, '0')}`, name: `C${i}`, addedAt: 1 }));
    const list = new CameraList(fakeApi(full));
    await list.load();
    expect(list.hasRoomFor(ID)).toBe(false);
    expect(list.hasRoomFor(full[3]!.id)).toBe(true);
    await expect(list.adoptPaired(ID, 'One more')).rejects.toThrow(/full/);
  });

  it('renames (validating the name) and removes, persisting each edit', async () => {
    const api = fakeApi();
    const list = new CameraList(api, { now: () => 5 });
    await list.adoptPaired(ID, 'One');
    await list.adoptPaired(ID2, 'Two');
    expect(await list.rename(ID, '')).toMatchObject({ ok: false, problem: 'invalid-name' });
    expect(await list.rename(ID, 'x'.repeat(61))).toMatchObject({ ok: false, problem: 'invalid-name' });
    expect(await list.rename(ID, 'bad\u0007name')).toMatchObject({ ok: false, problem: 'invalid-name' });
    expect(await list.rename(ID, 'Hall')).toEqual({ ok: true, camera: { id: ID, name: 'Hall', addedAt: 5 } });
    await list.remove(ID2);
    expect(api.stored).toEqual([{ id: ID, name: 'Hall', addedAt: 5 }]);
    expect(api.saved).toHaveLength(4);
  });

  it('loads a saved list, dropping entries that do not parse and duplicates', async () => {
    const good = { id: ID, name: 'Kitchen', addedAt: 1 };
    const api = fakeApi([good, { id: 'not an id!', name: 'x', addedAt: 1 }, { ...good, name: 'dupe' }, 42, { id: ID2, name: 'Porch', addedAt: 2 }]);
    const list = new CameraList(api);
    const seen: number[] = [];
    list.on('change', (cameras) => seen.push(cameras.length));
    await list.load();
    expect(list.cameras.map((c) => c.name)).toEqual(['Kitchen', 'Porch']);
    expect(seen).toEqual([2]);
  });

  it('reports a failed save as an error and keeps the edit on screen', async () => {
    const api = fakeApi();
    api.failSaves = true;
    const list = new CameraList(api);
    const errors: string[] = [];
    list.on('error', (e) => errors.push(e.message));
    await list.adoptPaired(ID, 'Kitchen');
    expect(list.cameras).toHaveLength(1);
    expect(errors).toEqual(['Could not save the camera list: disk full']);
  });

  it('saves edits in order', async () => {
    const api = fakeApi();
    const list = new CameraList(api);
    await Promise.all([list.adoptPaired(ID, 'A'), list.adoptPaired(ID2, 'B')]);
    expect(api.saved.map((s) => s.map((c) => c.name))).toEqual([['A'], ['A', 'B']]);
  });
});
