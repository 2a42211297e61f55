import { describe, expect, it } from 'vitest';
import { AlertPolicy, LATE_EVENT_MS, OfflineWatch, decideAlert, type AlertRules } from './alert-policy.ts';

const T = 1_800_000_000_000;
const rules: AlertRules = { cooldownSec: 120, quietHours: null };

describe('alert policy', () => {
  it('a burst of triggers inside the cooldown is one notification; after it, another', () => {
    const policy = new AlertPolicy(() => rules, () => 12 * 60);
    const notified: number[] = [];
    // 50 motion events, one every 2 s, then one more after the cooldown.
    for (let i = 0; i < 50; i++) if (policy.decide({ cameraId: 'cam-a', kind: 'motion', at: T + i * 2000 }, T + i * 2000).notify) notified.push(i);
    expect(notified).toEqual([0]);
    const later = T + 130_000;
    expect(policy.decide({ cameraId: 'cam-a', kind: 'motion', at: later }, later)).toEqual({ notify: true });
  });

  it('cooldown is per camera and per kind', () => {
    const policy = new AlertPolicy(() => rules, () => 0);
    expect(policy.decide({ cameraId: 'cam-a', kind: 'motion', at: T }, T).notify).toBe(true);
    expect(policy.decide({ cameraId: 'cam-a', kind: 'barking-like', at: T }, T).notify).toBe(true);
    expect(policy.decide({ cameraId: 'cam-b', kind: 'motion', at: T }, T).notify).toBe(true);
    expect(policy.decide({ cameraId: 'cam-a', kind: 'motion', at: T + 1000 }, T + 1000)).toEqual({ notify: false, reason: 'cooldown' });
  });

  it('quiet hours (across midnight) hold notifications without starting a cooldown; muted kinds never notify', () => {
    const night: AlertRules = { cooldownSec: 60, quietHours: { startMinute: 22 * 60, endMinute: 7 * 60 }, muted: ['loud-sound'] };
    const at23 = decideAlert(new Map(), { cameraId: 'c', kind: 'motion', at: T }, night, T, 23 * 60);
    expect(at23.decision).toEqual({ notify: false, reason: 'quiet-hours' });
    expect(at23.lastNotified.size).toBe(0);
    expect(decideAlert(new Map(), { cameraId: 'c', kind: 'motion', at: T }, night, T, 6 * 60 + 59).decision.notify).toBe(false);
    expect(decideAlert(new Map(), { cameraId: 'c', kind: 'motion', at: T }, night, T, 7 * 60).decision.notify).toBe(true);
    expect(decideAlert(new Map(), { cameraId: 'c', kind: 'loud-sound', at: T }, night, T, 12 * 60).decision).toEqual({ notify: false, reason: 'muted' });
  });

  it('an event that arrives long after it happened is not notified on its own', () => {
    expect(decideAlert(new Map(), { cameraId: 'c', kind: 'motion', at: T }, rules, T + LATE_EVENT_MS + 1, 0).decision).toEqual({ notify: false, reason: 'late' });
  });
});

describe('OfflineWatch', () => {
  it('reports a camera offline for N minutes once per offline period, with its last battery level', () => {
    const watch = new OfflineWatch(10 * 60_000);
    watch.update('cam-a', true, T, 0.42);
    watch.update('cam-a', false, T + 1000);
    expect(watch.check(T + 1000 + 9 * 60_000)).toEqual([]);
    expect(watch.check(T + 1000 + 10 * 60_000)).toEqual([{ cameraId: 'cam-a', since: T + 1000, battery: 0.42 }]);
    expect(watch.check(T + 1000 + 60 * 60_000)).toEqual([]);
    watch.update('cam-a', true, T + 2 * 3_600_000);
    watch.update('cam-a', false, T + 3 * 3_600_000);
    expect(watch.check(T + 3 * 3_600_000 + 10 * 60_000)).toHaveLength(1);
    watch.forget('cam-a');
    expect(watch.check(T + 10 * 3_600_000)).toEqual([]);
  });
});
