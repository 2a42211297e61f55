/**
 * One run of the desktop smoke test, in its own Node process (started by scripts/smoke-desktop.ts): installs the
 * stand-in `electron`, imports the REAL built main bundle, and drives it like Electron would — before-ready work,
 * 'ready', the tray and windows, pawcam://app, IPC, the embedded server on loopback, Quit. Prints one JSON line
 * `{ ok, checks, problems }` and exits 0 only when every check held.
 *
 * Input (env PAWCAM_SMOKE, JSON): { scenario, main, appPath, isPackaged, resourcesPath, pathsRoot, bus?, appImage? }
 * Scenarios: 'start' (the whole journey), 'wayland' (restart under XWayland before ready), 'no-tray' (GNOME without
 * a StatusNotifierWatcher on the session bus `bus`), 'appimage-restart' ("Restart now" from an AppImage `appImage`).
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';
import { register } from 'node:module';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { parse } from 'acorn';
import type { MenuItemConstructorOptions } from 'electron';
import { installSmokeState, type SmokeState } from './smoke-desktop-electron.ts';

interface RunInput {
  scenario: 'start' | 'wayland' | 'no-tray' | 'appimage-restart';
  bus?: string;
  appImage?: string;
  main: string;
  appPath: string;
  isPackaged: boolean;
  resourcesPath: string;
  pathsRoot: string;
}

const input = JSON.parse(process.env['PAWCAM_SMOKE'] ?? '{}') as RunInput;
const checks: string[] = [];
const problems: string[] = [];

/** Record a check that held (or throw). */
function check(what: string, condition: unknown, detail?: unknown): void {
  if (!condition) throw new Error(`${what}${detail === undefined ? '' : `: ${JSON.stringify(detail).slice(0, 500)}`}`);
  checks.push(what);
}

/** Resolve once `predicate` holds, re-checking whenever the stand-in records something; bounded in time. */
function until<T>(state: SmokeState, what: string, predicate: () => T | undefined | false, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const poll = setInterval(test, 25);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}; stand-in log: ${state.log.slice(-15).join(' | ')}`));
    }, ms);
    function test(): void {
      const value = predicate();
      if (value) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(value);
      }
    }
    test();
  });
}

function httpsGetText(url: string): Promise<{ status: number; body: string; certPem: string }> {
  return new Promise((resolve, reject) => {
    // The embedded server's certificate is self-signed; what the app accepts is checked through its own verifier.
    const request = httpsGet(url, { rejectUnauthorized: false, agent: false }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      const certPem = `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, certPem }));
    });
    request.setTimeout(5000, () => request.destroy(new Error(`${url} timed out`)));
    request.on('error', reject);
  });
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** The preload must be one CommonJS script that only requires 'electron' (Electron's sandbox loads nothing else). */
async function checkPreload(path: string): Promise<void> {
  const source = await readFile(path, 'utf8');
  try {
    parse(source, { ecmaVersion: 'latest', sourceType: 'script' });
  } catch (error) {
    throw new Error(`the preload is not a plain script (ESM syntax or worse): ${String(error)}`);
  }
  checks.push('preload parses as a CommonJS script (no import/export)');
  const required: string[] = [];
  const exposed: Record<string, unknown> = {};
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (name: string, api: unknown) => (exposed[name] = api) },
    ipcRenderer: { invoke: () => Promise.resolve({ ok: true, value: null }), on: () => undefined, removeListener: () => undefined },
  };
  const module = { exports: {} };
  runInNewContext(source, {
    module,
    exports: module.exports,
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`the sandboxed preload cannot require('${name}')`);
      return fakeElectron;
    },
    console,
  });
  check('the preload requires nothing but electron (single bundled file)', required.every((r) => r === 'electron'), required);
  const api = exposed['pawcam'] as Record<string, unknown> | undefined;
  check('the preload exposes window.pawcam with named functions', api && typeof api['getConfig'] === 'function' && typeof api['saveSnapshot'] === 'function', api && Object.keys(api));
}

