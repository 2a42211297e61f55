/**
 * The Electron security check that runs in CI. Behaviour first: every window the factory makes gets the safe web
 * preferences whatever the caller asks, the handlers it installs refuse window.open, navigation, redirects away from
 * our pages and <webview>, and every response the app scheme serves carries the strict CSP. Then a scan of main's and
 * the preload's source for what no single call can show (an unsafe preference anywhere, a second place that creates
 * windows or registers IPC, the permission/protocol/IPC setups unwired, pair keys outside safeStorage).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appSchemePrivileges, contentSecurityPolicy, setupAppProtocol } from './app-scheme.ts';
import { WINDOW_SIZES, createWindow, type BrowserWindowCtor, type WindowKind, type WindowSpec } from './windows.ts';

const REQUIRED = { contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false } as const;
const KINDS = Object.keys(WINDOW_SIZES) as WindowKind[];

const desktopDir = fileURLToPath(new URL('..', import.meta.url));

async function sources(folder: string): Promise<{ file: string; code: string }[]> {
  const out: { file: string; code: string }[] = [];
  for (const entry of await readdir(join(desktopDir, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, 'utf8');
    // Comments may discuss unsafe settings; only code counts.
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    out.push({ file: relative(desktopDir, path), code });
  }
  return out;
}

type Listener = (event: NavEvent) => void;
interface NavEvent {
  url: string;
  isSameDocument?: boolean;
  isMainFrame?: boolean;
  preventDefault(): void;
  prevented: boolean;
}
type OpenHandler = (details: { url: string }) => { action: string };

/** A window made through the factory with a fake BrowserWindow that records what the factory installed. */
interface Made {
  options: BrowserWindowConstructorOptions;
  loaded: string[];
  listeners: Map<string, Listener[]>;
  openHandler: OpenHandler | null;
}

