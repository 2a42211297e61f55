import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localDay, localDayBounds } from '../../../../protocol/local-day.ts';
import { axisFraction, axisSpan, clockTime, dayTitle, durationText, groupByHour, hourMarks, kindsFilter, shiftDay } from './timeline-day.ts';

// A zone with a clock change (Europe/Berlin: 2027-03-28 has 23 hours, 2027-10-31 has 25).
let savedTz: string | undefined;
beforeEach(() => {
  savedTz = process.env['TZ'];
  process.env['TZ'] = 'Europe/Berlin';
});
afterEach(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
});

const at = (y: number, m: number, d: number, h = 0, min = 0, s = 0) => new Date(y, m - 1, d, h, min, s).getTime();

describe('timeline days', () => {
  it('names local days and steps across months, years and clock changes', () => {
    expect(localDay(at(2027, 5, 20, 23, 59, 59))).toBe('2027-05-20');
    expect(localDay(at(2027, 5, 21, 0, 0, 0))).toBe('2027-05-21');
    expect(shiftDay('2027-03-01', -1)).toBe('2027-02-28');
    expect(shiftDay('2027-12-31', 1)).toBe('2028-01-01');
    expect(shiftDay('2027-03-28', 1)).toBe('2027-03-29');
    expect(shiftDay('2027-10-31', -1)).toBe('2027-10-30');
  });

  it('places events on the day\'s real length: 23 and 25 hours on clock-change days', () => {
    const spring = localDayBounds('2027-03-28');
    expect((spring.to - spring.from) / 3_600_000).toBe(23);
    expect((localDayBounds('2027-10-31').to - localDayBounds('2027-10-31').from) / 3_600_000).toBe(25);
    expect(axisFraction(at(2027, 5, 20, 12), '2027-05-20')).toBe(0.5);
    expect(axisFraction(at(2027, 5, 19, 23), '2027-05-20')).toBe(0);
    expect(axisFraction(at(2027, 5, 21, 1), '2027-05-20')).toBe(1);
    // 12:00 on the 23-hour day is 11 real hours after midnight.
    expect(axisFraction(at(2027, 3, 28, 12), '2027-03-28')).toBeCloseTo(11 / 23, 9);
    const span = axisSpan({ at: at(2027, 5, 20, 6), durationMs: 3_600_000 }, '2027-05-20');
    expect(span.left).toBe(0.25);
    expect(span.width).toBeCloseTo(1 / 24, 9);
    // An event running past midnight is cut at the day's end.
    expect(axisSpan({ at: at(2027, 5, 20, 23, 30), durationMs: 3_600_000 }, '2027-05-20').width).toBeCloseTo(0.5 / 24, 9);
  });

  it('marks the axis every three local hours, at their real places', () => {
    const marks = hourMarks('2027-05-20');
    expect(marks.map((m) => m.label)).toEqual(['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '24:00']);
    expect(marks.map((m) => m.fraction)).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
    expect(hourMarks('2027-03-28')[1]!.fraction).toBeCloseTo(2 / 23, 9);
  });

  it('groups the list by hour, in time order', () => {
    const e = (id: string, h: number, m: number) => ({ id, at: at(2027, 5, 20, h, m) });
    expect(groupByHour([e('c', 9, 40), e('a', 7, 5), e('b', 7, 50)])).toEqual([
      { label: '07:00', events: [e('a', 7, 5), e('b', 7, 50)] },
      { label: '09:00', events: [e('c', 9, 40)] },
    ]);
    expect(groupByHour([])).toEqual([]);
  });

  it('words days, times and durations plainly', () => {
    expect(dayTitle('2027-05-20', '2027-05-20')).toBe('Today');
    expect(dayTitle('2027-05-19', '2027-05-20')).toBe('Yesterday');
    expect(dayTitle('2027-05-17', '2027-05-20', 'en-GB')).toMatch(/^Monday,? 17 May 2027$/);
    expect(clockTime(at(2027, 5, 20, 7, 5, 9))).toBe('07:05:09');
    expect([0, 400, 12_000, 60_000, 185_000, 3_600_000, 7_800_000].map(durationText)).toEqual(['under a second', 'under a second', '12 s', '1 min', '3 min 5 s', '1 h', '2 h 10 min']);
  });

  it('asks main for no filter when every kind is chosen', () => {
    expect(kindsFilter(new Set(['motion', 'barking-like', 'howling-like', 'loud-sound', 'camera-offline']))).toBeNull();
    expect(kindsFilter(new Set(['loud-sound', 'motion']))).toEqual(['motion', 'loud-sound']);
    expect(kindsFilter(new Set())).toEqual([]);
  });
});
