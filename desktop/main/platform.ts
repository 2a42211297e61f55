/**
 * Platform switches that must be set before the app is ready.
 *
 * Linux Wayland: Wayland does not let a client keep its window above others, so Electron running natively on
 * Wayland ignores `setAlwaysOnTop` and the mini window sinks behind the user's work. Under XWayland it works, so on
 * a Wayland session (with an X server available, i.e. DISPLAY set) we append `--ozone-platform=x11`. Users who
 * prefer native Wayland (and accept a mini window that is not on top) can start pawcam with
 * `--ozone-platform=wayland`, or set PAWCAM_NATIVE_WAYLAND=1.
 */
import type { CommandLine } from 'electron';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('platform');

/** Is this a Linux Wayland session? */
export function isWaylandSession(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  return platform === 'linux' && (env['XDG_SESSION_TYPE'] === 'wayland' || Boolean(env['WAYLAND_DISPLAY']));
}

/** The switches to append (name, value). */
export function platformSwitches(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, argv: readonly string[]): [string, string][] {
  if (!isWaylandSession(env, platform)) return [];
  if (env['PAWCAM_NATIVE_WAYLAND'] === '1') return [];
  if (argv.some((a) => a.startsWith('--ozone-platform=') || a === '--ozone-platform')) return [];
  // Without an X server (no XWayland) forcing X11 would stop the app from starting at all.
  if (!env['DISPLAY']) return [];
  return [['ozone-platform', 'x11']];
}

/** Append the switches (call before `app` is ready). */
export function setupPlatformSwitches(deps: { commandLine: Pick<CommandLine, 'appendSwitch'>; env: NodeJS.ProcessEnv; platform: NodeJS.Platform; argv: readonly string[] }): void {
  for (const [name, value] of platformSwitches(deps.env, deps.platform, deps.argv)) {
    log.info('appending a Chromium switch', { name, value });
    deps.commandLine.appendSwitch(name, value);
  }
}
