import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function check(code: string) {
  dir = await mkdtemp(join(tmpdir(), 'targets-'));
  await writeFile(join(dir, 'app.js'), code);
  return spawnSync(process.execPath, ['scripts/check-targets.mjs', dir], { encoding: 'utf8' });
}

describe('check-targets', () => {
  it('accepts ES2020 (optional chaining, nullish coalescing, dynamic import, BigInt)', async () => {
    const r = await check('const a = b?.c ?? 1n; import("./x.js"); export { a };');
    expect(r.status).toBe(0);
  });

  it.each([
    ['private class fields (Safari 14.1+)', 'class A { #x = 1 }'],
    ['logical assignment (ES2021)', 'let a; a ||= 1;'],
    ['top-level await (Safari 15+)', 'await fetch("/");'],
    ['class static blocks (ES2022)', 'class A { static { } }'],
  ])('fails on %s', async (_what, code) => {
    const r = await check(code);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('app.js:1:');
  });
});
