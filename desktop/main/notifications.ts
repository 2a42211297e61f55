/**
 * Desktop notifications: a camera went offline / is back online, rate-limited per camera so a flapping camera
 * cannot spam (a change inside the quiet period is held, and announced once at its end if it still stands), plus
 * one-off notices (snapshot saved, settings reset).
 */
import type { Notification as ElectronNotification, NotificationConstructorOptions } from 'electron';
import type { CameraState } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('notifications');

/** Online or offline, as notifications speak of it ('watching' is online; 'unknown' says nothing). */
export type Presence = 'online' | 'offline';

/** What a reported state means for notifications. */
export function presenceOf(state: CameraState): Presence | null {
  switch (state) {
    case 'online':
    case 'watching':
      return 'online';
    case 'offline':
      return 'offline';
    case 'unknown':
      return null;
  }
}

/** A camera's presence change worth telling the user about. */
export interface PresenceChange {
  cameraId: string;
  name: string;
  presence: Presence;
}

/** Pure rate limiter: at most one event per key per `intervalMs`. */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #last = new Map<string, number>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** When `key` may fire next (≤ now means now). */
  nextAllowedAt(key: string): number {
    const last = this.#last.get(key);
    return last === undefined ? Number.NEGATIVE_INFINITY : last + this.#intervalMs;
  }

  /** Fire for `key` at `now` if allowed; records it when it does. */
  tryFire(key: string, now: number): boolean {
    if (now < this.nextAllowedAt(key)) return false;
    this.#last.set(key, now);
    return true;
  }

  /** Forget `key`. */
  forget(key: string): void {
    this.#last.delete(key);
  }
}

/** Timers, injectable for tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface CameraTrack {
  name: string;
  observed: Presence;
  announced: Presence;
  timer: unknown;
}

/** Default quiet period per camera. */
export const PRESENCE_NOTIFY_INTERVAL_MS = 60_000;

/**
 * Turns the stream of reported camera states into rate-limited presence notifications. The first state seen for a
 * camera is its baseline (no "online" burst at start-up); a change back to the last announced state within the
 * quiet period cancels the held one.
 */
export class PresenceNotifier {
  readonly #limiter: RateLimiter;
  readonly #clock: Clock;
  readonly #notify: (change: PresenceChange) => void;
  readonly #cameras = new Map<string, CameraTrack>();

  constructor(options: { notify: (change: PresenceChange) => void; intervalMs?: number; clock?: Clock }) {
    this.#limiter = new RateLimiter(options.intervalMs ?? PRESENCE_NOTIFY_INTERVAL_MS);
    this.#clock = options.clock ?? realClock;
    this.#notify = options.notify;
  }

  /** Feed the latest states (the full list, as the viewer reports it). */
  report(states: readonly { id: string; name: string; state: CameraState }[]): void {
    const seen = new Set<string>();
    for (const { id, name, state } of states) {
      seen.add(id);
      const presence = presenceOf(state);
      const track = this.#cameras.get(id);
      if (presence === null) continue;
      if (!track) {
        this.#cameras.set(id, { name, observed: presence, announced: presence, timer: null });
        continue;
      }
      track.name = name;
      if (presence === track.observed) continue;
      track.observed = presence;
      this.#settle(id, track);
    }
    for (const [id, track] of this.#cameras) {
      if (seen.has(id)) continue;
      this.#clock.clearTimeout(track.timer);
      this.#cameras.delete(id);
      this.#limiter.forget(id);
    }
  }

  /** Stop all held notifications. */
  dispose(): void {
    for (const track of this.#cameras.values()) this.#clock.clearTimeout(track.timer);
    this.#cameras.clear();
  }

  #settle(id: string, track: CameraTrack): void {
    if (track.observed === track.announced) {
      this.#clock.clearTimeout(track.timer);
      track.timer = null;
      return;
    }
    const now = this.#clock.now();
    if (this.#limiter.tryFire(id, now)) {
      this.#clock.clearTimeout(track.timer);
      track.timer = null;
      track.announced = track.observed;
      this.#notify({ cameraId: id, name: track.name, presence: track.observed });
      return;
    }
    if (track.timer !== null) return;
    log.debug('presence notification held (rate limit)', { cameraId: id });
    track.timer = this.#clock.setTimeout(() => {
      track.timer = null;
      if (this.#cameras.get(id) === track) this.#settle(id, track);
    }, Math.max(0, this.#limiter.nextAllowedAt(id) - now));
  }
}

/** Title and body of a presence notification. */
export function presenceMessage(change: PresenceChange): { title: string; body: string } {
  return change.presence === 'offline'
    ? { title: `${change.name} is offline`, body: 'pawcam lost contact with this camera. You will be told when it is back.' }
    : { title: `${change.name} is back online`, body: 'Open pawcam from the tray to watch.' };
}

/** Electron's Notification class, injected. */
export interface NotificationClass {
  new (options: NotificationConstructorOptions): ElectronNotification;
  isSupported(): boolean;
}

/** Shows desktop notifications. */
export interface Notifier {
  /** `icon`: an image file shown with this notification (an event's thumbnail) instead of the app's icon. */
  show(message: { title: string; body: string; icon?: string; onClick?: () => void }): void;
}

/**
 * Notifications through Electron. Each shown notification is kept referenced until it is closed or clicked:
 * Electron drops the click handler of a notification that was garbage-collected.
 */
export function setupNotifications(deps: { Notification: NotificationClass; icon?: string }): Notifier {
  const live = new Set<ElectronNotification>();
  return {
    show({ title, body, icon, onClick }) {
      if (!deps.Notification.isSupported()) {
        log.info('notification not shown', { title });
        return;
      }
      const image = icon ?? deps.icon;
      const notification = new deps.Notification({ title, body, silent: false, ...(image ? { icon: image } : {}) });
      live.add(notification);
      const release = (): void => void live.delete(notification);
      notification.on('click', () => {
        release();
        onClick?.();
      });
      notification.on('close', release);
      notification.on('failed', release);
      notification.show();
    },
  };
}
