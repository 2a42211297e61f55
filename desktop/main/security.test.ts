/**
 * The Electron security check that runs in CI: every window the factory can make has the safe web preferences,
 * and a scan of main's and the preload's source fails on any regression (an unsafe preference, a second place
 * that creates windows or registers IPC, a loosened scheme or CSP, the permission/protocol/IPC setups unwired).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appSchemePrivileges, contentSecurityPolicy } from './app-scheme.ts';
import { WINDOW_SIZES, createWindow, windowOptions, type BrowserWindowCtor, type WindowKind, type WindowSpec } from './windows.ts';

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

describe('Electron security (static check)', () => {
  it('every window kind the factory makes has the safe web preferences', () => {
    const made: BrowserWindowConstructorOptions[] = [];
    class Recorder {
      webContents = { on: () => undefined, setWindowOpenHandler: () => undefined };
      constructor(options: BrowserWindowConstructorOptions) {
        made.push(options);
      }
      on() {}
      once() {}
      setAlwaysOnTop() {}
      setVisibleOnAllWorkspaces() {}
      setAspectRatio() {}
      loadURL() {
        return Promise.resolve();
      }
    }
    for (const kind of KINDS) {
      createWindow({ BrowserWindow: Recorder as unknown as BrowserWindowCtor, openExternal: async () => undefined }, { kind, url: 'pawcam://app/index.html', preload: '/p.cjs' });
    }
    expect(made).toHaveLength(KINDS.length);
    for (const options of made) expect(options.webPreferences).toMatchObject(REQUIRED);
  });

  it('a caller cannot smuggle preferences in through the spec', () => {
    for (const kind of KINDS) {
      const hostile = { kind, url: 'pawcam://app/', preload: '/p.cjs', webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } } as WindowSpec;
      expect(windowOptions(hostile).webPreferences).toMatchObject(REQUIRED);
    }
  });

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

  it('the scheme and the CSP stay strict', () => {
    expect(appSchemePrivileges().privileges).toEqual({ standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true });
    const csp = contentSecurityPolicy(['https://127.0.0.1:8443', 'wss://127.0.0.1:8443']);
    expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
    expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )object-src 'none'(;|$)/);
    expect(csp).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
  });
});
