/**
 * `npm run smoke:desktop` (after `npm run build`; `npm test` runs it through test/desktop-smoke.e2e.test.ts): the
 * desktop app's built code, run the way a user's machine runs it, as far as a machine without the Electron binary
 * can. Unit tests hand main's features hand-made fakes; this catches what they cannot — load order, ESM/CJS shape,
 * files missing from electron-builder.yml's `files`, paths that exist only in the packed layout, production
 * dependencies that are really devDependencies.
 *
 * 1. Packs the app with electron-builder's real packager (Linux `dir` target, offline) around a stand-in Electron
 *    distribution (`electronDist`): a file carrying Electron's fuse wire, so the configured fuses are flipped for
 *    real and read back.
 * 2. Lists app.asar and checks what ships (main, preload, renderer, camera page, server, production
 *    dependencies) and what must not (tests, source maps, sources, devDependencies).
 * 3. Extracts app.asar and runs the packed main bundle under Node with a stand-in `electron` module
 *    (scripts/smoke-desktop-run.ts): start → tray and window → pawcam://app serves the viewer and refuses
 *    traversal → IPC → embedded server on loopback over HTTPS → Quit; and once more on a Wayland session, where
 *    main must restart itself under XWayland before ready. The same start runs from the repository layout
 *    (`npm start`).
 *
 * Exits non-zero with the reasons when anything does not hold. `--keep` leaves the work folder for inspection.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractAll, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { getConfig } from 'app-builder-lib/out/util/config/config.js';
import type { AfterPackContext, Configuration } from 'app-builder-lib';
import type { LinuxPackager } from 'app-builder-lib/out/linuxPackager.js';
import FpmTargetModule from 'app-builder-lib/out/targets/FpmTarget.js';
import { LinuxTargetHelper } from 'app-builder-lib/out/targets/LinuxTargetHelper.js';
import { Arch, Platform, build } from 'electron-builder';

// A CommonJS module with `exports.default`: Node's ESM import hands over the whole exports object.
const FpmTarget = FpmTargetModule.default;

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const passed: string[] = [];
const failed: string[] = [];

function check(what: string, condition: unknown, detail?: unknown): void {
  if (condition) passed.push(what);
  else failed.push(`${what}${detail === undefined ? '' : `: ${JSON.stringify(detail).slice(0, 600)}`}`);
}

/** The Electron version the app is built for (the devDependency, exactly). */
async function electronVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Electron's fuse sentinel, followed by the wire: version 1, 8 fuses, Electron 45's defaults. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_DEFAULT_FUSES = '10110001';

/** A stand-in Electron distribution: what electron-builder copies, renames and flips fuses in. */
async function standInElectronDist(dir: string): Promise<void> {
  await mkdir(join(dir, 'resources'), { recursive: true });
  const binary = Buffer.concat([Buffer.from('#!/bin/sh\n# stand-in electron for the pawcam smoke test\nexit 1\n# '), Buffer.from(FUSE_SENTINEL), Buffer.from([1, 8]), Buffer.from(`${ELECTRON_DEFAULT_FUSES}\n`)]);
  await writeFile(join(dir, 'electron'), binary, { mode: 0o755 });
  await writeFile(join(dir, 'chrome-sandbox'), 'stand-in\n', { mode: 0o755 });
  await writeFile(join(dir, 'version'), `${await electronVersion()}\n`);
  await writeFile(join(dir, 'LICENSE'), 'stand-in\n');
}

async function pack(work: string): Promise<{ appOutDir: string; config: Configuration; packager: LinuxPackager }> {
  const electronDist = join(work, 'electron-dist');
  await standInElectronDist(electronDist);
  const config = await getConfig(root, join(root, 'electron-builder.yml'), null);
  const output = join(work, 'release');
  let packager: LinuxPackager | null = null;
  // Only the overrides: electron-builder loads electron-builder.yml itself and merges these in (handing it the
  // loaded file as well would list every extraResources entry twice).
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget('dir', Arch.x64),
    config: {
      directories: { output },
      electronDist,
      electronVersion: await electronVersion(),
      afterPack: (context: AfterPackContext) => void (packager = context.packager as LinuxPackager),
    },
    publish: 'never',
  });
  if (!packager) throw new Error('electron-builder never called afterPack');
  return { appOutDir: join(output, 'linux-unpacked'), config, packager };
}

