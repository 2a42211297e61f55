/**
 * The events feature as the desktop app runs it: `setupEvents`' collaborators made from the settings file, the
 * notifier, the windows and the tray, and what the viewer's reported camera states mean for "camera offline".
 * Electron-free (main.ts hands in the Electron-backed pieces), so the wiring is unit-tested with fakes.
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DEFAULT_DETECTION_SETTINGS, type DetectionSettings, type EventKind } from '../../../protocol/event-messages.ts';
import type { CameraState } from '../../../protocol/ipc.ts';
import type { Timers } from '../../../protocol/timers.ts';
import type { Settings } from '../settings.ts';
import { setupEvents, type EventNotifier, type EventsDeps, type EventsService } from './setup-events.ts';

/** The clips folder's name inside the user's Videos folder (or the app's data folder). */
export const CLIPS_FOLDER_NAME = 'pawcam';

/** Where clips go by default: `pawcam` in the user's Videos folder, else `clips` in the app's data folder. */
export function defaultClipsFolder(videosDir: () => string, userDataDir: string): string {
  let videos: string | null;
  try {
    videos = videosDir();
  } catch {
    // Electron's app.getPath throws when the system names no such folder.
    videos = null;
  }
  return videos && isAbsolute(videos) ? join(videos, CLIPS_FOLDER_NAME) : join(userDataDir, 'clips');
}

/** The clips folder the settings name (an absolute folder), else the default. */
export function clipsFolder(settings: Settings, videosDir: () => string, userDataDir: string): string {
  const chosen = settings.events.clipsFolder;
  return chosen !== null && isAbsolute(chosen) ? chosen : defaultClipsFolder(videosDir, userDataDir);
}

/** A camera's detection settings: its own, else the defaults. */
export function detectionSettingsFor(settings: Settings, cameraId: string): DetectionSettings {
  return settings.events.detection[cameraId] ?? DEFAULT_DETECTION_SETTINGS;
}

/** What the desktop's events feature needs from the app. */
export interface DesktopEventsDeps {
  settings: { get(): Settings };
  userDataDir: string;
  /** The user's Videos folder (Electron's `app.getPath('videos')`, which may throw). */
  videosDir(): string;
  /** The app's notifier; events use it only while notifications are on in Settings. */
  notifier: EventNotifier;
  /** A notification was clicked: bring that moment up (the main window opens the camera's timeline there). */
  showEvent(cameraId: string, eventId: string, at: number): void;
  /** How many events nobody has looked at yet, all cameras together (the tray shows it). */
  onUnseen(total: number): void;
  timers?: Timers;
}

/** `setupEvents`' collaborators for the desktop app. */
export function desktopEventsDeps(deps: DesktopEventsDeps): EventsDeps {
  const settings = (): Settings => deps.settings.get();
  return {
    userDataDir: deps.userDataDir,
    clipsDir: () => clipsFolder(settings(), () => deps.videosDir(), deps.userDataDir),
    cameraName: (cameraId) => settings().cameras.find((c) => c.id === cameraId)?.name ?? cameraId,
    settingsFor: (cameraId) => detectionSettingsFor(settings(), cameraId),
    mutedKinds: (cameraId): readonly EventKind[] => settings().events.mutedKinds[cameraId] ?? [],
    retention: () => {
      const { retentionDays, retentionGigabytes } = settings().events;
      return { maxDays: retentionDays, maxBytes: retentionGigabytes === null ? null : Math.round(retentionGigabytes * 1024 ** 3) };
    },
    notifier: {
      show: (message) => {
        if (settings().notifications) deps.notifier.show(message);
      },
    },
    openEvent: (cameraId, eventId, at) => deps.showEvent(cameraId, eventId, at),
    onUnseenChange: (counts) => deps.onUnseen(totalUnseen(counts)),
    cameraIds: () => settings().cameras.map((c) => c.id),
    ...(deps.timers ? { timers: deps.timers } : {}),
  };
}

/** All cameras' unseen events together. */
export function totalUnseen(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

/**
 * Feed the viewer's reported camera states to "camera offline for N minutes" ('unknown' says nothing), with the
 * battery level each camera last reported, which that notification names.
 */
export function reportPresence(
  events: Pick<EventsService, 'cameraPresence'>,
  states: readonly { id: string; state: CameraState; battery?: number | null | undefined }[],
): void {
  for (const { id, state, battery } of states) {
    if (state === 'unknown') continue;
    events.cameraPresence(id, state !== 'offline', battery ?? null);
  }
}

/** Set up the events feature for the desktop app; the tray gets the unseen count at once. */
export async function setupDesktopEvents(deps: DesktopEventsDeps): Promise<EventsService> {
  await mkdir(deps.userDataDir, { recursive: true });
  const events = await setupEvents(desktopEventsDeps(deps));
  deps.onUnseen(totalUnseen(events.unseenCounts()));
  return events;
}
