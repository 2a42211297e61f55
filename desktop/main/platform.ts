/**
 * Linux display backend: Wayland or XWayland.
 *
 * Wayland does not let a client keep its window above others, so Electron running natively on Wayland ignores
 * `setAlwaysOnTop` and the mini window sinks behind the user's work. Under XWayland it works. Electron 38+ picks
 * Wayland by itself on a Wayland session, and it picks the backend (Ozone platform) while it starts, before any of
 * our JavaScript runs: `app.commandLine.appendSwitch('ozone-platform', 'x11')` from main.js comes too late and does
 * nothing (electron/electron#35630). The only places the choice can still be made are the command line the process
 * was started with and a new process. So on a Wayland session with XWayland available (DISPLAY set) pawcam starts
 * itself again, at once and before the app is ready, with `--ozone-platform=x11`. Users who prefer native Wayland
 * (and accept a mini window that is not kept on top) start pawcam with `--ozone-platform=wayland` or set
 * PAWCAM_NATIVE_WAYLAND=1.
 */
import type { App } from 'electron';
import { createLogger } from '../../protocol/log.ts';
import { relaunchPlan, scheduleRelaunch, type RelaunchDeps } from './relaunch.ts';

const log = createLogger('platform');

/** The switch that chooses the backend. */
export const OZONE_SWITCH = 'ozone-platform';

/** Set in the relaunched process's environment: never relaunch twice, whatever its command line says. */
export const RELAUNCHED_ENV = 'PAWCAM_X11_RELAUNCHED';

/** Is this a Linux Wayland session? */
export function isWaylandSession(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  return platform === 'linux' && (env['XDG_SESSION_TYPE'] === 'wayland' || Boolean(env['WAYLAND_DISPLAY']));
}

/** Why pawcam runs on the backend it runs on (logged, and the test reads it). */
export type BackendChoice =
  | 'not-wayland'
  | 'native-wayland-asked'
  | 'backend-given'
  | 'no-xwayland'
  | 'already-relaunched'
  | 'relaunch-under-xwayland';

/** The decision (pure). `hasOzoneSwitch`: Chromium's command line already holds `ozone-platform` or its `-hint`. */
export function chooseBackend(options: { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; argv: readonly string[]; hasOzoneSwitch: boolean }): BackendChoice {
  const { env, platform, argv } = options;
  if (!isWaylandSession(env, platform)) return 'not-wayland';
  if (env['PAWCAM_NATIVE_WAYLAND'] === '1') return 'native-wayland-asked';
  // `--ozone-platform-hint=…` counts as a choice too: the user asked Chromium for something, we do not override it.
  const given = (a: string): boolean => [OZONE_SWITCH, `${OZONE_SWITCH}-hint`].some((s) => a === `--${s}` || a.startsWith(`--${s}=`));
  if (options.hasOzoneSwitch || argv.some(given)) return 'backend-given';
  if (env[RELAUNCHED_ENV] === '1') return 'already-relaunched';
  // Without an X server (no XWayland) forcing X11 would stop the app from starting at all.
  if (!env['DISPLAY']) return 'no-xwayland';
  return 'relaunch-under-xwayland';
}

/** What choosing the backend needs. */
export interface DisplayBackendDeps extends RelaunchDeps {
  app: Pick<App, 'relaunch' | 'exit'> & { commandLine: Pick<App['commandLine'], 'hasSwitch'> };
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  argv: readonly string[];
  execPath: string;
  pid: number;
}

/**
 * Call first thing in main, before the app is ready: on a Wayland session with XWayland, arrange a restart with
 * `--ozone-platform=x11` and exit. Returns 'relaunching' when this process is exiting (start nothing else), or
 * 'continue'.
 */
export function setupDisplayBackend(deps: DisplayBackendDeps): 'continue' | 'relaunching' {
  const hasOzoneSwitch = deps.app.commandLine.hasSwitch(OZONE_SWITCH) || deps.app.commandLine.hasSwitch(`${OZONE_SWITCH}-hint`);
  const choice = chooseBackend({ env: deps.env, platform: deps.platform, argv: deps.argv, hasOzoneSwitch });
  if (choice !== 'relaunch-under-xwayland') {
    if (choice !== 'not-wayland') log.info('display backend', { choice });
    return 'continue';
  }
  // Inherited by the new process (Electron's relauncher and our AppImage helper both pass the environment on).
  deps.env[RELAUNCHED_ENV] = '1';
  const plan = relaunchPlan({ env: deps.env, execPath: deps.execPath, argv: deps.argv, pid: deps.pid, addArgs: [`--${OZONE_SWITCH}=x11`] });
  if (!scheduleRelaunch(plan, deps)) {
    log.warn('could not restart under XWayland; running natively on Wayland (the mini window will not stay on top)');
    return 'continue';
  }
  log.info('restarting under XWayland so the mini window can stay on top');
  deps.app.exit(0);
  return 'relaunching';
}
