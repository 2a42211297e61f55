import { EventEmitter } from 'node:events';
import type { App, GlobalShortcut } from 'electron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acquireSingleInstance, setupLifecycle } from './lifecycle.ts';
import { setupSnapshotShortcut } from './shortcuts.ts';

class FakeApp extends EventEmitter {
  quits = 0;
  lock = true;
  requestSingleInstanceLock(): boolean {
    return this.lock;
  }
  quit(): void {
    this.quits++;
    this.emit('before-quit');
    const event = { defaultPrevented: false, preventDefault() {
      this.defaultPrevented = true;
    } };
    this.emit('will-quit', event);
  }
}

describe('single instance', () => {
  it('a second launch focuses the first; without the lock we must quit', () => {
    const app = new FakeApp();
    let focused = 0;
    expect(acquireSingleInstance(app as unknown as App, () => focused++)).toBe(true);
    app.emit('second-instance');
    expect(focused).toBe(1);
    const second = new FakeApp();
    second.lock = false;
    expect(acquireSingleInstance(second as unknown as App, () => focused++)).toBe(false);
  });
});

describe('lifecycle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps running with no windows, and cleans up once before quitting', async () => {
    const app = new FakeApp();
    let cleanups = 0;
    const lifecycle = setupLifecycle({ app: app as unknown as App, cleanup: async () => void cleanups++, onActivate: () => undefined });
    expect(app.listenerCount('window-all-closed')).toBe(1);
    expect(lifecycle.isQuitting()).toBe(false);
    let quit!: () => void;
    const quitAgain = new Promise<void>((resolve) => (quit = resolve));
    app.on('before-quit', () => app.quits === 2 && quit());
    lifecycle.quit();
    expect(lifecycle.isQuitting()).toBe(true);
    await quitAgain;
    expect(cleanups).toBe(1);
    expect(app.quits).toBe(2);
  });

  it('quits even when cleanup hangs', async () => {
    vi.useFakeTimers();
    const app = new FakeApp();
    setupLifecycle({ app: app as unknown as App, cleanup: () => new Promise(() => undefined), onActivate: () => undefined, timeoutMs: 20 }).quit();
    await vi.advanceTimersByTimeAsync(19);
    expect(app.quits).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(app.quits).toBe(2);
  });
});

describe('snapshot shortcut', () => {
  it('registers, re-registers on change, and says whether a combination is held by another app', () => {
    const registered = new Map<string, () => void>();
    const globalShortcut = {
      register: (accel: string, fn: () => void) => {
        if (accel === 'Ctrl+Taken') return false;
        registered.set(accel, fn);
        return true;
      },
      unregister: (accel: string) => void registered.delete(accel),
    } as unknown as Pick<GlobalShortcut, 'register' | 'unregister'>;
    let snaps = 0;
    const unavailable: string[] = [];
    const shortcut = setupSnapshotShortcut({ globalShortcut, accelerator: 'CommandOrControl+Alt+P', onSnapshot: () => snaps++, onUnavailable: (a) => unavailable.push(a) });
    registered.get('CommandOrControl+Alt+P')!();
    expect(snaps).toBe(1);
    expect(shortcut.update('Ctrl+Taken')).toBe(false);
    expect(shortcut.current).toBeNull();
    expect(registered.size).toBe(0);
    expect(shortcut.update('Alt+F9')).toBe(true);
    expect([...registered.keys()]).toEqual(['Alt+F9']);
    shortcut.dispose();
    expect(registered.size).toBe(0);
    // Changes report through update's result (Settings shows it); only the start-up registration notifies.
    expect(unavailable).toEqual([]);
    setupSnapshotShortcut({ globalShortcut, accelerator: 'Ctrl+Taken', onSnapshot: () => snaps++, onUnavailable: (a) => unavailable.push(a) });
    expect(unavailable).toEqual(['Ctrl+Taken']);
  });
});
