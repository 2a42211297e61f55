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
};

const byId = (f: Figures) => Object.fromEntries(checkBudgets(f).map((c) => [c.id, c]));

describe('checkBudgets', () => {
  it('passes figures inside every budget', () => {
    const checks = checkBudgets(passing);
    expect(checks.map((c) => c.id)).toEqual([
      'ttff-cold',
      'ttff-warm',
      'g2g-720p30-peerjs',
      'g2g-720p30-floor',
      'capacity-held',
      'relay',
      'rss',
      'camera-gzip',
      'camera-cpu',
      'ttff-warm-standby',
      'camera-cpu-standby',
      'standby-memory',
    ]);
    const measured = checks.filter((c) => !c.notBuilt);
    expect(measured.every((c) => c.pass === true && c.miss === '')).toBe(true);
  });

  it('reports the standby budgets as not built, with no figure', () => {
    const standby = checkBudgets(passing).filter((c) => c.id.includes('standby'));
    expect(standby).toHaveLength(3);
    for (const c of standby) expect(c).toMatchObject({ actual: null, limit: null, pass: null, notBuilt: expect.stringContaining('not built') });
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
    expect(checks['ttff-warm']).toMatchObject({ pass: false, limit: 62.5, miss: '37.5 ms over (60%)' });
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
    expect(checks['ttff-warm']!.pass).toBeNull();
    expect(checks['camera-cpu']!.pass).toBeNull();
    expect(checks['g2g-720p30-peerjs']).toBeUndefined();
  });
});
