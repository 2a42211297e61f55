/** The global snapshot shortcut (default Ctrl/Cmd+Alt+P), re-registered when the setting changes. */
import type { GlobalShortcut } from 'electron';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('shortcuts');

/** The live shortcut registration. */
export interface SnapshotShortcut {
  /**
   * Switch to another accelerator (null = none); returns whether it could be registered (the caller tells the
   * user: Settings shows the failure where the user changed it). On failure no shortcut is registered.
   */
  update(accelerator: string | null): boolean;
  /** The accelerator in force, if any. */
  readonly current: string | null;
  dispose(): void;
}

/**
 * Register `accelerator` to take a snapshot. Registration fails when another app holds the combination; at
 * start-up `onUnavailable` says so (pawcam keeps working without it).
 */
export function setupSnapshotShortcut(deps: {
  globalShortcut: Pick<GlobalShortcut, 'register' | 'unregister'>;
  accelerator: string | null;
  onSnapshot(): void;
  onUnavailable?(accelerator: string): void;
}): SnapshotShortcut {
  let current: string | null = null;
  const release = (): void => {
    if (current) deps.globalShortcut.unregister(current);
    current = null;
  };
  const update = (accelerator: string | null): boolean => {
    if (accelerator === current) return true;
    release();
    if (!accelerator) return true;
    let ok = false;
    try {
      ok = deps.globalShortcut.register(accelerator, () => deps.onSnapshot());
    } catch (error) {
      log.warn('invalid snapshot shortcut', { accelerator, error: String(error) });
    }
    if (!ok) {
      log.warn('snapshot shortcut unavailable', { accelerator });
      return false;
    }
    current = accelerator;
    return true;
  };
  if (!update(deps.accelerator) && deps.accelerator) deps.onUnavailable?.(deps.accelerator);
  return {
    update,
    get current() {
      return current;
    },
    dispose: release,
  };
}
