/**
 * Will the user see a tray icon at all? GNOME Shell has had no system tray since 3.26: tray icons appear only with
 * the AppIndicator extension, which serves the StatusNotifierItem D-Bus protocol that Electron's Linux tray speaks
 * (Ubuntu enables it by default; Fedora and Debian GNOME do not). Electron cannot tell us (`tray.getBounds()` is
 * macOS/Windows only, and creating a Tray without a host succeeds silently), so on GNOME we ask the session bus
 * whether anyone holds `org.kde.StatusNotifierWatcher`, the name every tray host registers. Without one, pawcam
 * would start hidden in a tray nobody can see: instead it keeps a normal window and says how to get the tray.
 */
import { createLogger } from '../../protocol/log.ts';
import type { Notifier } from './notifications.ts';

const log = createLogger('tray-availability');

/** The bus name a StatusNotifierItem tray host owns. */
export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

/** Longest wait for the bus to answer. */
export const PROBE_TIMEOUT_MS = 2000;

/** Can the user see pawcam's tray icon? 'unknown' when the bus could not be asked (assume yes, as before). */
export type TrayAvailability = 'available' | 'missing' | 'unknown';

/** Is this a GNOME Shell session (`GNOME`, `ubuntu:GNOME`, `GNOME-Classic:GNOME`, …)? */
export function isGnomeSession(env: NodeJS.ProcessEnv): boolean {
  const desktops = `${env['XDG_CURRENT_DESKTOP'] ?? ''}:${env['XDG_SESSION_DESKTOP'] ?? ''}`.split(':').map((d) => d.trim().toLowerCase());
  return desktops.some((d) => d === 'gnome' || d === 'gnome-classic');
}

/** Must the bus be asked? Only GNOME on Linux lacks a tray out of the box (KDE, Xfce, Cinnamon, MATE have one). */
export function needsTrayProbe(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  return platform === 'linux' && isGnomeSession(env);
}

/** The verdict from the platform and the bus's answer (pure). */
export function trayAvailability(options: { platform: NodeJS.Platform; env: NodeJS.ProcessEnv; watcherPresent: boolean | null }): TrayAvailability {
  if (!needsTrayProbe(options.platform, options.env)) return 'available';
  if (options.watcherPresent === null) return 'unknown';
  return options.watcherPresent ? 'available' : 'missing';
}

/** Runs a program and resolves with its standard output (rejects on failure or timeout). */
export type RunFile = (file: string, args: readonly string[], options: { timeout: number }) => Promise<{ stdout: string }>;

/**
 * Does anyone own `name` on the session bus? Asks with `gdbus` (GLib, on every GNOME system), else `dbus-send`.
 * null when neither could answer.
 */
export async function busNameHasOwner(run: RunFile, name: string = STATUS_NOTIFIER_WATCHER, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean | null> {
  const attempts: [string, string[], RegExp, RegExp][] = [
    [
      'gdbus',
      ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', name],
      /^\(true,\)$/,
      /^\(false,\)$/,
    ],
    [
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`],
      /boolean true$/,
      /boolean false$/,
    ],
  ];
  for (const [file, args, yes, no] of attempts) {
    try {
      const out = (await run(file, args, { timeout: timeoutMs })).stdout.trim();
      if (yes.test(out)) return true;
      if (no.test(out)) return false;
      log.warn('unexpected answer from the session bus', { file, out: out.slice(0, 200) });
    } catch (error) {
      log.debug('could not ask the session bus', { file, error: String(error).slice(0, 300) });
    }
  }
  return null;
}

/** How to get the tray, shown once at start when there is none. */
export const NO_TRAY_MESSAGE = {
  title: 'pawcam has no tray icon on this desktop',
  body:
    'GNOME shows tray icons only with the AppIndicator extension: install "AppIndicator and KStatusNotifierItem ' +
    'Support" (package gnome-shell-extension-appindicator), log out and in. Until then pawcam keeps its window; ' +
    'closing it minimizes it.',
} as const;

/** What the fallback acts on. */
export interface TrayFallbackDeps {
  availability: TrayAvailability;
  windows: { setTrayless(trayless: boolean): void };
  notifier: Pick<Notifier, 'show'>;
}

/**
 * Without a visible tray: closing the main window minimizes it, the window is shown even at login, and a
 * notification says how to get the tray. Returns whether the main window must be shown.
 */
export function setupTrayFallback(deps: TrayFallbackDeps): { mustShowWindow: boolean } {
  if (deps.availability !== 'missing') return { mustShowWindow: false };
  log.warn('no tray host on this GNOME session; keeping a normal window');
  deps.windows.setTrayless(true);
  deps.notifier.show({ ...NO_TRAY_MESSAGE });
  return { mustShowWindow: true };
}