function makeWindows(specs: WindowSpec[]): { made: Made[]; opened: string[] } {
  const made: Made[] = [];
  const opened: string[] = [];
  class Recorder {
    readonly record: Made;
    webContents: { on: (name: string, fn: Listener) => void; setWindowOpenHandler: (fn: OpenHandler) => void };
    constructor(options: BrowserWindowConstructorOptions) {
      const record: Made = { options, loaded: [], listeners: new Map(), openHandler: null };
      this.record = record;
      made.push(record);
      this.webContents = {
        on: (name, fn) => void record.listeners.set(name, [...(record.listeners.get(name) ?? []), fn]),
        setWindowOpenHandler: (fn) => void (record.openHandler = fn),
      };
    }
    on() {}
    once() {}
    setAlwaysOnTop() {}
    setVisibleOnAllWorkspaces() {}
    setAspectRatio() {}
    loadURL(url: string) {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
  }
  const deps = { BrowserWindow: Recorder as unknown as BrowserWindowCtor, openExternal: async (url: string) => void opened.push(url) };
  for (const spec of specs) createWindow(deps, spec);
  return { made, opened };
}

function fire(win: Made, name: string, init: Omit<NavEvent, 'preventDefault' | 'prevented'>): boolean {
  const event: NavEvent = { ...init, prevented: false, preventDefault: () => void (event.prevented = true) };
  const listeners = win.listeners.get(name) ?? [];
  expect(listeners.length, `a ${name} handler is installed`).toBeGreaterThan(0);
  for (const listener of listeners) listener(event);
  return event.prevented;
}

const HOSTILE_URLS = ['file:///etc/passwd', 'javascript:alert(1)', 'https://evil.example/', 'http://user:pw@evil.example/', 'data:text/html,<script>1</script>', 'pawcam://other/index.html'];

describe('Electron security (behaviour)', () => {
  it('every window kind the factory makes has the safe web preferences', () => {
    const { made } = makeWindows(KINDS.map((kind) => ({ kind, url: 'pawcam://app/index.html', preload: '/p.cjs' })));
    expect(made).toHaveLength(KINDS.length);
    for (const { options } of made) expect(options.webPreferences).toMatchObject(REQUIRED);
  });

  it('a caller cannot smuggle preferences in through the spec', () => {
    const hostile = KINDS.map((kind) => ({ kind, url: 'pawcam://app/', preload: '/p.cjs', webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } }) as WindowSpec);
    const { made } = makeWindows(hostile);
    expect(made).toHaveLength(KINDS.length);
    for (const { options } of made) expect(options.webPreferences).toMatchObject(REQUIRED);
  });

  it('the factory opens windows only on our own pages', () => {
    for (const url of HOSTILE_URLS) expect(() => makeWindows([{ kind: 'main', url, preload: '/p.cjs' }]), url).toThrow();
    const { made } = makeWindows([{ kind: 'main', url: 'pawcam://app/index.html', preload: '/p.cjs' }]);
    expect(made[0]!.loaded).toEqual(['pawcam://app/index.html']);
  });

  it('window.open is always denied; only plain http(s) links reach the system browser', () => {
    for (const kind of KINDS) {
      const { made, opened } = makeWindows([{ kind, url: 'pawcam://app/index.html', preload: '/p.cjs' }]);
      const open = made[0]!.openHandler;
      expect(open, 'a window.open handler is installed').not.toBeNull();
      for (const url of [...HOSTILE_URLS, 'pawcam://app/index.html']) expect(open!({ url }), url).toEqual({ action: 'deny' });
      expect(opened).toEqual(['https://evil.example/']);
    }
  });

  it('every cross-document navigation, redirect away from our pages and webview is refused', () => {
    for (const kind of KINDS) {
      const { made, opened } = makeWindows([{ kind, url: 'pawcam://app/index.html', preload: '/p.cjs' }]);
      const win = made[0]!;
      for (const url of [...HOSTILE_URLS, 'pawcam://app/other.html']) {
        expect(fire(win, 'will-frame-navigate', { url, isSameDocument: false, isMainFrame: true }), url).toBe(true);
        expect(fire(win, 'will-frame-navigate', { url, isSameDocument: false, isMainFrame: false }), url).toBe(true);
      }
      for (const url of HOSTILE_URLS) expect(fire(win, 'will-redirect', { url }), url).toBe(true);
      expect(fire(win, 'will-redirect', { url: 'pawcam://app/index.html' })).toBe(false);
      expect(fire(win, 'will-attach-webview', { url: 'pawcam://app/index.html' })).toBe(true);
      // Only a main-frame click on a plain https link leaves, and only to the system browser.
      expect(opened).toEqual(['https://evil.example/']);
    }
  });

  it('every response of the app scheme carries the strict CSP, and no other origin may read it', async () => {
    const policy = contentSecurityPolicy(['https://127.0.0.1:8443', 'wss://127.0.0.1:8443']);
    let handler: ((request: Request) => Promise<Response> | Response) | null = null;
    setupAppProtocol({
      root: '/viewer',
      csp: () => policy,
      readFile: async (path) => (path.endsWith('index.html') ? new TextEncoder().encode('<!doctype html>') : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }))),
      protocol: { handle: (_scheme, fn) => void (handler = fn) },
    });
    expect(handler).not.toBeNull();
    const responses = await Promise.all(
      [['pawcam://app/index.html', 'GET'], ['pawcam://app/missing.js', 'GET'], ['pawcam://app/%2e%2e%2fsecret', 'GET'], ['pawcam://app/index.html', 'POST']].map(([url, method]) => handler!(new Request(url!, { method }))),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 404, 403, 405]);
    for (const response of responses) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toBe(policy);
      expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
      expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(csp).toMatch(/(^|; )object-src 'none'(;|$)/);
      expect(csp).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
      expect(csp).not.toMatch(/unsafe-eval/);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('the scheme is registered secure and standard, without bypassing CSP or opening CORS', () => {
    expect(appSchemePrivileges().privileges).toEqual({ standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true });
  });
});