async function startScenario(state: SmokeState): Promise<void> {
  const beforeReady = [...state.log];
  check('pawcam:// is registered as privileged before ready', beforeReady.includes('protocol:registerSchemesAsPrivileged') && !beforeReady.includes('app:ready'));
  check('the single-instance lock is taken before ready', beforeReady.includes('app:requestSingleInstanceLock'));
  check('no Chromium switch is appended from main (it would come too late)', !state.log.some((l) => l.startsWith('commandLine:appendSwitch')), state.log);
  const scheme = state.privilegedSchemes.find((s) => s.scheme === 'pawcam');
  check('pawcam:// is standard and secure', scheme?.privileges?.standard === true && scheme.privileges.secure === true, scheme);

  state.emitReady();
  const tray = await until(state, 'the tray', () => (state.trays[0]?.menu ? state.trays[0] : undefined));
  const main = await until(state, 'the main window', () => state.windows.find((w) => w.url.startsWith('pawcam://app/') && w.visible));
  check('one tray icon, one main window', state.trays.length === 1 && state.windows.length === 1, { trays: state.trays.length, windows: state.windows.length });
  const missing = state.images.filter((i) => !i.exists);
  check('every icon main loads exists (tray, window)', state.images.length >= 2 && missing.length === 0, missing);
  check('the main window loads pawcam://app/index.html', main.url === 'pawcam://app/index.html', main.url);
  const prefs = main.options.webPreferences ?? {};
  check('the window is isolated and sandboxed', prefs.contextIsolation === true && prefs.sandbox === true && prefs.nodeIntegration === false, prefs);
  check('the window icon exists', typeof main.options.icon === 'string' && state.images.length > 0);
  await checkPreload(String(prefs.preload));

  // pawcam://app serves the built viewer, and nothing outside it.
  const handler = state.protocolHandlers.get('pawcam');
  check('pawcam:// has a handler', handler);
  const get = (url: string) => Promise.resolve(handler!(new Request(url)));
  const index = await get('pawcam://app/index.html');
  const html = await index.text();
  check('pawcam://app/index.html is the viewer page', index.status === 200 && /text\/html/.test(index.headers.get('content-type') ?? '') && /<script[^>]+type="module"/.test(html), { status: index.status, html: html.slice(0, 200) });
  const csp = index.headers.get('content-security-policy') ?? '';
  const serverOrigin = /connect-src 'self' (https:\/\/127\.0\.0\.1:\d+)/.exec(csp)?.[1];
  check('the CSP lets the viewer reach the embedded server on loopback', serverOrigin, csp);
  const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]!);
  check('the viewer page references its built assets', assets.length > 0, html.slice(0, 400));
  for (const asset of assets) {
    const res = await get(`pawcam://app/${asset}`);
    check(`pawcam://app/${asset} is served`, res.status === 200 && (await res.arrayBuffer()).byteLength > 0, res.status);
  }
  // dist/camera-web/index.html sits right beside the viewer folder: a way out would serve it.
  for (const attack of ['pawcam://app/..%2fcamera-web%2findex.html', 'pawcam://app/assets%2f..%2f..%2fcamera-web%2findex.html', 'pawcam://app/..%5ccamera-web%5cindex.html', 'pawcam://app/%2e%2e%2f%2e%2e%2fpackage.json', 'pawcam://evil/index.html', 'pawcam://app/%00index.html']) {
    const res = await get(attack);
    const body = await res.text();
    check(`path traversal refused (403): ${attack}`, res.status === 403 && !/<html|"name"/i.test(body), { status: res.status, body: body.slice(0, 80) });
  }
  // Dot segments the URL parser resolves itself (as Chromium does) land inside the viewer, where no such file is.
  for (const url of ['pawcam://app/assets/../../../package.json', 'pawcam://app/%2e%2e/%2e%2e/package.json', 'pawcam://app/../camera-web/index.html']) {
    const res = await get(url);
    const body = await res.text();
    check(`normalised dot segments stay inside the viewer (404): ${url}`, res.status === 404 && !/<html|"name"/i.test(body), { status: res.status, body: body.slice(0, 80) });
  }

  // IPC through the real gate: our window gets its config, a foreign frame gets nothing.
  const getConfig = state.ipcHandlers.get('viewer:get-config');
  check('IPC handlers are registered', getConfig && state.ipcHandlers.size >= 10, [...state.ipcHandlers.keys()]);
  const reply = (await getConfig!({ sender: { id: main.webContents.id }, senderFrame: { parent: null, url: 'pawcam://app/index.html' } })) as { ok: boolean; value?: { serverUrl: string } };
  check('our window gets its config over IPC, naming the embedded server', reply.ok && reply.value?.serverUrl === serverOrigin, reply);
  const foreign = (await getConfig!({ sender: { id: main.webContents.id }, senderFrame: { parent: null, url: 'https://evil.example/' } })) as { ok: boolean };
  check('a foreign frame is refused over IPC', foreign.ok === false);

  // Local Network Access: granted to our origin in our window, not to others.
  const checkHandler = state.permission.check as (c: { id: number } | null, p: string, o: string, d: object) => boolean;
  check('Local Network Access is granted to pawcam://app', ['local-network-access', 'local-network', 'loopback-network'].every((p) => checkHandler(main.webContents, p, 'pawcam://app', {})));
  check('Local Network Access is refused to other origins', !checkHandler(main.webContents, 'loopback-network', 'https://evil.example', {}));

  // The embedded server answers on loopback over HTTPS, and the app trusts exactly its certificate.
  const health = await httpsGetText(`${serverOrigin}/healthz`);
  check('the embedded server answers /healthz on loopback (HTTPS)', health.status === 200, health);
  const camera = await httpsGetText(`${serverOrigin}/`);
  check('the embedded server serves the camera page', camera.status === 200 && /<html/i.test(camera.body), camera.status);
  const viewer = await httpsGetText(`${serverOrigin}/viewer/`);
  check('the embedded server serves the web viewer', viewer.status === 200 && /<html/i.test(viewer.body), viewer.status);
  const verdict = await new Promise<number>((resolve) => state.verifyProc!({ hostname: '127.0.0.1', certificate: { data: health.certPem }, errorCode: -202 }, resolve));
  check('the app accepts the embedded server\'s self-signed certificate (pinned)', verdict === 0, verdict);
  const stranger = await new Promise<number>((resolve) => state.verifyProc!({ hostname: '127.0.0.1', certificate: { data: 'not a certificate' }, errorCode: -202 }, resolve));
  check('…and leaves any other rejected certificate rejected', stranger === -3, stranger);

  // A camera in the list, its mini window from the tray menu: frameless, on top, on every workspace without Dock flicker.
  const sender = { sender: { id: main.webContents.id }, senderFrame: { parent: null, url: 'pawcam://app/index.html' } };
  const saved = (await state.ipcHandlers.get('cameras:save')!(sender, [{ id: 'smoke-cam', name: 'Smoke & Mirrors', addedAt: 1 }])) as { ok: boolean };
  check('a camera list saved over IPC', saved.ok, saved);
  // The viewer reports live states; the tray shows them.
  const reported = (await state.ipcHandlers.get('cameras:report-states')!(sender, [{ id: 'smoke-cam', name: 'Smoke & Mirrors', state: 'online' }])) as { ok: boolean };
  check('camera states reported over IPC', reported.ok, reported);
  const miniItem = await until(state, 'the camera in the tray menu', () =>
    state.trays[0]?.menu?.template.find((item) => item.id === 'camera:smoke-cam')?.submenu as MenuItemConstructorOptions[] | undefined,
  );
  check('the tray lists the camera and its state (its & kept)', state.trays[0]?.menu?.template.some((item) => item.label === 'Smoke && Mirrors — online'), state.trays[0]?.menu?.template.map((i) => i.label));
  (miniItem.find((item) => item.id === 'mini:smoke-cam')!.click as () => void)();
  const mini = await until(state, 'the mini window', () => state.windows.find((w) => w.url.includes('view=mini')));
  check('the tray opens the mini window on that camera', mini.url === 'pawcam://app/index.html?view=mini&camera=smoke-cam', mini.url);
  check('the mini window is frameless and always on top', mini.options.frame === false && mini.options.alwaysOnTop === true && mini.calls.some((c) => c.startsWith('setAlwaysOnTop true')), mini.calls);
  check('the mini window is on every workspace, over full screen, without Dock flicker', mini.calls.includes('setVisibleOnAllWorkspaces true {"visibleOnFullScreen":true,"skipTransformProcessType":true}'), mini.calls);

  // Placement is saved while the window stays open (Linux emits 'move'/'resize', never 'moved'/'resized').
  main.bounds = { x: 123, y: 45, width: 1000, height: 700 };
  main.emit('move');
  main.emit('resize');
  const settingsFile = `${input.pathsRoot}/userData/settings.json`;
  let savedPlacement = '';
  const moved = /"x":\s*123,\s*"y":\s*45,\s*"width":\s*1000/;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !moved.test(savedPlacement); ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    savedPlacement = await readFile(settingsFile, 'utf8').catch(() => '');
  }
  check('moving the main window saves its placement without closing it', moved.test(savedPlacement) && !main.destroyed, savedPlacement.slice(0, 400));

  // Quit from the tray menu: cleanup runs, the server closes, the process would exit 0.
  const quitItem = tray.menu!.template.find((item: MenuItemConstructorOptions) => item.id === 'quit');
  check('the tray menu has Quit', quitItem?.click);
  (quitItem!.click as () => void)();
  const code = await Promise.race([state.quitted, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref())]);
  check('Quit ends the app with exit code 0', code === 0, code);
  const port = Number(new URL(serverOrigin!).port);
  check('the embedded server is closed after Quit', await portRefuses(port), port);
  const settings = await readFile(`${input.pathsRoot}/userData/settings.json`, 'utf8').catch(() => '');
  check('settings were written to userData', settings.includes('"viewerId"'), settings.slice(0, 100));
}

