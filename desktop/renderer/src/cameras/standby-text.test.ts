import { describe, expect, it } from 'vitest';
import { standbyText } from './standby-text.ts';

describe('standbyText', () => {
  it('says what the phone needs and since when, as a clock time', () => {
    const since = new Date(2026, 11, 2, 14, 2).getTime();
    expect(standbyText({ need: 'tap', since }, 'en-GB')).toBe('Camera page needs a tap on the phone since 14:02');
  });
});
