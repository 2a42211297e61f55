import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { KeepAwake, type AwakeState, type AwakeVideoLike, type VisibilityLike, type WakeLockLike, type WakeLockSentinelLike } from './keep-awake.ts';
import { flush } from '../../../protocol/testing/timers.ts';

beforeEach(() => configureLogging({ sink: () => undefined }));

class FakeDocument implements VisibilityLike {
  visibilityState = 'visible';
  #listeners: (() => void)[] = [];
  addEventListener(_type: 'visibilitychange', fn: () => void): void {
    this.#listeners.push(fn);
  }
  removeEventListener(_type: 'visibilitychange', fn: () => void): void {
    this.#listeners = this.#listeners.filter((f) => f !== fn);
  }
  set(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    for (const fn of [...this.#listeners]) fn();
  }
  get listeners(): number {
    return this.#listeners.length;
  }
}

class FakeSentinel implements WakeLockSentinelLike {
  released = false;
  #onRelease: (() => void)[] = [];
  async release(): Promise<void> {
    this.systemRelease();
  }
  addEventListener(_type: 'release', fn: () => void): void {
    this.#onRelease.push(fn);
  }
  /** The browser drops the lock (page hidden). */
  systemRelease(): void {
    if (this.released) return;
    this.released = true;
    for (const fn of this.#onRelease) fn();
  }
}

class FakeWakeLock implements WakeLockLike {
  readonly sentinels: FakeSentinel[] = [];
  refuse = false;
  async request(): Promise<FakeSentinel> {
    if (this.refuse) throw new Error('NotAllowedError');
    const sentinel = new FakeSentinel();
    this.sentinels.push(sentinel);
    return sentinel;
  }
}

describe('KeepAwake with the Screen Wake Lock API', () => {
  it('takes the lock on start, loses it when hidden, takes it again when the page is back in front', async () => {
    const doc = new FakeDocument();
    const lock = new FakeWakeLock();
    const awake = new KeepAwake({ wakeLock: lock, document: doc, video: null });
    const states: AwakeState[] = [];
    let visible = 0;
    awake.on('change', (s) => states.push(s));
    awake.on('visible', () => visible++);
    expect(awake.state).toEqual({ method: 'wake-lock', held: false, hidden: false });
    awake.start();
    await flush();
    expect(awake.state.held).toBe(true);

    doc.set('hidden');
    lock.sentinels[0]!.systemRelease();
    expect(awake.state).toEqual({ method: 'wake-lock', held: false, hidden: true });
    doc.set('visible');
    await flush();
    expect(lock.sentinels).toHaveLength(2);
    expect(awake.state).toEqual({ method: 'wake-lock', held: true, hidden: false });
    expect(visible).toBe(1);
    expect(states.map((s) => `${s.held}/${s.hidden}`)).toEqual(['true/false', 'true/true', 'false/true', 'false/false', 'true/false']);
  });

  it('a refused lock is reported as not held and tried again on the next return', async () => {
    const doc = new FakeDocument();
    const lock = new FakeWakeLock();
    lock.refuse = true;
    const awake = new KeepAwake({ wakeLock: lock, document: doc, video: null });
    awake.start();
    await flush();
    expect(awake.state.held).toBe(false);
    lock.refuse = false;
    doc.set('hidden');
    doc.set('visible');
    await flush();
    expect(awake.state.held).toBe(true);
  });

  it('stop releases the lock and does not take it again; dispose stops listening', async () => {
    const doc = new FakeDocument();
    const lock = new FakeWakeLock();
    const awake = new KeepAwake({ wakeLock: lock, document: doc, video: null });
    awake.start();
    await flush();
    awake.stop();
    expect(lock.sentinels[0]!.released).toBe(true);
    doc.set('hidden');
    doc.set('visible');
    await flush();
    expect(lock.sentinels).toHaveLength(1);
    awake.dispose();
    expect(doc.listeners).toBe(0);
  });
});

describe('KeepAwake without Wake Lock (older iOS)', () => {
  it('plays the fallback video in the tap, and again when the page is back', async () => {
    const doc = new FakeDocument();
    const plays: number[] = [];
    const video: AwakeVideoLike = { play: async () => void plays.push(1), pause: () => undefined };
    let made = 0;
    const awake = new KeepAwake({ wakeLock: null, document: doc, video: () => (made++, video) });
    awake.start();
    await flush();
    expect(awake.state).toEqual({ method: 'video', held: true, hidden: false });
    doc.set('hidden');
    expect(awake.state.held).toBe(false);
    doc.set('visible');
    await flush();
    expect(plays).toHaveLength(2);
    expect(made).toBe(1);
    expect(awake.state.held).toBe(true);
  });

  it('with neither, says the screen is not kept on', () => {
    const awake = new KeepAwake({ wakeLock: null, document: new FakeDocument(), video: null });
    awake.start();
    expect(awake.state).toEqual({ method: 'none', held: false, hidden: false });
  });
});