async function waylandScenario(state: SmokeState): Promise<void> {
  check('on Wayland with XWayland, main restarts itself before ready', state.relaunches.length === 1 && state.exitCode === 0, { relaunches: state.relaunches, exit: state.exitCode });
  check('…with --ozone-platform=x11 on the new command line', state.relaunches[0]?.args?.includes('--ozone-platform=x11'), state.relaunches);
  const relaunchAt = state.log.indexOf('app:relaunch');
  check('…before registering schemes or taking the single-instance lock (nothing else starts)', relaunchAt === 0 && !state.log.includes('protocol:registerSchemesAsPrivileged') && !state.log.includes('app:requestSingleInstanceLock'), state.log);
}

/** The title of the notification that says how to get the tray (desktop/main/tray-availability.ts). */
const NO_TRAY_TITLE = 'pawcam has no tray icon on this desktop';

async function noTrayScenario(state: SmokeState): Promise<void> {
  state.emitReady();
  const note = await until(state, 'the no-tray notification', () => state.notifications.find((n) => n.title === NO_TRAY_TITLE));
  check('GNOME without AppIndicator: a notification says how to get the tray', /AppIndicator/.test(note.body), note.body);
  const main = await until(state, 'the main window', () => state.windows.find((w) => w.url.startsWith('pawcam://app/') && w.visible));
  check('…the main window is shown even when launched at login (--hidden)', main.visible && process.argv.includes('--hidden'));
  main.close();
  check('…closing it minimizes it instead of hiding it (pawcam stays reachable)', main.minimized && main.visible && !main.destroyed, main.calls);
  const quitItem = state.trays[0]?.menu?.template.find((item: MenuItemConstructorOptions) => item.id === 'quit');
  (quitItem!.click as () => void)();
  check('…and Quit still ends it', (await state.quitted) === 0);
}

