/**
 * Start at login. Windows and macOS: Electron's login-item settings. Linux has no such API, so we write an XDG
 * autostart entry (`~/.config/autostart/pawcam.desktop`, honouring $XDG_CONFIG_HOME) that every freedesktop
 * session runs. A launch at login passes `--hidden`, so pawcam starts in the tray without opening its window.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { App } from 'electron';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('login-item');

/** The flag a launch at login carries. */
export const HIDDEN_FLAG = '--hidden';

/** File name of the autostart entry. */
export const AUTOSTART_FILE = 'pawcam.desktop';

/** `$XDG_CONFIG_HOME/autostart` (default `~/.config/autostart`). */
export function autostartDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const configHome = env['XDG_CONFIG_HOME'];
  // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  return join(configHome && configHome.startsWith('/') ? configHome : join(homeDir, '.config'), 'autostart');
}

/** How this app is started again: the AppImage file itself when run from one (its mount point changes each run). */
export function launchCommand(options: { execPath: string; env: NodeJS.ProcessEnv; isPackaged: boolean; appPath: string }): string[] {
  const appImage = options.env['APPIMAGE'];
  if (appImage) return [appImage, HIDDEN_FLAG];
  if (options.isPackaged) return [options.execPath, HIDDEN_FLAG];
  return [options.execPath, options.appPath, HIDDEN_FLAG];
}

/**
 * One argument quoted for a desktop entry's Exec key: in double quotes with `"`, `` ` ``, `$` and `\` escaped, then
 * the string-level escape of `\` applied on top, and `%` doubled (field codes).
 */
export function quoteExecArgument(arg: string): string {
  if (/[\n\r\0]/.test(arg)) throw new Error('an Exec argument cannot contain line breaks or NUL');
  const quoted = `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/** The autostart entry's text. */
export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=pawcam',
    'Comment=Watch your pet camera from the tray',
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Icon=pawcam',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** What start-at-login needs. */
export interface LoginItemDeps {
  platform: NodeJS.Platform;
  app: Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  execPath: string;
  isPackaged: boolean;
  appPath: string;
}

/** Turn start at login on or off. */
export async function setStartAtLogin(enabled: boolean, deps: LoginItemDeps): Promise<void> {
  if (deps.platform !== 'linux') {
    // `args` is used on Windows; macOS starts login items without arguments (see `wasOpenedAtLogin`).
    deps.app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
    return;
  }
  const file = join(autostartDir(deps.env, deps.homeDir), AUTOSTART_FILE);
  if (!enabled) {
    await unlink(file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    return;
  }
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, autostartEntry(launchCommand(deps)), { mode: 0o644, flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  log.info('autostart entry written', { file });
}

/** Is start at login on (as the system sees it)? */
export async function isStartAtLogin(deps: LoginItemDeps): Promise<boolean> {
  if (deps.platform !== 'linux') return deps.app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin;
  try {
    const text = await readFile(join(autostartDir(deps.env, deps.homeDir), AUTOSTART_FILE), 'utf8');
    return !/^Hidden=true$/m.test(text) && !/^X-GNOME-Autostart-enabled=false$/m.test(text);
  } catch {
    return false;
  }
}

/** Was this process started at login (so it should stay in the tray)? */
export function launchedAtLogin(argv: readonly string[], deps: Pick<LoginItemDeps, 'platform' | 'app'>): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return deps.platform === 'darwin' && deps.app.getLoginItemSettings().wasOpenedAtLogin;
}

/**
 * Make the system agree with the `startAtLogin` setting at start-up (the user may have removed the entry, or the
 * AppImage moved); failures are logged, never fatal.
 */
export async function setupLoginItem(deps: LoginItemDeps & { enabled: boolean }): Promise<void> {
  try {
    const current = await isStartAtLogin(deps);
    // Rewrite a Linux entry that exists anyway: the AppImage path may have changed since it was written.
    if (current !== deps.enabled || (deps.enabled && deps.platform === 'linux')) await setStartAtLogin(deps.enabled, deps);
  } catch (error) {
    log.warn('could not apply the start-at-login setting', { error: String(error) });
  }
}
