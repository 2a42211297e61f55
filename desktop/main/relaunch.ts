/**
 * Starting pawcam again (after a server change, or under XWayland at launch).
 *
 * Electron's `app.relaunch()` restarts `process.execPath`. Inside an AppImage that is the binary in the AppImage's
 * temporary read-only mount (/tmp/.mount_pawcam…), which the AppImage runtime unmounts as soon as this process
 * exits, so the restart finds nothing to run (electron-builder#1727, #4650). Passing `execPath: $APPIMAGE` is not
 * enough either: Electron's relauncher helper that waits for us to exit is itself started from `process.execPath`,
 * inside the mount that is about to vanish. So from an AppImage we start a small /bin/sh helper ourselves: it lives
 * outside the mount, waits (bounded) for this process to exit, then runs the AppImage file, which mounts itself
 * afresh.
 */
import type { SpawnOptions } from 'node:child_process';
import type { App, RelaunchOptions } from 'electron';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('relaunch');

/** The shell the AppImage helper runs in (POSIX; present on every desktop Linux). */
export const HELPER_SHELL = '/bin/sh';

/** How long the AppImage helper waits for this process to exit, in 0.2 s steps (30 s), before starting anyway. */
export const HELPER_WAIT_STEPS = 150;

/**
 * The helper: `$1` is the PID to wait for, the rest is the command. `kill -0` only asks whether the PID exists.
 * Bounded, so a PID that never goes away cannot leave a shell behind forever.
 */
export const HELPER_SCRIPT = `i=0; while kill -0 "$1" 2>/dev/null && [ "$i" -lt ${HELPER_WAIT_STEPS} ]; do sleep 0.2; i=$((i+1)); done; shift; exec "$@"`;

/** How to start pawcam again. */
export type RelaunchPlan =
  /** Electron's relauncher (installed, unpacked, or `electron .` in development). */
  | { kind: 'electron'; options: Required<RelaunchOptions> }
  /** From an AppImage: our own helper, run detached outside the mount. */
  | { kind: 'appimage'; file: string; args: string[]; appImage: string };

/** What a relaunch is computed from. */
export interface RelaunchInputs {
  env: NodeJS.ProcessEnv;
  /** `process.execPath`. */
  execPath: string;
  /** `process.argv` (argv[0] is the executable; the rest are passed on). */
  argv: readonly string[];
  /** `process.pid`, waited for by the AppImage helper. */
  pid: number;
  /** Arguments to add (e.g. `--ozone-platform=x11`). */
  addArgs?: readonly string[];
  /** Arguments to leave out (e.g. `--hidden` when the user asked for the restart). */
  dropArgs?: readonly string[];
}

/** The plan for these inputs (pure). */
export function relaunchPlan(inputs: RelaunchInputs): RelaunchPlan {
  const drop = new Set(inputs.dropArgs ?? []);
  const args = [...inputs.argv.slice(1).filter((a) => !drop.has(a)), ...(inputs.addArgs ?? [])];
  // Set by the AppImage runtime to the AppImage file itself (absolute). An empty value is not an AppImage.
  const appImage = inputs.env['APPIMAGE'];
  if (appImage && appImage.startsWith('/')) {
    return { kind: 'appimage', file: HELPER_SHELL, args: ['-c', HELPER_SCRIPT, 'pawcam-relaunch', String(inputs.pid), appImage, ...args], appImage };
  }
  return { kind: 'electron', options: { execPath: inputs.execPath, args } };
}

/** What `child_process.spawn` returns, as far as the relaunch uses it. */
export interface SpawnedHelper {
  /** Undefined when the spawn failed. */
  readonly pid?: number | undefined;
  unref(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** What carrying out a plan needs. */
export interface RelaunchDeps {
  app: Pick<App, 'relaunch'>;
  /** `child_process.spawn`. */
  spawn: (file: string, args: readonly string[], options: SpawnOptions) => SpawnedHelper;
}

/**
 * Arrange for pawcam to start again once this process exits; the caller then quits or exits. Returns false (and
 * logs) when that could not be arranged, so the caller can keep running instead of quitting for good.
 */
export function scheduleRelaunch(plan: RelaunchPlan, deps: RelaunchDeps): boolean {
  if (plan.kind === 'electron') {
    deps.app.relaunch(plan.options);
    return true;
  }
  let child: SpawnedHelper;
  try {
    // Detached and without our stdio or a working directory inside the mount: nothing ties it to this process.
    child = deps.spawn(plan.file, plan.args, { detached: true, stdio: 'ignore', cwd: '/' });
  } catch (error) {
    log.error('could not start the relaunch helper', { error: String(error) });
    return false;
  }
  // Node reports a failed spawn (ENOENT, EAGAIN) by leaving `pid` undefined and emitting 'error' later.
  child.on('error', (error) => log.error('the relaunch helper failed', { error: String(error) }));
  if (child.pid === undefined) {
    log.error('could not start the relaunch helper', { file: plan.file });
    return false;
  }
  child.unref();
  log.info('relaunching the AppImage once this process exits', { appImage: plan.appImage });
  return true;
}
