import { EventEmitter } from 'node:events';
import type { NotificationConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { CameraState } from '../../protocol/ipc.ts';
import { PresenceNotifier, RateLimiter, presenceMessage, setupNotifications, type Clock, type NotificationClass, type PresenceChange } from './notifications.ts';

class FakeClock implements Clock {
  t = 1_000_000;
  timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown): void => void this.timers.delete(h as number);
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

const cam = (state: CameraState, id = 'cam-1', name = 'Kitchen') => ({ id, name, state });

function setup(intervalMs = 60_000) {
  const clock = new FakeClock();
  const changes: PresenceChange[] = [];
  const notifier = new PresenceNotifier({ notify: (c) => changes.push(c), intervalMs, clock });
  return { clock, changes, notifier };
}

describe('RateLimiter', () => {
  it('allows one event per key per interval', () => {
    const limiter = new RateLimiter(1000);
    expect(limiter.tryFire('a', 0)).toBe(true);
    expect(limiter.tryFire('a', 999)).toBe(false);
    expect(limiter.tryFire('b', 999)).toBe(true);
    expect(limiter.tryFire('a', 1000)).toBe(true);
    expect(limiter.nextAllowedAt('a')).toBe(2000);
    limiter.forget('a');
    expect(limiter.tryFire('a', 1001)).toBe(true);
  });
});

describe('PresenceNotifier', () => {
  it('says nothing about the first state seen (no burst at start-up) or unknown states', () => {
    const { changes, notifier } = setup();
    notifier.report([cam('unknown')]);
    notifier.report([cam('online'), cam('offline', 'cam-2', 'Garden')]);
    notifier.report([cam('unknown'), cam('offline', 'cam-2', 'Garden')]);
    expect(changes).toEqual([]);
  });

  it('announces offline and back online; watching counts as online', () => {
    const { clock, changes, notifier } = setup();
    notifier.report([cam('online')]);
    notifier.report([cam('offline')]);
    clock.advance(120_000);
    notifier.report([cam('watching')]);
    expect(changes).toEqual([
      { cameraId: 'cam-1', name: 'Kitchen', presence: 'offline' },
      { cameraId: 'cam-1', name: 'Kitchen', presence: 'online' },
    ]);
  });

  it('a flapping camera produces at most one notification per interval, and the final state is announced', () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const changes: PresenceChange[] = [];
    const notifier = new PresenceNotifier({ notify: (c) => (changes.push(c), times.push(clock.now())), intervalMs: 60_000, clock });
    notifier.report([cam('online')]);
    // Flaps every 2 s for a minute and a half (45 changes), ending offline.
    for (let i = 0; i < 45; i++) {
      notifier.report([cam(i % 2 === 0 ? 'offline' : 'online')]);
      clock.advance(2000);
    }
    notifier.report([cam('offline')]);
    clock.advance(300_000);
    expect(changes.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(60_000);
    expect(changes[0]!.presence).toBe('offline');
    expect(changes.at(-1)!.presence).toBe('offline');
    expect(clock.timers.size).toBe(0);
  });

  it('a blip that recovers inside the quiet period is never announced', () => {
    const { clock, changes, notifier } = setup(60_000);
    notifier.report([cam('online')]);
    notifier.report([cam('offline')]);
    clock.advance(10_000);
    notifier.report([cam('online')]);
    clock.advance(5_000);
    notifier.report([cam('offline')]);
    clock.advance(5_000);
    notifier.report([cam('online')]);
    clock.advance(300_000);
    expect(changes.map((c) => c.presence)).toEqual(['offline', 'online']);
    // The first offline fired at once; the "online" was held until the interval ended and still stood.
  });

  it('limits per camera, not globally', () => {
    const { changes, notifier } = setup();
    notifier.report([cam('online', 'a', 'A'), cam('online', 'b', 'B')]);
    notifier.report([cam('offline', 'a', 'A'), cam('offline', 'b', 'B')]);
    expect(changes.map((c) => c.cameraId)).toEqual(['a', 'b']);
  });

  it('forgets cameras that were removed (and their held notifications)', () => {
    const { clock, changes, notifier } = setup();
    notifier.report([cam('online')]);
    notifier.report([cam('offline')]);
    notifier.report([cam('online')]);
    notifier.report([]);
    clock.advance(120_000);
    expect(changes).toHaveLength(1);
    expect(clock.timers.size).toBe(0);
  });

  it('words the messages with the camera name', () => {
    expect(presenceMessage({ cameraId: 'x', name: 'Kitchen', presence: 'offline' }).title).toBe('Kitchen is offline');
    expect(presenceMessage({ cameraId: 'x', name: 'Kitchen', presence: 'online' }).title).toBe('Kitchen is back online');
  });
});

describe('setupNotifications', () => {
  it('shows a notification and calls onClick, keeping it referenced until then', () => {
    const shown: FakeNotification[] = [];
    class FakeNotification extends EventEmitter {
      static isSupported = () => true;
      constructor(readonly options: NotificationConstructorOptions) {
        super();
      }
      show(): void {
        shown.push(this);
      }
    }
    let clicked = 0;
    const notifier = setupNotifications({ Notification: FakeNotification as unknown as NotificationClass, icon: '/i.png' });
    notifier.show({ title: 'Saved', body: '/x.png', onClick: () => clicked++ });
    expect(shown).toHaveLength(1);
    expect(shown[0]!.options).toMatchObject({ title: 'Saved', body: '/x.png', icon: '/i.png' });
    shown[0]!.emit('click');
    expect(clicked).toBe(1);
    // An event's thumbnail replaces the app icon on its notification.
    notifier.show({ title: 'Hall: Motion', body: '12:00', icon: '/clips/hall.jpg' });
    expect(shown[1]!.options).toMatchObject({ icon: '/clips/hall.jpg' });
  });

  it('does nothing where notifications are unsupported', () => {
    class Unsupported {
      static isSupported = () => false;
      constructor() {
        throw new Error('must not be constructed');
      }
    }
    expect(() => setupNotifications({ Notification: Unsupported as unknown as NotificationClass }).show({ title: 't', body: 'b' })).not.toThrow();
  });
});
