import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HELPER_SHELL, relaunchPlan, scheduleRelaunch } from './relaunch.ts';

describe('relaunchPlan', () => {
  it('outside an AppImage: Electron relaunches process.execPath with the same arguments', () => {
    expect(relaunchPlan({ env: {}, execPath: '/opt/pawcam/pawcam', argv: ['/opt/pawcam/pawcam', '--hidden', '--x'], pid: 1, dropArgs: ['--hidden'] })).toEqual({
      kind: 'electron',
      options: { execPath: '/opt/pawcam/pawcam', args: ['--x'] },
    });
  });

  it('inside an AppImage: $APPIMAGE is what runs again, through a helper outside the mount', () => {
    const plan = relaunchPlan({ env: { APPIMAGE: '/home/me/pawcam.AppImage' }, execPath: '/tmp/.mount_pawcamQ/pawcam', argv: ['/tmp/.mount_pawcamQ/pawcam', '--hidden'], pid: 55, dropArgs: ['--hidden'] });
    expect(plan.kind).toBe('appimage');
    if (plan.kind !== 'appimage') return;
    expect(plan.file).toBe(HELPER_SHELL);
    expect(plan.args.slice(3)).toEqual(['55', '/home/me/pawcam.AppImage']);
  });

  it('ignores an empty or relative APPIMAGE (not set by the AppImage runtime)', () => {
    expect(relaunchPlan({ env: { APPIMAGE: '' }, execPath: '/e', argv: ['/e'], pid: 1 }).kind).toBe('electron');
    expect(relaunchPlan({ env: { APPIMAGE: 'pawcam.AppImage' }, execPath: '/e', argv: ['/e'], pid: 1 }).kind).toBe('electron');
  });
});

describe('the AppImage helper, run for real by /bin/sh', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  /** Resolve when `predicate` holds, polling every 20 ms for at most `ms`. */
  async function until(predicate: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
      if (await predicate()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** The command names of `pid`'s children, from /proc/<n>/stat (field 4 is the parent's PID). */
  async function childrenOf(pid: number): Promise<string[]> {
    const names: string[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      // "pid (comm) state ppid …": comm may hold spaces or parentheses, so split after its last ')'.
      const close = stat.lastIndexOf(')');
      const [, ppid] = stat.slice(close + 2).split(' ');
      if (close > 0 && Number(ppid) === pid) names.push(stat.slice(stat.indexOf('(') + 1, close));
    }
    return names;
  }

  it.runIf(process.platform === 'linux')('waits for the old process to exit, then starts the AppImage with the arguments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pawcam-relaunch-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // The old pawcam: a process we end when we choose.
    const old = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    cleanup.push(async () => void old.kill('SIGKILL'));
    // A stand-in AppImage that records whether the old process was still alive when it ran, and its arguments.
    const appImage = join(dir, 'pawcam test.AppImage');
    const out = join(dir, 'ran.txt');
    await writeFile(appImage, `#!/bin/sh\nif kill -0 ${old.pid} 2>/dev/null; then s=alive; else s=gone; fi\nprintf '%s|%s\\n' "$s" "$*" > '${out}'\n`);
    await chmod(appImage, 0o755);

    let helper: ChildProcess | undefined;
    const plan = relaunchPlan({ env: { APPIMAGE: appImage }, execPath: '/tmp/.mount_x/pawcam', argv: ['/tmp/.mount_x/pawcam', '--hidden', 'a b'], pid: old.pid!, dropArgs: ['--hidden'], addArgs: ['--ozone-platform=x11'] });
    const ok = scheduleRelaunch(plan, {
      app: { relaunch: () => expect.fail('Electron\'s relauncher must not be used from an AppImage') },
      spawn: (file, args, options) => (helper = spawn(file, args, options)),
    });
    expect(ok).toBe(true);
    cleanup.push(async () => void helper?.kill('SIGKILL'));
    // The helper is in its wait loop (a `sleep` child) while the old process lives, and has not run the AppImage.
    await until(async () => (await childrenOf(helper!.pid!)).includes('sleep'), 5000, 'the helper to wait');
    await expect(readFile(out, 'utf8')).rejects.toThrow(/ENOENT/);

    const exited = new Promise((r) => old.once('exit', r));
    old.kill('SIGTERM');
    await exited;
    await until(async () => (await readFile(out, 'utf8').catch(() => '')).endsWith('\n'), 5000, 'the AppImage to run');
    expect(await readFile(out, 'utf8')).toBe('gone|a b --ozone-platform=x11\n');
  });

  it('reports a helper that could not start (so the caller keeps running)', () => {
    const plan = relaunchPlan({ env: { APPIMAGE: '/x.AppImage' }, execPath: '/e', argv: ['/e'], pid: 1 });
    const noPid = scheduleRelaunch(plan, { app: { relaunch: () => undefined }, spawn: () => ({ pid: undefined, unref: () => undefined, on: () => undefined }) as never });
    expect(noPid).toBe(false);
    const throws = scheduleRelaunch(plan, { app: { relaunch: () => undefined }, spawn: () => { throw new Error('EAGAIN'); } });
    expect(throws).toBe(false);
  });
});
