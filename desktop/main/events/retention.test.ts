import { describe, expect, it } from 'vitest';
import { planRetention, type RetentionItem } from './retention.ts';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const item = (id: string, ageDays: number, clipBytes: number): RetentionItem => ({
  cameraId: 'cam-a',
  id,
  at: NOW - ageDays * DAY,
  clip: clipBytes ? `${id}.webm` : null,
  clipBytes,
  thumbnail: `${id}.jpg`,
});

describe('planRetention', () => {
  const items = [item('d', 1, 400), item('a', 40, 100), item('c', 5, 300), item('b', 31, 200), item('e', 0, 0)];

  it('removes whole events older than the days limit', () => {
    expect(planRetention(items, NOW, { maxDays: 30, maxBytes: null })).toEqual({ events: [items[1], items[3]], clips: [] });
  });

  it('then removes the oldest clips until the rest fit the size limit, keeping their events', () => {
    const plan = planRetention(items, NOW, { maxDays: 30, maxBytes: 450 });
    expect(plan.events.map((i) => i.id)).toEqual(['a', 'b']);
    expect(plan.clips.map((i) => i.id)).toEqual(['c']);
    expect(planRetention(items, NOW, { maxDays: null, maxBytes: 0 }).clips.map((i) => i.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('no limits remove nothing', () => {
    expect(planRetention(items, NOW, { maxDays: null, maxBytes: null })).toEqual({ events: [], clips: [] });
  });
});
