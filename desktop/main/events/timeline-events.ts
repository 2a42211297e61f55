/**
 * Events as the viewer's timeline gets them over IPC: the index's row with its files as `pawcam://app/clips/…` URLs
 * (the renderer never learns where the clips folder is, and can fetch only through the app scheme's checks).
 */
import type { TimelineEvent } from '../../../protocol/ipc.ts';
import { clipsUrl } from '../app-scheme.ts';
import type { TimelineRow } from './setup-events.ts';

/** One index row → one timeline event. */
export function toTimelineEvent(row: TimelineRow): TimelineEvent {
  return {
    id: row.id,
    kind: row.kind,
    at: row.at,
    durationMs: row.durationMs,
    battery: row.battery,
    thumbnailUrl: row.thumbnail === null ? null : clipsUrl(row.thumbnail),
    clipUrl: row.clip === null ? null : clipsUrl(row.clip),
    clipPending: row.clipPending,
    seen: row.seen,
  };
}
