/**
 * The desktop app's built code, packed by electron-builder and run under Node with a stand-in `electron`
 * (scripts/smoke-desktop.ts). It needs the build `npm run test:e2e` makes first. What it proves is listed check by
 * check in its output; this test fails on any failed check and names it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

it('the packed desktop app starts, serves pawcam://app, reaches its server on loopback and quits (npm run smoke:desktop)', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/smoke-desktop.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (exit) => resolve({ code: exit, output }));
  });
  const failures = output.split('\n').filter((line) => line.startsWith('  ✗'));
  expect(failures, output.slice(-4000)).toEqual([]);
  expect(code, output.slice(-4000)).toBe(0);
  // The parts of the journey the issue names, each seen to pass.
  for (const step of [
    'app.asar holds /dist/preload/preload.cjs',
    'no source maps ship',
    'packed: the built main bundle loads as ESM (packed layout)',
    'packed: one tray icon, one main window',
    'packed: preload parses as a CommonJS script',
    'packed: pawcam://app/index.html is the viewer page',
    'packed: path traversal refused (403): pawcam://app/..%2fcamera-web%2findex.html',
    'packed: the embedded server answers /healthz on loopback (HTTPS)',
    'packed: Quit ends the app with exit code 0',
    'packed, Wayland: on Wayland with XWayland, main restarts itself before ready',
    'repository: pawcam://app/index.html is the viewer page',
    'electron-builder accepts the deb metadata (homepage, maintainer with email)',
    'the deb ships an AppArmor profile for /opt/pawcam/pawcam allowing user namespaces (Ubuntu 24.04+)',
    'packed AppImage, restart: the AppImage file itself runs again after the app exited',
  ]) {
    expect(output, step).toContain(`  ✓ ${step}`);
  }
}, 480_000);
