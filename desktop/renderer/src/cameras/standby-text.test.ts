import { describe, expect, it } from 'vitest';
import { batteryText, lastSeenText, standbyText } from './standby-text.ts';

describe('standbyText', () => {
  it('says what the phone needs and since when, as a clock time', () => {
    const since = new Date(2026, 11, 2, 14, 2).getTime();
    expect(standbyText({ need: 'tap', since }, 'en-GB')).toBe('Camera page needs a tap on the phone since 14:02');
  });
});

describe('batteryText and lastSeenText', () => {
  it('says the battery in percent, and when it charges; nothing when the camera does not say', () => {
    expect(batteryText({ level: 0.423, charging: false })).toBe('Battery 42 %');
    expect(batteryText({ level: 1, charging: true })).toBe('Battery 100 %, charging');
    expect(batteryText(null)).toBe('');
  });

  it('says when the camera was last heard from: the time today, the date too before today', () => {
    const now = new Date(2026, 11, 2, 18, 0).getTime();
    expect(lastSeenText(new Date(2026, 11, 2, 14, 2).getTime(), now, 'en-GB')).toBe('Last seen 14:02');
    expect(lastSeenText(new Date(2026, 11, 1, 9, 30).getTime(), now, 'en-GB')).toBe('Last seen 1 Dec, 09:30');
    expect(lastSeenText(null, now)).toBe('');
  });
});
