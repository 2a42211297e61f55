import { describe, expect, it } from 'vitest';
import { parseRetention, retentionChange, retentionText } from './retention-form.ts';

describe('the event retention boxes', () => {
  it('read whole days from 1 to 3650; an empty box keeps events forever', () => {
    expect(parseRetention('retentionDays', ' 14 ')).toEqual({ ok: true, value: 14 });
    expect(parseRetention('retentionDays', '1')).toEqual({ ok: true, value: 1 });
    expect(parseRetention('retentionDays', '3650')).toEqual({ ok: true, value: 3650 });
    expect(parseRetention('retentionDays', '  ')).toEqual({ ok: true, value: null });
    for (const text of ['0', '3651', '1.5', '-3', 'a week', '1e2']) {
      expect(parseRetention('retentionDays', text)).toEqual({ ok: false, error: expect.stringMatching(/1 to 3650 days.*empty/) });
    }
  });

  it('read gigabytes from 0.1 to 100000, with a decimal point or comma; an empty box sets no size limit', () => {
    expect(parseRetention('retentionGigabytes', '2.5')).toEqual({ ok: true, value: 2.5 });
    expect(parseRetention('retentionGigabytes', '2,5')).toEqual({ ok: true, value: 2.5 });
    expect(parseRetention('retentionGigabytes', '.5')).toEqual({ ok: true, value: 0.5 });
    expect(parseRetention('retentionGigabytes', '100000')).toEqual({ ok: true, value: 100_000 });
    expect(parseRetention('retentionGigabytes', '')).toEqual({ ok: true, value: null });
    for (const text of ['0', '0.05', '100001', 'lots', 'Infinity', '1,5,0']) {
      expect(parseRetention('retentionGigabytes', text)).toEqual({ ok: false, error: expect.stringMatching(/0\.1 to 100000 GB.*empty/) });
    }
  });

  it('show a stored limit, or an empty box for none', () => {
    expect(retentionText(30)).toBe('30');
    expect(retentionText(2.5)).toBe('2.5');
    expect(retentionText(null)).toBe('');
    expect(retentionText(undefined)).toBe('');
  });

  it('save nothing when the box says what is stored', () => {
    const current = { retentionDays: 30, retentionGigabytes: null };
    expect(retentionChange('retentionDays', '30', current)).toBeNull();
    expect(retentionChange('retentionGigabytes', '', current)).toBeNull();
    expect(retentionChange('retentionDays', '', current)).toEqual({ ok: true, value: null });
    expect(retentionChange('retentionGigabytes', '20', current)).toEqual({ ok: true, value: 20 });
    expect(retentionChange('retentionDays', 'x', current)).toMatchObject({ ok: false });
  });
});
