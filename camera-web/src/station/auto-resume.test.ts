import { describe, expect, it, vi } from 'vitest';
import { cameraLeftOn, decideResume, mediaPermission, onResumeChance, rememberCameraOn } from './auto-resume.ts';

function memoryStore() {
  const map = new Map<string, string>();
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
}

describe('auto-resume after a reload', () => {
  it('a camera left on starts by itself where the permission is kept, else waits for a tap', () => {
    expect(decideResume(true, 'granted', false)).toBe('start');
    expect(decideResume(true, 'prompt', false)).toBe('needs-tap');
    expect(decideResume(true, 'denied', false)).toBe('needs-tap');
    expect(decideResume(true, 'unknown', false)).toBe('needs-tap');
  });

  it('a camera never started, stopped by the owner, or opened by a pairing link stays off', () => {
    expect(decideResume(false, 'granted', false)).toBe('idle');
    expect(decideResume(true, 'granted', true)).toBe('idle');
  });

  it('remembers Start and Stop across reloads (a store that throws counts as "off")', () => {
    const store = memoryStore();
    expect(cameraLeftOn(store)).toBe(false);
    rememberCameraOn(store, true);
    expect(cameraLeftOn(store)).toBe(true);
    rememberCameraOn(store, false);
    expect(cameraLeftOn(store)).toBe(false);
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(() => rememberCameraOn(broken, true)).not.toThrow();
    expect(cameraLeftOn(broken)).toBe(false);
  });
});

describe('mediaPermission', () => {
  const query = (camera: string, microphone: string) => ({
    query: async ({ name }: { name: string }) => ({ state: name === 'camera' ? camera : microphone }),
  });

  it('needs both camera and microphone granted', async () => {
    expect(await mediaPermission({ permissions: query('granted', 'granted') })).toBe('granted');
    expect(await mediaPermission({ permissions: query('granted', 'prompt') })).toBe('prompt');
    expect(await mediaPermission({ permissions: query('denied', 'granted') })).toBe('denied');
  });

  it('falls back to device labels where the Permissions API does not know the camera (Firefox ESR)', async () => {
    const permissions = { query: async () => Promise.reject(new TypeError("'camera' is not a valid value")) };
    const devices = (labels: boolean) => ({
      enumerateDevices: async () => [
        { kind: 'videoinput', label: labels ? 'Back camera' : '' },
        { kind: 'audioinput', label: labels ? 'Microphone' : '' },
      ],
    });
    expect(await mediaPermission({ permissions, mediaDevices: devices(true) })).toBe('granted');
    expect(await mediaPermission({ permissions, mediaDevices: devices(false) })).toBe('unknown');
    expect(await mediaPermission({})).toBe('unknown');
  });
});

describe('onResumeChance', () => {
  it('checks again when the page is visible again, back from the cache, or the network returns; not when hidden', () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' as DocumentVisibilityState });
    const win = new EventTarget();
    const check = vi.fn();
    const off = onResumeChance({ document: doc, window: win as Window }, check);
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(check).not.toHaveBeenCalled();
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    win.dispatchEvent(new Event('online'));
    win.dispatchEvent(new Event('pageshow'));
    expect(check).toHaveBeenCalledTimes(3);
    off();
    win.dispatchEvent(new Event('online'));
    expect(check).toHaveBeenCalledTimes(3);
  });
});
