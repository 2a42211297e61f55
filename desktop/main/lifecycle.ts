/**
 * App lifecycle: one instance only (a second launch focuses the first), the app stays alive in the tray when
 * every window is closed, and Quit runs the cleanup (server, shortcuts, pending settings writes) before exiting.
 */
import type { App } from 'electron';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('lifecycle');

/** Longest wait for cleanup before quitting anyway. */
export const CLEANUP_TIMEOUT_MS = 4000;

/** Take the single-instance lock; false means another pawcam runs (it was told to show itself) and we must quit. */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'on'>, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => onSecondInstance());
  return true;
}

/** Quit state and the Quit action. */
export interface Lifecycle {
  isQuitting(): boolean;
  quit(): void;
}

/** Keep running in the tray; on quit, run `cleanup` once (bounded in time), then exit. */
export function setupLifecycle(deps: {
  app: Pick<App, 'on' | 'quit'>;
  cleanup(): Promise<void>;
  onActivate(): void;
  timeoutMs?: number;
}): Lifecycle {
  let quitting = false;
  let cleaned = false;
  let cleaning = false;
  // Without a listener Electron quits when the last window closes; pawcam lives on in the tray.
  deps.app.on('window-all-closed', () => undefined);
  deps.app.on('before-quit', () => {
    quitting = true;
  });
  deps.app.on('activate', () => deps.onActivate());
  deps.app.on('will-quit', (event) => {
    if (cleaned) return;
    event.preventDefault();
    if (cleaning) return;
    cleaning = true;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, deps.timeoutMs ?? CLEANUP_TIMEOUT_MS).unref?.());
    Promise.race([deps.cleanup().catch((error: unknown) => log.error('cleanup failed', { error: String(error) })), timeout]).finally(() => {
      cleaned = true;
      deps.app.quit();
    });
  });
  return {
    isQuitting: () => quitting,
    quit: () => {
      quitting = true;
      deps.app.quit();
    },
  };
}
