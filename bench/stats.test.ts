import { describe, expect, it } from 'vitest';
import { median, quantile, ratio, round, summarize, summarizeRuns } from './stats.ts';

describe('quantile', () => {
  it('interpolates between ranks', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
    expect(quantile([10], 0.9)).toBe(10);
  });

  it('ignores non-finite samples and gives null for none', () => {
    expect(median([])).toBeNull();
    expect(median([Number.NaN, Number.POSITIVE_INFINITY])).toBeNull();
    expect(median([Number.NaN, 5, 7])).toBe(6);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses a quantile outside 0…1', () => {
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('counts, medians and p90s the finite samples', () => {
    expect(summarize([5, 1, 4, 2, 3, Number.NaN])).toEqual({ n: 5, median: 3, p90: 4.6, min: 1, max: 5 });
    expect(summarize([])).toEqual({ n: 0, median: null, p90: null, min: null, max: null });
  });
});

describe('ratio and round', () => {
  it('keeps missing values missing', () => {
    expect(ratio(1, 2)).toBe(0.5);
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
    expect(round(1.2345, 2)).toBe(1.23);
    expect(round(null)).toBeNull();
  });
});

describe('summarizeRuns', () => {
  it('counts failed runs in n and in the median, at the value they stand for', () => {
    expect(summarizeRuns([100, 200, 300], 0, 15_000)).toMatchObject({ n: 3, median: 200, failed: 0 });
    expect(summarizeRuns([100, 200, 300], 2, 15_000)).toMatchObject({ n: 5, median: 300, max: 15_000, failed: 2 });
    expect(summarizeRuns([], 3, 15_000)).toMatchObject({ n: 3, median: 15_000, failed: 3 });
  });
});
