import { beforeAll, describe, expect, it } from 'vitest';
import type { CameraEntry } from '../../../protocol/ipc.ts';
import { configureLogging } from '../../../protocol/log.ts';
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

  it('adds a camera by ID and persists it', async () => {
    const api = fakeApi();
    const list = new CameraList(api, { now: () => 1000 });
    await list.load();
    const result = await list.add(`  ${ID.toUpperCase().replace('CAM', 'cam')} `, '  Living   room ');
    expect(result).toEqual({ ok: true, camera: { id: ID, name: 'Living room', addedAt: 1000 } });
    expect(api.saved).toEqual([[{ id: ID, name: 'Living room', addedAt: 1000 }]]);
    expect(list.cameras).toHaveLength(1);
  });

  it('names a camera after its ID when no name is given', async () => {
    const list = new CameraList(fakeApi());
    const result = await list.add(ID, '   ');
    expect(result.ok && result.camera.name).toBe('Camera 0123');
  });

  it('refuses a bad ID with a clear message, and saves nothing', async () => {
    const api = fakeApi();
    const list = new CameraList(api);
    for (const bad of ['', 'cam-123', 'viewer-0123456789abcdef0123456789abcdef', `cam-${'g'.repeat(32)}`, `${ID}x`]) {
      const result = await list.add(bad, 'x');
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.problem).toBe('invalid-id');
        expect(result.message.length).toBeGreaterThan(10);
      }
    }
    expect(api.saved).toEqual([]);
  });

  it('refuses a duplicate, naming the camera it already is', async () => {
    const list = new CameraList(fakeApi());
    await list.add(ID, 'Kitchen');
    const result = await list.add(ID, 'Again');
    expect(result).toMatchObject({ ok: false, problem: 'duplicate' });
    expect(!result.ok && result.message).toContain('Kitchen');
  });

  it('renames (validating the name) and removes, persisting each edit', async () => {
    const api = fakeApi();
    const list = new CameraList(api, { now: () => 5 });
    await list.add(ID, 'One');
    await list.add(ID2, 'Two');
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
    const result = await list.add(ID, 'Kitchen');
    expect(result.ok).toBe(true);
    expect(list.cameras).toHaveLength(1);
    expect(errors).toEqual(['Could not save the camera list: disk full']);
  });

  it('saves edits in order', async () => {
    const api = fakeApi();
    const list = new CameraList(api);
    await Promise.all([list.add(ID, 'A'), list.add(ID2, 'B')]);
    expect(api.saved.map((s) => s.map((c) => c.name))).toEqual([['A'], ['A', 'B']]);
  });
});