/**
 * What the deb and the AppImage would carry, from electron-builder's own Linux code (the packaging tools they need,
 * fpm and appimagetool, are downloads, so the installers themselves are not built here): the deb's metadata check
 * (homepage, maintainer email), its AppArmor profile and the after-install script that loads it, the .desktop entry.
 */
async function checkLinuxPackaging(packager: LinuxPackager, work: string): Promise<void> {
  const helper = new LinuxTargetHelper(packager);
  const deb = new FpmTarget('deb', packager, helper, join(work, 'deb'));
  let meta: { url?: string; maintainer?: string } = {};
  try {
    meta = ((await deb.checkOptions()) ?? {}) as typeof meta;
    passed.push('electron-builder accepts the deb metadata (homepage, maintainer with email)');
  } catch (error) {
    failed.push(`electron-builder refuses the deb metadata: ${String(error)}`);
  }
  check('the deb names a homepage and a maintainer with an email', /^https?:\/\//.test(meta.url ?? '') && /<[^@\s]+@[^>\s]+>$/.test(meta.maintainer ?? ''), meta);
  const scripts = await (deb as unknown as { scriptFiles: Promise<{ afterInstall: string; appArmor: string }> }).scriptFiles;
  const profile = await readFile(scripts.appArmor, 'utf8');
  check('the deb ships an AppArmor profile for /opt/pawcam/pawcam allowing user namespaces (Ubuntu 24.04+)', profile.includes('profile "pawcam" "/opt/pawcam/pawcam"') && /^\s*userns,$/m.test(profile), profile);
  const afterInstall = await readFile(scripts.afterInstall, 'utf8');
  check('the deb\'s after-install loads that profile into /etc/apparmor.d', afterInstall.includes("APPARMOR_PROFILE_TARGET='/etc/apparmor.d/pawcam'") && afterInstall.includes('apparmor_parser --replace'), afterInstall.slice(-600));
  const entry = await helper.computeDesktopEntry(deb.options);
  const line = (key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(entry)?.[1];
  check('the desktop entry starts /opt/pawcam/pawcam', line('Exec') === '/opt/pawcam/pawcam %U', entry);
  check('the desktop entry has name, comment, icon and categories', line('Name') === 'pawcam' && line('Icon') === 'pawcam' && (line('Comment') ?? '').length > 10 && line('Categories') === 'AudioVideo;Video;Network;', entry);
  check('the desktop entry groups pawcam\'s windows (StartupWMClass = desktopName)', line('StartupWMClass') === 'pawcam', entry);
  check('the desktop entry has a generic name and keywords', line('GenericName') === 'Pet camera viewer' && (line('Keywords') ?? '').includes('camera'), entry);
}

/** What app.asar must and must not hold. */
async function checkAsar(asar: string): Promise<void> {
  const files = listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
  const has = (path: string): boolean => files.includes(path);
  for (const required of [
    '/package.json',
    '/dist/node/desktop/main/main.js',
    '/dist/preload/preload.cjs',
    '/dist/viewer/index.html',
    '/dist/camera-web/index.html',
    '/dist/node/peer-server/index.js',
    '/dist/node/protocol/ipc.js',
  ]) {
    check(`app.asar holds ${required}`, has(required));
  }
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  for (const dependency of Object.keys(pkg.dependencies)) check(`app.asar holds the production dependency ${dependency}`, has(`/node_modules/${dependency}/package.json`));
  const viewerAssets = files.filter((f) => f.startsWith('/dist/viewer/assets/') && f.endsWith('.js'));
  const cameraAssets = files.filter((f) => f.startsWith('/dist/camera-web/assets/') && f.endsWith('.js'));
  check('app.asar holds the viewer\'s and the camera page\'s scripts', viewerAssets.length > 0 && cameraAssets.length > 0, { viewerAssets, cameraAssets });
  const ours = files.filter((f) => f !== '/node_modules' && !f.startsWith('/node_modules/'));
  check('no tests ship', !ours.some((f) => /\.(test|e2e\.test)\.[cm]?[jt]s$/.test(f)), ours.filter((f) => /\.test\./.test(f)));
  check('no source maps ship (electron-builder.yml leaves dist/**/*.map out)', !ours.some((f) => f.endsWith('.map')), ours.filter((f) => f.endsWith('.map')));
  check('no sources ship (only dist/ and package.json)', ours.every((f) => f === '/package.json' || f === '/dist' || f.startsWith('/dist/')), ours.filter((f) => !f.startsWith('/dist')));
  // Type packages are exempt: `peer` lists @types/express and @types/ws as its own dependencies, so they ship as
  // (harmless) text. Every tool — electron, electron-builder, vite, svelte, vitest, browsers' drivers — must not.
  for (const dev of Object.keys(pkg.devDependencies).filter((d) => !d.startsWith('@types/'))) {
    check(`the devDependency ${dev} does not ship`, !has(`/node_modules/${dev}/package.json`));
  }
}

/** The fuses electron-builder.yml asks for, read back from the packed binary. */
async function checkFuses(binary: string, config: Configuration): Promise<void> {
  const wire = await getCurrentFuseWire(binary);
  const fuses = config.electronFuses ?? {};
  const expected: [keyof typeof fuses, FuseV1Options][] = [
    ['runAsNode', FuseV1Options.RunAsNode],
    ['enableCookieEncryption', FuseV1Options.EnableCookieEncryption],
    ['enableNodeOptionsEnvironmentVariable', FuseV1Options.EnableNodeOptionsEnvironmentVariable],
    ['enableNodeCliInspectArguments', FuseV1Options.EnableNodeCliInspectArguments],
    ['enableEmbeddedAsarIntegrityValidation', FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
    ['onlyLoadAppFromAsar', FuseV1Options.OnlyLoadAppFromAsar],
    ['grantFileProtocolExtraPrivileges', FuseV1Options.GrantFileProtocolExtraPrivileges],
  ];
  for (const [name, index] of expected) {
    const want = fuses[name];
    if (typeof want !== 'boolean') continue;
    const got = (wire as Record<number, number>)[index];
    check(`the packed binary's fuse ${name} is ${want ? 'on' : 'off'}`, got === (want ? 49 : 48), got);
  }
}

/** One driver run in its own Node process; its checks join ours. */
function runDriver(label: string, input: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'smoke-desktop-run.ts')], {
      cwd: root,
      env: { ...process.env, PAWCAM_SMOKE: JSON.stringify(input), PAWCAM_LOG_LEVEL: process.env['PAWCAM_LOG_LEVEL'] ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{"ok"')).at(-1);
      if (!line) {
        failed.push(`${label}: the run printed no result (exit ${code}).\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`);
        return resolve();
      }
      const result = JSON.parse(line) as { ok: boolean; checks: string[]; problems: string[] };
      passed.push(...result.checks.map((c) => `${label}: ${c}`));
      failed.push(...result.problems.map((p) => `${label}: ${p}`));
      if (code !== 0 && result.problems.length === 0) failed.push(`${label}: exited with ${code}`);
      resolve();
    });
  });
}

