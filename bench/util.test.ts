import { describe, expect, it } from 'vitest';
import { Shortfall, requireSamples, shortfalls } from './util.ts';

describe('shortfalls', () => {
  it('names each short series with what it got, what it needed and why', () => {
    const needs = [
      { what: 'pawcam warm', got: 0, need: 10, why: 'time budget spent at round 4 of 10' },
      { what: 'pawcam cold', got: 10, need: 10, why: '' },
      { what: 'PeerJS baseline camera CPU', got: 0, need: 1, why: '' },
    ];
    expect(shortfalls(needs)).toEqual(['pawcam warm: 0 of 10 samples needed (time budget spent at round 4 of 10)', 'PeerJS baseline camera CPU: 0 of 1 samples needed (no reason recorded)']);
    expect(() => requireSamples(needs)).toThrow(Shortfall);
    expect(() => requireSamples(needs.slice(1, 2))).not.toThrow();
  });
});
