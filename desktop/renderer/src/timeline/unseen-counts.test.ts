import { describe, expect, it } from 'vitest';
import { UnseenCounts } from './unseen-counts.ts';

describe('UnseenCounts', () => {
  it('reads main\'s counts, tells when they change, and runs one refresh at a time', async () => {
    const answers: Record<string, number>[] = [{ 'cam-a': 2 }, { 'cam-a': 2 }, { 'cam-a': 3, 'cam-b': 1 }];
    let reads = 0;
    const counts = new UnseenCounts(async () => answers[Math.min(reads++, answers.length - 1)]!);
    let changes = 0;
    counts.on('change', () => changes++);
    await counts.refresh();
    expect([counts.of('cam-a'), counts.of('cam-b'), changes]).toEqual([2, 0, 1]);
    // Three asked together: the first runs, the others fold into one more read.
    await Promise.all([counts.refresh(), counts.refresh(), counts.refresh()]);
    expect(reads).toBe(3);
    expect([counts.of('cam-a'), counts.of('cam-b'), changes]).toEqual([3, 1, 2]);
  });

  it('counts nothing where the shell has no events (the web viewer)', async () => {
    const counts = new UnseenCounts(undefined);
    await counts.refresh();
    expect(counts.of('cam-a')).toBe(0);
  });
});
