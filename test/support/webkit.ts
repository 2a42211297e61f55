/**
 * Real WebKit for end-to-end tests: Debian's WebKitGTK MiniBrowser under Xvfb, driven through WebKitWebDriver (W3C
 * WebDriver classic over HTTP on loopback) with plain fetch, with WebKit's mock camera and microphone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync, readdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { waitFor } from './browser.ts';

/** Debian's WebDriver for WebKitGTK (package webkit2gtk-driver). */
export const WEBKIT_DRIVER_PATH = process.env['PAWCAM_WEBKIT_DRIVER'] ?? '/usr/bin/WebKitWebDriver';

/** Xvfb (package xvfb): MiniBrowser is a GTK app and needs a display; there is no headless mode in WebKitGTK. */
export const XVFB_PATH = process.env['PAWCAM_XVFB'] ?? '/usr/bin/Xvfb';

/** Debian's MiniBrowser ships inside libwebkit2gtk-4.1-0 (or -4.0-37) under the multiarch library directory. */
export function findMiniBrowser(): string | null {
  const configured = process.env['PAWCAM_MINIBROWSER'];
  if (configured) return configured;
  let triplets: string[] = [];
  try {
    triplets = readdirSync('/usr/lib').filter((name) => name.includes('-linux-'));
  } catch {
    return null;
  }
  for (const api of ['webkit2gtk-4.1', 'webkit2gtk-4.0']) {
    for (const triplet of triplets) {
      const path = `/usr/lib/${triplet}/${api}/MiniBrowser`;
      if (existsSync(path)) return path;
    }
  }
  return null;
}

/**
 * MiniBrowser's command line: automation mode (a session the driver owns) and WebKit's mock capture devices (a
 * moving test picture and a tone) instead of real hardware. WebKitGTK shows no permission prompt for them.
 */
const MINIBROWSER_ARGS = ['--automation', '--enable-mock-capture-devices=true'];

const COMMAND_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** A WebDriver error answer, with its W3C error code. */
export class WebDriverError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebDriverError';
  }
}

/** One WebDriver session: the few commands the tests need. */
export class WebDriverSession {
  constructor(
    private readonly base: string,
    readonly id: string,
  ) {}