async function appImageRestartScenario(state: SmokeState): Promise<void> {
  state.emitReady();
  const main = await until(state, 'the main window', () => state.windows.find((w) => w.url.startsWith('pawcam://app/')));
  const update = state.ipcHandlers.get('settings:update')!;
  const reply = (await update({ sender: { id: main.webContents.id }, senderFrame: { parent: null, url: 'pawcam://app/index.html' } }, { serverUrl: 'https://192.0.2.10:8443' })) as { ok: boolean };
  check('a new server URL is saved over IPC', reply.ok, reply);
  const note = await until(state, 'the restart notification', () => state.notifications.find((n) => /^Restart pawcam/.test(n.title)));
  note.notification.emit('click');
  check('"Restart now" quits cleanly', (await state.quitted) === 0);
  check('…without Electron\'s relauncher (it would run from the AppImage mount)', state.relaunches.length === 0, state.relaunches);
}

async function run(): Promise<void> {
  // A clean desktop environment for the start scenario; the Wayland one gets a Wayland session with XWayland.
  for (const name of ['WAYLAND_DISPLAY', 'XDG_SESSION_TYPE', 'XDG_CURRENT_DESKTOP', 'XDG_SESSION_DESKTOP', 'APPIMAGE', 'PAWCAM_NATIVE_WAYLAND', 'PAWCAM_X11_RELAUNCHED']) delete process.env[name];
  process.argv = [process.execPath];
  if (input.scenario === 'wayland') Object.assign(process.env, { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' });
  if (input.scenario === 'no-tray') {
    Object.assign(process.env, { XDG_CURRENT_DESKTOP: 'GNOME', DBUS_SESSION_BUS_ADDRESS: input.bus ?? 'unix:path=/nonexistent' });
    process.argv.push('--hidden');
  }
  if (input.scenario === 'appimage-restart') {
    process.env['APPIMAGE'] = input.appImage ?? '';
    process.argv.push('--hidden', '--smoke-flag');
  }
  (process as { resourcesPath?: string }).resourcesPath = input.resourcesPath;
  const state = installSmokeState({ appPath: input.appPath, isPackaged: input.isPackaged, pathsRoot: input.pathsRoot, argv: process.argv });
  register('./smoke-desktop-loader.mjs', import.meta.url, { data: { electron: new URL('./smoke-desktop-electron.ts', import.meta.url).href } });
  try {
    await import(pathToFileURL(input.main).href);
    checks.push(`the built main bundle loads as ESM (${input.isPackaged ? 'packed layout' : 'repository layout'})`);
    if (input.scenario === 'wayland') await waylandScenario(state);
    else if (input.scenario === 'no-tray') await noTrayScenario(state);
    else if (input.scenario === 'appimage-restart') await appImageRestartScenario(state);
    else await startScenario(state);
  } catch (error) {
    problems.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  problems.push(...state.problems);
  assert.ok(Array.isArray(checks));
  process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, checks, problems })}\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}

await run();
