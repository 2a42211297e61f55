import { describe, expect, it } from 'vitest';
import { localDay, localDayBounds } from './local-day.ts';

describe('local days', () => {
  it('names the local day of a moment and spans a day from its midnight to the next', () => {
    const noon = new Date(2027, 4, 20, 12).getTime();
    expect(localDay(noon)).toBe('2027-05-20');
    const { from, to } = localDayBounds('2027-05-20');
    expect(from).toBe(new Date(2027, 4, 20).getTime());
    expect(to).toBe(new Date(2027, 4, 21).getTime());
    expect(localDay(from)).toBe('2027-05-20');
    expect(localDay(to - 1)).toBe('2027-05-20');
    expect(localDay(to)).toBe('2027-05-21');
  });

  it('refuses what is not a day', () => {
    expect(() => localDayBounds('2027-5-20')).toThrow(RangeError);
    expect(() => localDayBounds('../etc')).toThrow(RangeError);
  });
});