  /** Send one command; WebDriver answers `{ value }`, with `value.error` on failure. */
  async command<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return webDriverCommand<T>(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Load `url` and wait for its load event (page load strategy "normal"). */
  async navigate(url: string): Promise<void> {
    await this.command('POST', '/url', { url });
  }

  /** Run `script` (a function body; `arguments` holds `args`) in the page and return its JSON-able result. */
  async execute<T>(script: string, args: unknown[] = []): Promise<T> {
    return this.command<T>('POST', '/execute/sync', { script, args });
  }

  /** The element matching `css`, as a WebDriver element id; throws `no such element`. */
  async find(css: string): Promise<string> {
    const found = await this.command<Record<string, string>>('POST', '/element', { using: 'css selector', value: css });
    const id = Object.values(found)[0];
    if (!id) throw new WebDriverError('no such element', `no element id for ${css}`);
    return id;
  }

  /** Click the element matching `css` the way a user would (WebDriver element click). */
  async click(css: string): Promise<void> {
    await this.command('POST', `/element/${await this.find(css)}/click`, {});
  }

  /** Wait until an element matches `css`. */
  async waitForSelector(css: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(() => this.execute<boolean>('return document.querySelector(arguments[0]) !== null', [css]), Boolean, {
      timeoutMs,
      what: `an element matching ${css}`,
    });
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from(await this.command<string>('GET', '/screenshot'), 'base64');
  }

  /** End the session (MiniBrowser quits). */
  async delete(): Promise<void> {
    await this.command('DELETE', '');
  }
}

async function webDriverCommand<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: { value?: unknown };
  try {
    parsed = JSON.parse(text) as { value?: unknown };
  } catch {
    throw new WebDriverError('unknown error', `${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const value = parsed.value as { error?: unknown; message?: unknown } | null | undefined;
  if (!response.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    const code = value && typeof value.error === 'string' ? value.error : `HTTP ${response.status}`;
    const message = value && typeof value.message === 'string' ? value.message : text.slice(0, 200);
    throw new WebDriverError(code, `${method} ${path}: ${code}: ${message}`);
  }
  return parsed.value as T;
}

/** A child process started in its own process group, so stopping it also stops what it started. */
class Child {
  readonly exited: Promise<number | null>;
  output = '';
  private running = true;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      process.once('exit', (code) => {
        this.running = false;
        resolve(code);
      });
      process.once('error', (error) => {
        this.running = false;
        this.output += `\n${name} could not start: ${error.message}`;
        resolve(null);
      });
    });
    const keep = (chunk: Buffer): void => {
      // Enough of the end to explain a failure; never unbounded.
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
  }

  /** SIGTERM to the whole group, SIGKILL if it is still there after a while; resolves once it has exited. */
  async stop(): Promise<void> {
    if (!this.running || this.process.pid === undefined) return;
    signalGroup(this.process.pid, 'SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), delay(STOP_TIMEOUT_MS).then(() => false)]);
    if (!stopped) {
      signalGroup(this.process.pid, 'SIGKILL');
      await Promise.race([this.exited, delay(STOP_TIMEOUT_MS)]);
    }
    // Grandchildren (WebKit's web and network processes) may outlive their parent for a moment.
    signalGroup(this.process.pid, 'SIGKILL');
    this.process.stdout?.destroy();
    this.process.stderr?.destroy();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Start Xvfb on a free display; it reports the display it took on a pipe once it accepts clients. */
async function startXvfb(): Promise<{ child: Child; display: string }> {
  const child = new Child(
    'Xvfb',
    spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp', '-noreset'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    }),
  );
  const pipe = child.process.stdio[3];
  let received = '';
  const display = await Promise.race([
    new Promise<string>((resolve) => {
      pipe?.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        if (received.includes('\n')) resolve(`:${received.trim()}`);
      });
    }),
    child.exited.then((code) => Promise.reject(new Error(`Xvfb exited (${code}) before it took a display:\n${child.output}`))),
    delay(15_000).then(() => Promise.reject(new Error(`Xvfb took no display within 15 s:\n${child.output}`))),
  ]).catch(async (error: unknown) => {
    await child.stop();
    throw error;
  });
  return { child, display };
}

/** A loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running MiniBrowser with one WebDriver session. */
export interface WebKitBrowser {
  session: WebDriverSession;
  /** What the driver, MiniBrowser and WebKit's processes printed (the end of it), for failure messages. */
  output(): string;
  /** End the session and stop WebKitWebDriver and Xvfb (safe to call more than once, and after a failed start). */
  close(): Promise<void>;
}

/** Launch MiniBrowser under Xvfb through WebKitWebDriver; fails with what to install when a piece is missing. */
export async function launchWebKit(): Promise<WebKitBrowser> {
  const miniBrowser = findMiniBrowser();
  const missing: string[] = [];
  if (!miniBrowser) missing.push('MiniBrowser (package libwebkit2gtk-4.1-0)');
  for (const [path, pkg] of [
    [WEBKIT_DRIVER_PATH, 'webkit2gtk-driver'],
    [XVFB_PATH, 'xvfb'],
  ] as const) {
    try {
      await access(path, constants.X_OK);
    } catch {
      missing.push(`${path} (package ${pkg})`);
    }
  }
  if (missing.length > 0 || !miniBrowser) {
    throw new Error(`WebKitGTK cannot run here, missing: ${missing.join(', ')}. Install them with apt-get (.ci/run does).`);
  }

  const children: Child[] = [];
  let session: WebDriverSession | null = null;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (session) await session.delete().catch(() => undefined);
    // The driver first (it takes MiniBrowser with it), then the display.
    for (const child of [...children].reverse()) await child.stop();
  };

  try {
    const xvfb = await startXvfb();
    children.push(xvfb.child);
    const port = await freePort();
    // --host: the default "local" resolves localhost, which in the test network namespace has no IPv6.
    const driver = new Child(
      'WebKitWebDriver',
      spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=127.0.0.1'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, DISPLAY: xvfb.display, GDK_BACKEND: 'x11', NO_AT_BRIDGE: '1' },
      }),
    );
    children.push(driver);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (driver.process.exitCode !== null) throw new Error(`WebKitWebDriver exited (${driver.process.exitCode}):\n${driver.output}`);
        return webDriverCommand<{ ready?: boolean }>(base, 'GET', '/status').then(
          (status) => status?.ready === true,
          () => false,
        );
      },
      Boolean,
      { timeoutMs: 15_000, intervalMs: 100, what: 'WebKitWebDriver to listen' },
    );
    const created = await webDriverCommand<{ sessionId: string }>(base, 'POST', '/session', {
      capabilities: {
        alwaysMatch: {
          // The test server's certificate is self-signed.
          acceptInsecureCerts: true,
          'webkitgtk:browserOptions': { binary: miniBrowser, args: MINIBROWSER_ARGS },
        },
      },
    });
    session = new WebDriverSession(base, created.sessionId);
    await session.command('POST', '/timeouts', { script: 15_000, pageLoad: 20_000, implicit: 0 });
    await session.command('POST', '/window/rect', { width: 1024, height: 768 }).catch(() => undefined);
    return { session, output: () => children.map((c) => c.output).join('\n'), close };
  } catch (error) {
    const output = children.map((c) => c.output).join('\n');
    await close();
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`WebKitGTK did not start: ${reason}${output ? `\n--- WebKit output ---\n${output.slice(-4000)}` : ''}`);
  }
}

/**
 * Catches what the page throws and does not handle, from the moment it runs (WebDriver classic has no script that
 * runs before the page's own; the test checks separately that the page came up whole).
 */
export const COLLECT_PAGE_ERRORS = `
  if (!window.__pawcamErrors) {
    const errors = [];
    Object.defineProperty(window, '__pawcamErrors', { value: errors });
    const describe = (x) => String(x) + (x && x.stack ? ' at ' + String(x.stack).split('\\n').slice(0, 3).join(' | ') : '');
    window.addEventListener('error', (e) => errors.push('error: ' + (e.error ? describe(e.error) : e.message)));
    window.addEventListener('unhandledrejection', (e) => errors.push('unhandled rejection: ' + describe(e.reason)));
    const original = console.error;
    console.error = function (...args) { errors.push('console.error: ' + args.map(String).join(' ')); return original.apply(this, args); };
  }
  return true;
`;

/** The errors COLLECT_PAGE_ERRORS has seen so far. */
export async function pageErrors(session: WebDriverSession): Promise<string[]> {
  return session.execute<string[]>('return window.__pawcamErrors ? window.__pawcamErrors.slice() : ["the error collector is not installed"]');
}