describe('Electron security (source scan: what no single call can show)', () => {
  it('no unsafe setting appears anywhere in main or the preload', async () => {
    const banned: [RegExp, string][] = [
      [/nodeIntegration(InWorker|InSubFrames)?\s*:\s*true/, 'nodeIntegration on'],
      [/contextIsolation\s*:\s*false/, 'contextIsolation off'],
      [/sandbox\s*:\s*false/, 'sandbox off'],
      [/webSecurity\s*:\s*false/, 'webSecurity off'],
      [/allowRunningInsecureContent\s*:\s*true/, 'insecure content'],
      [/experimentalFeatures\s*:\s*true|enableBlinkFeatures/, 'experimental Blink features'],
      [/webviewTag\s*:\s*true/, '<webview>'],
      [/bypassCSP\s*:\s*true|corsEnabled\s*:\s*true/, 'a loosened custom scheme'],
      [/unsafe-eval/, "CSP 'unsafe-eval'"],
      [/\.loadFile\(|file:\/\//, 'pages from file://'],
      [/set(Permission(Request|Check)|Device(Permission))Handler\(\s*null/, 'a removed permission handler'],
      [/action\s*:\s*['"]allow['"]/, 'window.open allowed'],
      [/disable-web-security|ignore-certificate-errors|allow-insecure-localhost/, 'a security-disabling switch'],
      [/setUsePlainTextEncryption|password-store['"=\s,]*basic/, 'safeStorage forced to a weak or plaintext key'],
      [/exposeInMainWorld\(\s*['"][^'"]+['"]\s*,\s*(\{[^}]*)?ipcRenderer\b/, 'ipcRenderer exposed to the page'],
    ];
    const files = [...(await sources('main')), ...(await sources('preload'))];
    expect(files.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const { file, code } of files) for (const [pattern, what] of banned) if (pattern.test(code)) problems.push(`${file}: ${what}`);
    expect(problems).toEqual([]);
  });

  it('windows are created only by the factory, and IPC is registered only by the gate', async () => {
    const files = await sources('main');
    const creating = files.filter((f) => /new\s+(deps\.)?BrowserWindow\b|new\s+(BrowserView|WebContentsView|BaseWindow)\b/.test(f.code)).map((f) => f.file);
    expect(creating).toEqual([join('main', 'windows.ts')]);
    const ipc = files.filter((f) => /ipcMain\.(handle|handleOnce|on|once|addListener)\b|\.handle\(ipcContract/.test(f.code)).map((f) => f.file);
    expect(ipc).toEqual([join('main', 'ipc.ts')]);
  });

  it('main wires the protocol, the permission handlers, the IPC gate and the certificate pin', async () => {
    const main = (await sources('main')).find((f) => f.file === join('main', 'main.ts'))!.code;
    for (const setup of ['registerSchemesAsPrivileged([appSchemePrivileges()])', 'setupAppProtocol(', 'setupPermissions(', 'setupIpc(', 'setupServer(', 'acquireSingleInstance(', 'setupPairKeys(']) {
      expect(main, setup).toContain(setup);
    }
    expect(main).not.toMatch(/ipcMain\.handle|webContents\.send|certificate-error/);
  });

  it('pair keys reach disk only through safeStorage, in the pair-key store', async () => {
    const files = await sources('main');
    const touching = files.filter((f) => /safeStorage|encryptString|decryptString/.test(f.code)).map((f) => f.file).sort();
    expect(touching).toEqual([join('main', 'main.ts'), join('main', 'pair-keys.ts')]);
    const store = files.find((f) => f.file === join('main', 'pair-keys.ts'))!.code;
    // The file gets ciphertext only: what is written is the encryptor's output.
    expect(store).toMatch(/encrypted\.toString\('base64'\)/);
    expect(store).toMatch(/isAsyncEncryptionAvailable\(\)/);
  });
});
