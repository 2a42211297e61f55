/**
 * When an event becomes a desktop notification: per camera and kind, at most one per cooldown (a burst of triggers
 * is one alert, not a storm); none in the camera's quiet hours (the event is still recorded and counted as unseen);
 * none for events that arrive long after they happened (a backlog delivered after the desktop was away is one
 * summary, not a flood). Also the "camera offline for N minutes" watch. Pure: times are handed in.
 */
import { inQuietHours, type DetectionSettings, type EventKind } from '../../../protocol/event-messages.ts';

/** The rules for one camera (from its detection settings). */
export interface AlertRules {
  cooldownSec: number;
  quietHours: DetectionSettings['quietHours'];
  /** Kinds the owner muted. */
  muted?: readonly EventKind[];
}

/** Why an event did not become a notification. */
export type AlertSuppression = 'cooldown' | 'quiet-hours' | 'muted' | 'late';

/** The outcome for one event. */
export type AlertDecision = { notify: true } | { notify: false; reason: AlertSuppression };

/** Events older than this when they arrive are summarised, not notified one by one. */
export const LATE_EVENT_MS = 10 * 60_000;

/** An event, as far as alerting cares. */
export interface AlertInput {
  cameraId: string;
  kind: EventKind;
  /** When it happened. */
  at: number;
}

/**
 * Decide one event. `lastNotified` maps `camera|kind` to the time of the last notification; the decision and the
 * map to use next are returned (the input map is not changed). `minuteOfDay` is local time at `now`.
 */
export function decideAlert(
  lastNotified: ReadonlyMap<string, number>,
  event: AlertInput,
  rules: AlertRules,
  now: number,
  minuteOfDay: number,
): { decision: AlertDecision; lastNotified: ReadonlyMap<string, number> } {
  const no = (reason: AlertSuppression) => ({ decision: { notify: false as const, reason }, lastNotified });
  if (rules.muted?.includes(event.kind)) return no('muted');
  if (now - event.at > LATE_EVENT_MS) return no('late');
  if (inQuietHours(rules.quietHours, minuteOfDay)) return no('quiet-hours');
  const key = `${event.cameraId}|${event.kind}`;
  const last = lastNotified.get(key);
  if (last !== undefined && now - last < rules.cooldownSec * 1000) return no('cooldown');
  const next = new Map(lastNotified);
  next.set(key, now);
  return { decision: { notify: true }, lastNotified: next };
}

/** Stateful wrapper over decideAlert for the running app. */
export class AlertPolicy {
  #last: ReadonlyMap<string, number> = new Map();
  readonly #rulesFor: (cameraId: string) => AlertRules;
  readonly #minuteOfDay: (at: number) => number;

  constructor(rulesFor: (cameraId: string) => AlertRules, minuteOfDay: (at: number) => number = localMinuteOfDay) {
    this.#rulesFor = rulesFor;
    this.#minuteOfDay = minuteOfDay;
  }

  /** Decide (and remember, when it notifies). */
  decide(event: AlertInput, now: number): AlertDecision {
    const { decision, lastNotified } = decideAlert(this.#last, event, this.#rulesFor(event.cameraId), now, this.#minuteOfDay(now));
    this.#last = lastNotified;
    return decision;
  }
}

/** Local minute of the day (0..1439). */
export function localMinuteOfDay(at: number): number {
  const d = new Date(at);
  return d.getHours() * 60 + d.getMinutes();
}

/** A camera found offline for long enough. */
export interface OfflineEvent {
  cameraId: string;
  /** When it was last seen online. */
  since: number;
  /** Its last battery level, when known. */
  battery: number | null;
}

/**
 * "Camera offline for N minutes": one event per offline period, reported once the camera has been away for
 * `thresholdMs`; a camera coming back starts a new period.
 */
export class OfflineWatch {
  readonly #thresholdMs: number;
  readonly #cameras = new Map<string, { online: boolean; lastSeen: number; battery: number | null; reported: boolean }>();

  constructor(thresholdMs: number) {
    this.#thresholdMs = thresholdMs;
  }

  /** What the viewer last knew of a camera (battery: 0..1 or null). */
  update(cameraId: string, online: boolean, at: number, battery?: number | null): void {
    const c = this.#cameras.get(cameraId);
    if (!c) {
      this.#cameras.set(cameraId, { online, lastSeen: at, battery: battery ?? null, reported: false });
      return;
    }
    if (battery !== undefined && battery !== null) c.battery = battery;
    if (online) {
      c.online = true;
      c.lastSeen = at;
      c.reported = false;
    } else if (c.online) {
      c.online = false;
      c.lastSeen = at;
    }
  }

  /** Forget a camera (unpaired). */
  forget(cameraId: string): void {
    this.#cameras.delete(cameraId);
  }

  /** Cameras that have now been offline for the threshold and were not reported yet in this period. */
  check(now: number): OfflineEvent[] {
    const out: OfflineEvent[] = [];
    for (const [cameraId, c] of this.#cameras) {
      if (c.online || c.reported || now - c.lastSeen < this.#thresholdMs) continue;
      c.reported = true;
      out.push({ cameraId, since: c.lastSeen, battery: c.battery });
    }
    return out;
  }
}
