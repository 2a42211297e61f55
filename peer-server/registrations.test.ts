import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../protocol/log.ts';
import { Registrations } from './registrations.ts';
import { captureLogs, token } from './test-client.ts';

const DAY = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function open(limits = {}, records: LogRecord[] = [], now = 0): Promise<{ regs: Registrations; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pawcam-reg-'));
  dirs.push(dir);
  return { regs: await Registrations.open(dir, captureLogs(records), { writeDelayMs: 10, ...limits }, now), dir };
}

describe('Registrations', () => {
  it('binds an ID to its first token and refuses any other, keeping only a hash on disk', async () => {
    const { regs, dir } = await open();
    expect(regs.claim('cam-a', token('owner'), 0)).toBe('bound');
    expect(regs.claim('cam-a', token('owner'), 1)).toBe('owner');
    expect(regs.claim('cam-a', token('thief'), 2)).toBe('taken');
    await regs.flush();
    const text = await readFile(join(dir, 'registrations.json'), 'utf8');
    expect(text).not.toContain(token('owner'));
    expect(JSON.parse(text)).toEqual({ v: 1, ids: { 'cam-a': { h: expect.stringMatching(/^[0-9a-f]{64}$/), seen: 0 } } });

    const again = await Registrations.open(dir, captureLogs([]), {}, 3);
    expect(again.claim('cam-a', token('thief'), 3)).toBe('taken');
    expect(again.claim('cam-a', token('owner'), 3)).toBe('owner');
  });

  it('forgets bindings unused for the retention time, sooner for short-code rendezvous IDs, never for online peers', async () => {
    const { regs } = await open();
    regs.claim('cam-old', token('a'), 0);
    regs.claim('cam-online', token('b'), 0);
    regs.claim('pair-abc123', token('c'), 0);
    regs.sweep(2 * DAY);
    expect(regs.claim('pair-abc123', token('other'), 2 * DAY)).toBe('bound');
    expect(regs.claim('cam-old', token('other'), 2 * DAY)).toBe('taken');
    regs.sweep(91 * DAY, (id) => id === 'cam-online');
    expect(regs.claim('cam-online', token('other'), 91 * DAY)).toBe('taken');
    expect(regs.claim('cam-old', token('other'), 91 * DAY)).toBe('bound');
  });

  it('refuses new IDs past the cap, with room again once old ones expire', async () => {
    const { regs } = await open({ maxEntries: 2 });
    expect(regs.claim('cam-a', token('a'), 0)).toBe('bound');
    expect(regs.claim('cam-b', token('b'), DAY)).toBe('bound');
    expect(regs.claim('cam-c', token('c'), DAY)).toBe('full');
    expect(regs.claim('cam-a', token('a'), DAY)).toBe('owner');
    expect(regs.claim('cam-c', token('c'), 92 * DAY)).toBe('bound');
  });

  it('asks before binding a new ID', async () => {
    const { regs } = await open();
    expect(regs.claim('cam-a', token('a'), 0, () => false)).toBe('limited');
    expect(regs.claim('cam-a', token('a'), 0)).toBe('bound');
    expect(regs.claim('cam-a', token('a'), 0, () => false)).toBe('owner');
  });

  it('sets a damaged file aside and starts empty, loudly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pawcam-reg-'));
    dirs.push(dir);
    await writeFile(join(dir, 'registrations.json'), '{"v":1,"ids":{"cam-a":{"h":"zz"}}}');
    const records: LogRecord[] = [];
    const regs = await Registrations.open(dir, captureLogs(records), {}, 42);
    expect(regs.size).toBe(0);
    expect(records.some((r) => r.level === 'error' && r.msg.includes('damaged'))).toBe(true);
    expect(await readdir(dir)).toContain('registrations.json.damaged-42');
  });
});
