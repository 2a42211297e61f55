/**
 * Retention: events older than N days go (rows, clips, thumbnails); then, if the clips still take more than the
 * size limit, the oldest clips go (their events stay on the timeline, without a clip). Planning is pure; applying
 * removes files before rows, so a crash in between leaves a row pointing at nothing (shown as "clip missing"), never
 * a file that nothing will ever delete.
 */
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../../protocol/log.ts';
import type { EventIndex, EventRow } from './event-index.ts';

const log = createLogger('retention');

/** How long and how much to keep; null = no limit. */
export interface RetentionPolicy {
  maxDays: number | null;
  maxBytes: number | null;
}

/** What retention looks at. */
export type RetentionItem = Pick<EventRow, 'cameraId' | 'id' | 'at' | 'clip' | 'clipBytes' | 'thumbnail'>;

/** What retention will remove. */
export interface RetentionPlan {
  /** Whole events (row, clip and thumbnail). */
  events: RetentionItem[];
  /** Only the clip (the event stays). */
  clips: RetentionItem[];
}

const DAY_MS = 86_400_000;

/** Decide what to remove from `items` (any order) at `now`. */
export function planRetention(items: readonly RetentionItem[], now: number, policy: RetentionPolicy): RetentionPlan {
  const sorted = [...items].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  const cutoff = policy.maxDays === null ? Number.NEGATIVE_INFINITY : now - policy.maxDays * DAY_MS;
  const events = sorted.filter((i) => i.at < cutoff);
  const kept = sorted.filter((i) => i.at >= cutoff);
  const clips: RetentionItem[] = [];
  if (policy.maxBytes !== null) {
    let total = kept.reduce((sum, i) => sum + (i.clip ? i.clipBytes : 0), 0);
    for (const item of kept) {
      if (total <= policy.maxBytes) break;
      if (!item.clip) continue;
      clips.push(item);
      total -= item.clipBytes;
    }
  }
  return { events, clips };
}

/** Carry out a plan: files first, then rows. */
export async function applyRetention(index: EventIndex, clipsDir: string, plan: RetentionPlan): Promise<void> {
  const remove = async (rel: string | null): Promise<void> => {
    if (!rel) return;
    await fsp.rm(join(clipsDir, rel), { force: true }).catch((error: unknown) => log.warn('could not remove a file', { rel, error: String(error) }));
  };
  for (const item of plan.clips) {
    await remove(item.clip);
    index.setClip(item.cameraId, item.id, null, 0);
  }
  for (const item of plan.events) {
    await remove(item.clip);
    await remove(item.thumbnail);
    index.deleteEvent(item.cameraId, item.id);
  }
  if (plan.events.length + plan.clips.length > 0) log.info('retention removed old items', { events: plan.events.length, clips: plan.clips.length });
}
