import { describe, expect, it } from 'vitest';
import { checkBudgets } from './budgets.ts';
import { figuresOf, ratiosOf, type BenchResults } from './results.ts';
import { summarize, summarizeRuns } from './stats.ts';
import { renderReport, renderTable, showSummary } from './table.ts';

describe('renderTable', () => {
  it('aligns columns under an underlined header', () => {
    expect(renderTable([['a', 'bb'], ['ccc', 'd']], '')).toBe(['a    bb', '───  ──', 'ccc  d'].join('\n'));
  });
});

describe('showSummary', () => {
  it('prints median / p90 (n), or a dash for nothing', () => {
    expect(showSummary(summarize([10, 20, 30]))).toBe('20 / 28 (3)');
    expect(showSummary(summarize([]))).toBe('—');
  });
});

describe('renderReport', () => {
  it('reports a run whose parts were all skipped', () => {
    const empty = { ttff: null, latency: null, capacity: null, weight: { camera: null, viewer: null }, cpu: null };
    const figures = figuresOf(empty, 10_000);
    const results: BenchResults = {
      version: 1,
      startedAt: '2030-01-01T00:00:00.000Z',
      durationSeconds: 1,
      machine: { cpus: 2, loadAverage: [1, 1, 1], node: 'v20', chromium: null, commit: 'abc1234', uncommittedChanges: false },
      settings: {},
      parts: { ttff: { status: 'skipped', reason: 'no browser', seconds: 0 } },
      skipped: [{ what: 'ttff', reason: 'no browser' }],
      notes: [],
      ...empty,
      ratios: ratiosOf(figures),
      budgets: checkBudgets(figures),
    };
    const text = renderReport(results);
    expect(text).toContain('ttff: no browser');
    expect(text).toContain('SKIP');
    expect(text).not.toContain('PASS');
    expect(text).toMatch(/NOT BUILT\s+camera-page CPU with one viewer on standby/);
    expect(text).toMatch(/warm on a standby link +not built yet/);
  });
});

describe('showSummary with failed runs', () => {
  it('shows how many runs failed beside the median they are counted in', () => {
    expect(showSummary(summarizeRuns([100, 200], 1, 15_000))).toBe('200 / 12040 (3, 1 failed)');
    expect(showSummary(summarizeRuns([], 0, 15_000))).toBe('—');
  });
});
