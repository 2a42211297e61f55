import { describe, expect, it } from 'vitest';
import { checkBudgets } from './budgets.ts';
import { figuresOf, ratiosOf, type BenchResults } from './results.ts';
import { summarize, summarizeRuns } from './stats.ts';
import { renderReport, renderStandby, renderTable, showSummary } from './table.ts';

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
    const empty = { ttff: null, latency: null, capacity: null, weight: { camera: null, viewer: null }, cpu: null, standby: null };
    const figures = figuresOf(empty, 10_000, 8);
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
    expect(text).toMatch(/SKIP\s+camera-page CPU with one viewer on standby/);
    expect(text).toMatch(/SKIP\s+viewer memory with 8 cameras on standby/);
    expect(text).not.toMatch(/not built/i);
  });

  it('prints what a standby viewer costs the camera and the viewer, and says loudly when fewer cameras were measured', () => {
    const cpu = (core: number, media: number, width: number) => ({
      rendererCpuSeconds: core * 15,
      rendererCpuPerSecond: core,
      browserCpuSeconds: core * 20,
      windowSeconds: 15,
      sender: { width, height: (width * 9) / 16, fps: 30, limitation: 'none', encoder: 'libvpx' },
      upload: { mediaKbps: media, transportKbps: media + 3, connections: 1 },
    });
    const memory = (renderer: number) => ({ rendererBytes: renderer, browserBytes: renderer + 100e6, renderers: 1, jsHeapUsedBytes: 8e6, measure: 'private' as const });
    const standby = {
      cameras: 8,
      linked: 5,
      empty: memory(60e6),
      loaded: memory(110e6),
      perCameraBytes: 10e6,
      cameraSource: { width: 320, height: 180, fps: 5 },
      problems: ['camera 6 could not be paired: timeout'],
    };
    const lines = renderStandby({ cpu: { ours: cpu(0.4, 2500, 1280), oursStandby: cpu(0.05, 4.2, 160), oursIdle: cpu(0.04, 0, 0) }, standby }).join('\n');
    expect(lines).toMatch(/renderer CPU\s+0\.040 core .*0\.050 core .*0\.400 core .*0\.13×/);
    expect(lines).toMatch(/upload, RTP media \(outbound-rtp\)\s+0\.0 kbit\/s\s+4\.2 kbit\/s\s+2500\.0 kbit\/s/);
    expect(lines).toContain('ONLY 5 of 8 cameras');
    expect(lines).toMatch(/5 standby links\s+110\.0 MB \(1\)\s+210\.0 MB/);
    expect(lines).toMatch(/per camera on standby \(renderer\)\s+10\.0 MB/);
    expect(lines).toContain('camera 6 could not be paired');
  });

  it('prints the standby memory budget line in MB, as reported with no limit', () => {
    const figures = { ...figuresOf({ ttff: null, latency: null, capacity: null, weight: { camera: null, viewer: null }, cpu: null, standby: null }, 10_000, 8), standbyViewerBytes: 196_600_000, standbyCameras: 8 };
    const text = renderReport({
      version: 1,
      startedAt: '2030-01-01T00:00:00.000Z',
      durationSeconds: 1,
      machine: { cpus: 2, loadAverage: [1, 1, 1], node: 'v22', chromium: null, commit: 'abc1234', uncommittedChanges: false },
      settings: {},
      parts: {},
      skipped: [],
      notes: [],
      ttff: null,
      latency: null,
      capacity: null,
      weight: { camera: null, viewer: null },
      cpu: null,
      standby: null,
      ratios: ratiosOf(figures),
      budgets: checkBudgets(figures),
    });
    expect(text).toMatch(/REPORT\s+viewer memory with 8 cameras on standby \(reported\)\s+196\.6 MB\s+—/);
  });
});

describe('showSummary with failed runs', () => {
  it('shows how many runs failed beside the median they are counted in', () => {
    expect(showSummary(summarizeRuns([100, 200], 1, 15_000))).toBe('200 / 12040 (3, 1 failed)');
    expect(showSummary(summarizeRuns([], 0, 15_000))).toBe('—');
  });
});
