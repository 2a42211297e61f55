import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { startServer } from './server.ts';
import { traceTimers } from './traced-timers.ts';

const pendingTimeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('a server that starts and closes', () => {
  it('leaves no PeerServer timer loops behind (it used to leak two per mount)', async () => {
    const before = pendingTimeouts();
    for (let i = 0; i < 3; i++) {
      const server = await startServer({ port: 0, host: '127.0.0.1', http: true, open: true, dataDir: mkdtempSync(join(tmpdir(), 'pawcam-timers-')) });
      await server.close();
    }
    // At most as many as before: a timer someone else had pending may fire meanwhile, while a leak would add two
    // per mount (six here).
    expect(pendingTimeouts()).toBeLessThanOrEqual(before);
  });
});

describe('traceTimers', () => {
  it('finds a self-rescheduling loop, keeps finding its later rounds, and stops it', async () => {
    vi.useFakeTimers();
    try {
      let rounds = 0;
      const loop = (): void => {
        setTimeout(() => {
          rounds++;
          loop();
        }, 1000);
      };
      const timers = traceTimers(loop);
      expect(timers.pending).toBe(1);
      await vi.advanceTimersByTimeAsync(3000);
      expect(rounds).toBe(3);
      expect(timers.pending).toBe(1);
      timers.clear();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(rounds).toBe(3);
      expect(timers.pending).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('leaves setTimeout as it was, and does not see timers started outside', () => {
    const before = globalThis.setTimeout;
    const timers = traceTimers(() => undefined);
    expect(globalThis.setTimeout).toBe(before);
    const outside = setTimeout(() => undefined, 10);
    expect(timers.pending).toBe(0);
    clearTimeout(outside);
  });
});
