import { describe, expect, it } from 'vitest';
import { checkBudgets, type Figures } from './budgets.ts';

const passing: Figures = {
  ttffColdOurs: 200,
  ttffColdPeerjs: 250,
  ttffWarmOurs: 50,
  g2g: { '720p30': { ours: 30, peerjs: 40, raw: 25 } },
  held: 10_000,
  heldTarget: 10_000,
  relayOurs: 95,
  relayStock: 100,
  rssOurs: 11,
  rssStock: 10,
  cameraGzip: 80_000,
  cpuOurs: 0.5,
  cpuPeerjs: 0.5,
  cpuOursStandby: 0.1,
  cpuOursDetect: 0.11,
  standbyViewerBytes: 300_000_000,
  standbyCameras: 8,
  standbyCamerasAsked: 8,
};

const byId = (f: Figures) => Object.fromEntries(checkBudgets(f).map((c) => [c.id, c]));

describe('checkBudgets', () => {
  it('passes figures inside every budget', () => {
    const checks = checkBudgets(passing);
    expect(checks.map((c) => c.id)).toEqual([
      'ttff-cold',
      'ttff-warm-standby',
      'g2g-720p30-peerjs',
      'g2g-720p30-floor',
      'capacity-held',
      'relay',
      'rss',
      'camera-gzip',
      'camera-cpu',
      'camera-cpu-standby',
      'camera-cpu-detect',
      'standby-memory',
    ]);
    const judged = checks.filter((c) => !c.reportOnly);
    expect(judged.every((c) => c.pass === true && c.miss === '')).toBe(true);
  });

  it('judges the standby budgets against the same run: warm start on the link, camera CPU on standby over live', () => {
    const checks = byId({ ...passing, cpuOurs: 0.4, cpuOursStandby: 0.12 });
    expect(checks['camera-cpu-standby']).toMatchObject({ pass: false, limit: 0.25, miss: '0.05× over (20%)' });
    expect(checks['camera-cpu-standby']!.actual).toBeCloseTo(0.3);
    expect(byId({ ...passing, ttffWarmOurs: 40 })['ttff-warm-standby']).toMatchObject({ pass: true, limit: 62.5 });
    expect(byId({ ...passing, cpuOursStandby: null })['camera-cpu-standby']!.pass).toBeNull();
  });

  it('judges detection against the same standby camera page with detection off', () => {
    expect(byId({ ...passing, cpuOursDetect: 0.125 })['camera-cpu-detect']).toMatchObject({ pass: false, limit: 1.15, miss: '0.10× over (9%)' });
    expect(byId({ ...passing, cpuOursDetect: null })['camera-cpu-detect']!.pass).toBeNull();
  });

  it('reports the viewer memory on standby with no limit, and says when it holds fewer cameras than asked', () => {
    expect(byId(passing)['standby-memory']).toMatchObject({ actual: 300_000_000, limit: null, pass: null, reportOnly: true, what: 'viewer memory with 8 cameras on standby (reported)' });
    expect(byId({ ...passing, standbyCameras: 5 })['standby-memory']!.what).toContain('ONLY 5 (of 8 asked)');
  });

  it('says by how much a budget is missed', () => {
    const checks = byId({
      ...passing,
      ttffWarmOurs: 100,
      g2g: { '720p30': { ours: 70, peerjs: 40, raw: 25 } },
      held: 5000,
      relayOurs: 72,
      cameraGzip: 99_000,
    });
    expect(checks['ttff-warm-standby']).toMatchObject({ pass: false, limit: 62.5, miss: '37.5 ms over (60%)' });
    expect(checks['g2g-720p30-peerjs']).toMatchObject({ pass: false, limit: 32, miss: '38.0 ms over (119%)' });
    expect(checks['g2g-720p30-floor']).toMatchObject({ pass: false, limit: 65, miss: '5.0 ms over (8%)' });
    expect(checks['capacity-held']).toMatchObject({ pass: false, miss: '5,000 cameras short (50%)' });
    expect(checks['relay']).toMatchObject({ pass: false, miss: '0.18× short (20%)' });
    expect(checks['camera-gzip']).toMatchObject({ pass: false, miss: '9,000 B over (10%)' });
    expect(checks['ttff-cold']!.pass).toBe(true);
  });

  it('leaves a budget unjudged when a figure is missing', () => {
    const checks = byId({ ...passing, ttffColdPeerjs: null, cpuOurs: null, g2g: {} });
    expect(checks['ttff-cold']!.pass).toBeNull();
    expect(checks['ttff-warm-standby']!.pass).toBeNull();
    expect(checks['camera-cpu']!.pass).toBeNull();
    expect(checks['camera-cpu-standby']!.pass).toBeNull();
    expect(checks['g2g-720p30-peerjs']).toBeUndefined();
  });
});