/** GNOME without the AppIndicator extension: a private session bus on which nobody owns the tray watcher's name. */
async function noTray(packed: Record<string, unknown>, work: string): Promise<void> {
  if (!existsSync('/usr/bin/dbus-daemon') || !existsSync('/usr/bin/gdbus')) {
    passed.push('no-tray: skipped (dbus-daemon or gdbus missing on this machine)');
    return;
  }
  const socket = join(work, 'session-bus');
  const daemon = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${socket}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let text = '';
      daemon.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.trim());
      });
      daemon.once('error', reject);
      daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
    });
    await runDriver('packed, GNOME without a tray', { ...packed, scenario: 'no-tray', bus: address, pathsRoot: join(work, 'home-no-tray') });
  } finally {
    daemon.kill();
  }
}

/** "Restart now" from an AppImage: the AppImage file (a stand-in script here) runs again once the app has exited. */
async function appImageRestart(packed: Record<string, unknown>, work: string): Promise<void> {
  const appImage = join(work, 'pawcam-smoke.AppImage');
  const marker = join(work, 'appimage-ran.txt');
  await writeFile(appImage, `#!/bin/sh\nprintf '%s\\n' "$*" > '${marker}'\n`, { mode: 0o755 });
  await runDriver('packed AppImage, restart', { ...packed, scenario: 'appimage-restart', appImage, pathsRoot: join(work, 'home-appimage') });
  let ran = '';
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && !ran; ) {
    ran = await readFile(marker, 'utf8').catch(() => '');
    if (!ran) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  check('packed AppImage, restart: the AppImage file itself runs again after the app exited', ran !== '', 'it never ran');
  check('packed AppImage, restart: …with the same arguments, minus --hidden (the user asked for it)', ran.trim() === '--smoke-flag', ran);
}

