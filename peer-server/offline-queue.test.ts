import { describe, expect, it } from 'vitest';
import { OfflineQueueGuard } from './offline-queue.ts';

describe('OfflineQueueGuard', () => {
  it('holds at most perDestination messages for an absent peer within the hold time', () => {
    const guard = new OfflineQueueGuard({ perDestination: 3, destinations: 10 }, 1000);
    expect([0, 1, 2, 3].map((t) => guard.admit('cam-a', t))).toEqual([null, null, null, 'destination-full']);
    expect(guard.admit('cam-b', 10)).toBeNull();
    expect(guard.admit('cam-a', 1001)).toBeNull();
    guard.delivered('cam-a');
    expect([0, 0, 0].map(() => guard.admit('cam-a', 1002))).toEqual([null, null, null]);
  });

  it('queues for at most `destinations` absent peers, forgetting idle ones', () => {
    const guard = new OfflineQueueGuard({ perDestination: 3, destinations: 2 }, 1000);
    expect(guard.admit('cam-a', 0)).toBeNull();
    expect(guard.admit('cam-b', 0)).toBeNull();
    expect(guard.admit('cam-c', 500)).toBe('too-many-destinations');
    expect(guard.admit('cam-c', 1500)).toBeNull();
    expect(guard.destinations).toBe(1);
  });
});
