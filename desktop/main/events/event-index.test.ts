import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventIndex, type EventRow } from './event-index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-index-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const AT = 1_800_000_000_000;
function row(overrides: Partial<EventRow> = {}): EventRow {
  return {
    cameraId: 'cam-a',
    id: '00000000000000a1',
    kind: 'motion',
    at: AT,
    durationMs: 4000,
    strength: 0.2,
    levelDbfs: null,
    battery: null,
    thumbnail: null,
    clip: null,
    clipBytes: 0,
    clipExpected: true,
    seen: false,
    receivedAt: AT + 10,
    ...overrides,
  };
}

describe('EventIndex', () => {
  it('stores events once, lists a camera’s range by time and kind, tracks unseen', () => {
    const index = new EventIndex(join(dir, 'events.sqlite'));
    expect(index.insertEvent(row())).toBe(true);
    expect(index.insertEvent(row())).toBe(false);
    index.insertEvent(row({ id: '00000000000000a2', kind: 'barking-like', at: AT + 5000, levelDbfs: -20 }));
    index.insertEvent(row({ id: '00000000000000a3', at: AT - 5000 }));
    // Same event id from another camera is another event (ids are only unique per camera).
    index.insertEvent(row({ cameraId: 'cam-b' }));
    expect(index.listEvents('cam-a', AT - 10_000, AT + 10_000).map((e) => e.id)).toEqual(['00000000000000a3', '00000000000000a1', '00000000000000a2']);
    expect(index.listEvents('cam-a', AT, AT + 10_000, ['barking-like'])).toEqual([row({ id: '00000000000000a2', kind: 'barking-like', at: AT + 5000, levelDbfs: -20 })]);
    expect(index.unseenCounts()).toEqual(new Map([['cam-a', 3], ['cam-b', 1]]));
    index.markSeen('cam-a', ['00000000000000a1', '00000000000000a2']);
    expect(index.unseenCounts().get('cam-a')).toBe(1);
    index.setClip('cam-a', '00000000000000a1', 'x/clip.webm', 1234);
    expect(index.getEvent('cam-a', '00000000000000a1')).toMatchObject({ clip: 'x/clip.webm', clipBytes: 1234, seen: true });
    index.deleteEvent('cam-b', '00000000000000a1');
    expect(index.getEvent('cam-b', '00000000000000a1')).toBeNull();
    index.close();
  });

  it('keeps part offsets and drops, and reopens with the same data', () => {
    const path = join(dir, 'events.sqlite');
    const index = new EventIndex(path);
    index.insertEvent(row());
    index.putPart({ cameraId: 'cam-a', eventId: '00000000000000a1', offset: 100, total: 500, sha256: 'f'.repeat(64), mimeType: 'video/webm', startedAt: AT - 3000, updatedAt: AT });
    index.putPart({ cameraId: 'cam-a', eventId: '00000000000000a1', offset: 200, total: 500, sha256: 'f'.repeat(64), mimeType: 'video/webm', startedAt: AT - 3000, updatedAt: AT + 1 });
    index.recordDropped([{ cameraId: 'cam-a', eventId: '00000000000000b1', kind: 'motion', at: AT, what: 'clip', reason: 'quota', receivedAt: AT }]);
    index.close();
    const reopened = new EventIndex(path);
    expect(reopened.getPart('cam-a', '00000000000000a1')?.offset).toBe(200);
    expect(reopened.listDropped('cam-a', AT, AT + 1)).toHaveLength(1);
    reopened.finishPart('cam-a', '00000000000000a1', { path: 'a.webm', bytes: 500 });
    expect(reopened.getPart('cam-a', '00000000000000a1')).toBeNull();
    expect(reopened.getEvent('cam-a', '00000000000000a1')?.clip).toBe('a.webm');
    reopened.close();
  });

  it('refuses an index written by a newer version instead of damaging it', () => {
    const path = join(dir, 'events.sqlite');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 99');
    db.close();
    expect(() => new EventIndex(path)).toThrow(/newer pawcam/);
  });

  it('an event confirmed before the process is killed mid-write is there after restart', async () => {
    const path = join(dir, 'events.sqlite');
    const child = join(dir, 'writer.mjs');
    // The child stores events as fast as it can and prints each id once insertEvent has returned (= what the
    // desktop would then acknowledge to the camera). It is SIGKILLed in the middle of that loop.
    await writeFile(
      child,
      `import { EventIndex } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'event-index.ts')).href)};
       const index = new EventIndex(process.argv[2]);
       for (let i = 0; i < 1_000_000; i++) {
         const id = i.toString(16).padStart(16, '0');
         index.insertEvent({ cameraId: 'cam-a', id, kind: 'motion', at: ${AT} + i, durationMs: 1, strength: 0, levelDbfs: null, battery: null,
           thumbnail: null, clip: null, clipBytes: 0, clipExpected: false, seen: false, receivedAt: ${AT} });
         process.stdout.write('confirmed ' + id + '\\n');
       }`,
    );
    const proc = spawn(process.execPath, ['--no-warnings', child, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const confirmed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`only ${confirmed.length} events confirmed in 15 s`)), 15_000);
      let buffer = '';
      proc.stdout.on('data', (data: Buffer) => {
        buffer += data.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line.startsWith('confirmed ')) confirmed.push(line.slice(10));
        if (confirmed.length >= 200 && proc.exitCode === null && !proc.killed) {
          proc.kill('SIGKILL');
        }
      });
      proc.on('exit', (_code, signal) => {
        clearTimeout(timeout);
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`writer exited by itself (${_code})`));
      });
    });
    const index = new EventIndex(path);
    const stored = new Set(index.listEvents('cam-a', 0, AT * 2).map((e) => e.id));
    expect(confirmed.length).toBeGreaterThanOrEqual(200);
    expect(confirmed.filter((id) => !stored.has(id))).toEqual([]);
    index.close();
  });
});
