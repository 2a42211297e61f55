import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { sourceStamp } from './build-web-if-stale.mjs';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('sourceStamp', () => {
  it('stays the same until a source file changes, is added or renamed; ignores node_modules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pawcam-stamp-'));
    dirs.push(dir);
    await mkdir(join(dir, 'app', 'src'), { recursive: true });
    await mkdir(join(dir, 'app', 'node_modules'), { recursive: true });
    await writeFile(join(dir, 'app', 'src', 'a.ts'), 'one');
    await writeFile(join(dir, 'config.js'), 'cfg');
    const stamp = (): string => (sourceStamp as (base: string, sources: string[]) => string)(dir, ['app', 'config.js', 'absent']);
    const first = stamp();
    expect(stamp()).toBe(first);
    await writeFile(join(dir, 'app', 'node_modules', 'x.js'), 'ignored');
    expect(stamp()).toBe(first);
    await writeFile(join(dir, 'app', 'src', 'a.ts'), 'two');
    const second = stamp();
    expect(second).not.toBe(first);
    await writeFile(join(dir, 'app', 'src', 'b.ts'), '');
    expect(stamp()).not.toBe(second);
  });
});