async function main(): Promise<void> {
  for (const built of ['dist/node/desktop/main/main.js', 'dist/preload/preload.cjs', 'dist/viewer/index.html', 'dist/camera-web/index.html']) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm run smoke:desktop does).`);
  }
  const work = await mkdtemp(join(tmpdir(), 'pawcam-smoke-'));
  try {
    const { appOutDir, config, packager } = await pack(work);
    await checkLinuxPackaging(packager, work);
    const resources = join(appOutDir, 'resources');
    const asar = join(resources, 'app.asar');
    check('electron-builder packed app.asar', existsSync(asar));
    await checkAsar(asar);
    await checkFuses(join(appOutDir, 'pawcam'), config);
    const icons = existsSync(join(resources, 'icons')) ? await readdir(join(resources, 'icons')) : [];
    for (const icon of ['pawcam.png', 'tray.png', 'tray@2x.png', 'tray-offline.png', 'trayTemplate.png', 'trayTemplate@2x.png', 'tray-offlineTemplate.png']) {
      check(`resources/icons holds ${icon}`, icons.includes(icon), icons);
    }

    // The packed layout, as Electron would see it: app.getAppPath() is …/resources/app.asar.
    const appPath = join(work, 'extracted', 'resources', 'app.asar');
    extractAll(asar, appPath);
    const packedPkg = JSON.parse(await readFile(join(appPath, 'package.json'), 'utf8')) as { main?: string; type?: string };
    check('the packed package.json names an existing main and is an ES module package', packedPkg.main && existsSync(join(appPath, packedPkg.main)) && packedPkg.type === 'module', packedPkg);
    const packed = { main: join(appPath, packedPkg.main ?? 'missing'), appPath, isPackaged: true, resourcesPath: resources };
    await runDriver('packed', { ...packed, scenario: 'start', pathsRoot: join(work, 'home-packed') });
    await runDriver('packed, Wayland', { ...packed, scenario: 'wayland', pathsRoot: join(work, 'home-wayland') });
    await noTray(packed, work);
    await appImageRestart(packed, work);
    // The repository layout (`npm start`): icons from build/runtime, no asar.
    await runDriver('repository', { scenario: 'start', main: join(root, 'dist/node/desktop/main/main.js'), appPath: root, isPackaged: false, resourcesPath: join(work, 'no-resources'), pathsRoot: join(work, 'home-dev') });
  } catch (error) {
    failed.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    if (keep) console.log(`work folder kept: ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
  for (const line of passed) console.log(`  ✓ ${line}`);
  for (const line of failed) console.log(`  ✗ ${line}`);
  console.log(failed.length === 0 ? `desktop smoke: ${passed.length} checks passed` : `desktop smoke: ${failed.length} of ${passed.length + failed.length} checks FAILED`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
