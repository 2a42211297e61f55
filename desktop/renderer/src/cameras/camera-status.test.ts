import { describe, expect, it } from 'vitest';
import type { CameraStatus } from '../../../../protocol/messages.ts';
import { batteryLabel, formatStatus, formatUptime, statusWarnings } from './camera-status.ts';

const STATUS: CameraStatus = {
  t: 'status',
  battery: { level: 0.45, charging: true },
  video: { width: 1280, height: 720, fps: 29.7 },
  quality: '720p30',
  facing: 'environment',
  torch: null,
  uptimeSec: 2 * 3600 + 3 * 60 + 9,
  wakeLock: true,
  hidden: false,
};

describe('camera status', () => {
  it('formats the status line', () => {
    expect(formatStatus(STATUS)).toBe('1280×720 · 30 fps · up 2 h 3 min');
    expect(formatStatus({ ...STATUS, battery: null, video: null, uptimeSec: 42 })).toBe('up 42 s');
    // The battery goes beside its SVG icon: no emoji glyph that a font may lack.
    expect(batteryLabel(STATUS)).toBe('45% (charging)');
    expect(batteryLabel({ ...STATUS, battery: { level: 0.9, charging: false } })).toBe('90%');
    expect(batteryLabel({ ...STATUS, battery: null })).toBeNull();
  });

  it('formats uptimes', () => {
    expect(formatUptime(59)).toBe('59 s');
    expect(formatUptime(300)).toBe('5 min');
    expect(formatUptime(3 * 86_400 + 5 * 3600)).toBe('3 d 5 h');
  });

  it('warns about a low battery, an unplugged charger and a hidden page', () => {
    expect(statusWarnings(STATUS)).toEqual([]);
    expect(statusWarnings({ ...STATUS, battery: { level: 0.12, charging: false }, hidden: true }).map((w) => w.kind)).toEqual([
      'battery',
      'unplugged',
      'hidden',
    ]);
    expect(statusWarnings({ ...STATUS, battery: null }).map((w) => w.kind)).toEqual([]);
  });
});
