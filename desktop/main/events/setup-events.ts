/**
 * The desktop's events feature: takes event messages from cameras (relayed by the viewer over IPC), keeps
 * them in the index and the clips folder, raises notifications by the alert policy, watches for cameras that stay
 * offline, writes daily reports and applies retention. Electron-free: the notifier and paths are handed in, so
 * main.ts wires it (through desktop-events.ts) and tests run it in plain Node.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeBase64,
  parseEventMessage,
  type CameraEventMessage,
  type DetectionSettings,
  type DroppedNoticeMessage,
  type EventKind,
  type EventMessage,
} from '../../../protocol/event-messages.ts';
import { randomHex } from '../../../protocol/ids.ts';
import { createLogger } from '../../../protocol/log.ts';
import { realTimers, type Timers } from '../../../protocol/timers.ts';
import { AlertPolicy, OfflineWatch, localMinuteOfDay, type AlertRules } from './alert-policy.ts';
import { ClipReceiver } from './clip-receiver.ts';
import { localDay, localDayBounds } from '../../../protocol/local-day.ts';
import { dayFolder, eventFileName, insideClips, looksLikeJpeg, writeNewFile } from './clip-files.ts';
import { KIND_TEXT, writeDailyReport } from './daily-report.ts';
import { EventIndex, type EventRow } from './event-index.ts';
import { applyRetention, planRetention, type RetentionPlan, type RetentionPolicy } from './retention.ts';

const log = createLogger('events');

/** The index file's name inside the user-data folder. */
export const EVENT_INDEX_FILE = 'events.sqlite';

/** A desktop notification (the app's Notifier, with the event's thumbnail as its icon). */
export interface EventNotifier {
  show(message: { title: string; body: string; icon?: string; onClick?: () => void }): void;
}

/** Collaborators of the events feature. */
export interface EventsDeps {
  userDataDir: string;
  /** The clips folder (a setting). */
  clipsDir(): string;
  cameraName(cameraId: string): string;
  /** A camera's detection and alert settings (as last sent to it). */
  settingsFor(cameraId: string): DetectionSettings;
  /** Kinds the owner muted for a camera. */
  mutedKinds?(cameraId: string): readonly EventKind[];
  retention(): RetentionPolicy;
  notifier: EventNotifier;
  /** A notification was clicked: show that moment (`at`: when the event happened). */
  openEvent(cameraId: string, eventId: string, at: number): void;
  /** The unseen counts changed (the tray shows them). */
  onUnseenChange?(counts: ReadonlyMap<string, number>): void;
  /** "Camera offline" after this long (default 10 minutes). */
  offlineAfterMs?: number;
  timers?: Timers;
  /** Index path override. */
  indexPath?: string;
  /** Paired cameras (for the nightly report and retention run); without it, those run only when asked. */
  cameraIds?(): readonly string[];
}

/** An event on the timeline: its row, and whether its clip may still come. */
export type TimelineRow = EventRow & { clipPending: boolean };

/** What main and the IPC handlers use. */
export interface EventsService {
  /** A data-channel message from `cameraId`; resolves to the reply to send back, or null. Bad input changes nothing. */
  handleMessage(cameraId: string, raw: unknown): Promise<EventMessage | null>;
  /** What the viewer knows of a camera's presence (feeds "camera offline for N minutes"). */
  cameraPresence(cameraId: string, online: boolean, battery?: number | null): void;
  /** A camera's events of one local day, optionally of some kinds. */
  listDay(cameraId: string, day: string, kinds?: readonly EventKind[]): EventRow[];
  /** `listDay`, each event saying whether its clip is still on its way (the timeline shows "clip still arriving"). */
  listTimeline(cameraId: string, day: string, kinds?: readonly EventKind[]): TimelineRow[];
  /** Delete an event with its clip and thumbnail. */
  deleteEvent(cameraId: string, id: string): Promise<void>;
  markSeen(cameraId: string, ids: readonly string[]): void;
  unseenCounts(): ReadonlyMap<string, number>;
  /** Write (or rewrite) a day's report; resolves to its path. */
  writeDailyReport(cameraId: string, day: string): Promise<string>;
  runRetention(): Promise<RetentionPlan>;
  close(): void;
}

/** How often the offline watch looks. */
const OFFLINE_CHECK_MS = 30_000;
/** Late events (a delivered backlog) are summarised per camera after this quiet time. */
const BACKLOG_SUMMARY_MS = 5000;
/** How often the nightly work checks whether the day changed. */
const MAINTENANCE_CHECK_MS = 15 * 60_000;
/** A partly received clip untouched this long is abandoned. */
const STALE_PART_MS = 2 * 86_400_000;

/** Set up the events feature. */
export async function setupEvents(deps: EventsDeps): Promise<EventsService> {
  const timers = deps.timers ?? realTimers;
  const index = new EventIndex(deps.indexPath ?? join(deps.userDataDir, EVENT_INDEX_FILE));
  const receiver = new ClipReceiver({ index, clipsDir: deps.clipsDir, cameraName: deps.cameraName, now: () => timers.now() });
  await receiver.recover().catch((error: unknown) => log.warn('could not recover partly received clips', { error: String(error) }));
  const rules = (cameraId: string): AlertRules => {
    const s = deps.settingsFor(cameraId);
    return { cooldownSec: s.cooldownSec, quietHours: s.quietHours, muted: deps.mutedKinds?.(cameraId) ?? [] };
  };
  const policy = new AlertPolicy(rules, localMinuteOfDay);
  const offline = new OfflineWatch(deps.offlineAfterMs ?? 10 * 60_000);
  const backlog = new Map<string, { count: number; timer: unknown }>();
  let closed = false;

  const unseenChanged = (): void => deps.onUnseenChange?.(index.unseenCounts());

  const notify = (row: EventRow): void => {
    const decision = policy.decide({ cameraId: row.cameraId, kind: row.kind, at: row.at }, timers.now());
    if (decision.notify) {
      const name = deps.cameraName(row.cameraId);
      deps.notifier.show({
        title: `${name}: ${KIND_TEXT[row.kind]}`,
        body: `${clock(row.at)} — click to see that moment.`,
        ...(row.thumbnail ? { icon: join(deps.clipsDir(), row.thumbnail) } : {}),
        onClick: () => deps.openEvent(row.cameraId, row.id, row.at),
      });
    } else if (decision.reason === 'late') {
      const entry = backlog.get(row.cameraId) ?? { count: 0, timer: null };
      entry.count++;
      timers.clearTimeout(entry.timer);
      entry.timer = timers.setTimeout(() => {
        backlog.delete(row.cameraId);
        deps.notifier.show({ title: `${deps.cameraName(row.cameraId)}: ${entry.count} earlier event(s)`, body: 'Delivered now that pawcam is back in touch with the camera.' });
      }, BACKLOG_SUMMARY_MS);
      backlog.set(row.cameraId, entry);
    }
  };

  const saveThumbnail = async (cameraId: string, m: CameraEventMessage): Promise<string | null> => {
    if (!m.thumbnail) return null;
    const jpeg = decodeBase64(m.thumbnail);
    if (!looksLikeJpeg(jpeg)) {
      log.warn('event thumbnail is not a JPEG; ignored', { cameraId, eventId: m.id });
      return null;
    }
    const clipsDir = deps.clipsDir();
    const name = deps.cameraName(cameraId);
    try {
      const path = await writeNewFile(join(clipsDir, dayFolder(name, m.at)), (n) => eventFileName(name, m.at, m.kind, '.jpg', n), jpeg);
      return insideClips(clipsDir, path);
    } catch (error) {
      log.warn('could not save an event thumbnail', { cameraId, error: String(error) });
      return null;
    }
  };

  const onEvent = async (cameraId: string, m: CameraEventMessage): Promise<EventMessage> => {
    // A resent event (its ack was lost) is acknowledged again without a second thumbnail or notification.
    if (index.getEvent(cameraId, m.id)) return { t: 'event-ack', id: m.id };
    const row: EventRow = {
      cameraId,
      id: m.id,
      kind: m.kind,
      at: m.at,
      durationMs: m.durationMs,
      strength: m.strength,
      levelDbfs: m.levelDbfs,
      battery: null,
      thumbnail: await saveThumbnail(cameraId, m),
      clip: null,
      clipBytes: 0,
      clipExpected: m.clip,
      seen: false,
      receivedAt: timers.now(),
    };
    // The ack goes out only after this commit: then the camera may forget the event.
    index.insertEvent(row);
    notify(row);
    unseenChanged();
    return { t: 'event-ack', id: m.id };
  };

  const onDropped = (cameraId: string, m: DroppedNoticeMessage): EventMessage => {
    const now = timers.now();
    index.recordDropped(m.items.map((i) => ({ cameraId, eventId: i.eventId, kind: i.kind, at: i.at, what: i.what, reason: i.reason, receivedAt: now })));
    const total = m.items.length + m.more;
    if (total > 0) {
      const clipsOnly = m.items.every((i) => i.what === 'clip') && m.more === 0;
      deps.notifier.show({
        title: `${deps.cameraName(cameraId)}: ${total} ${clipsOnly ? 'clip(s)' : 'event(s)'} could not be kept`,
        body: m.items.some((i) => i.reason === 'quota') ? 'The phone ran out of room for them while pawcam was away.' : 'The phone could not keep them.',
      });
    }
    return { t: 'events-dropped-ack', upTo: m.upTo };
  };

  const offlineTimer = (): void => {
    if (closed) return;
    for (const o of offline.check(timers.now())) {
      const row: EventRow = {
        cameraId: o.cameraId,
        id: randomHex(8),
        kind: 'camera-offline',
        at: o.since,
        durationMs: timers.now() - o.since,
        strength: 0,
        levelDbfs: null,
        battery: o.battery,
        thumbnail: null,
        clip: null,
        clipBytes: 0,
        clipExpected: false,
        seen: false,
        receivedAt: timers.now(),
      };
      index.insertEvent(row);
      // Its time is when the camera went away, but it is news now.
      const decision = policy.decide({ cameraId: row.cameraId, kind: row.kind, at: timers.now() }, timers.now());
      if (decision.notify) notifyOffline(row);
      unseenChanged();
    }
    timer = timers.setTimeout(offlineTimer, OFFLINE_CHECK_MS);
  };
  const notifyOffline = (row: EventRow): void => {
    const minutes = Math.round(row.durationMs / 60_000);
    deps.notifier.show({
      title: `${deps.cameraName(row.cameraId)} has been offline for ${minutes} min`,
      body: `No contact since ${clock(row.at)}${row.battery !== null ? `; battery was at ${Math.round(row.battery * 100)} %` : ''}.`,
      onClick: () => deps.openEvent(row.cameraId, row.id, row.at),
    });
  };
  let timer: unknown = timers.setTimeout(offlineTimer, OFFLINE_CHECK_MS);

  const runRetention = async (): Promise<RetentionPlan> => {
    const now = timers.now();
    const plan = planRetention(index.listForRetention(), now, deps.retention());
    await applyRetention(index, deps.clipsDir(), plan);
    // A clip that stopped arriving days ago (the camera dropped it, or was unpaired) will not be finished.
    for (const part of index.listParts()) {
      if (now - part.updatedAt < STALE_PART_MS) continue;
      await rm(receiver.partPath(part.cameraId, part.eventId), { force: true });
      index.finishPart(part.cameraId, part.eventId, null);
    }
    return plan;
  };

  // Once a day, after local midnight: yesterday's report for every camera that had events, then retention.
  let reportedDay = localDay(timers.now());
  const maintenance = async (): Promise<void> => {
    const today = localDay(timers.now());
    if (today === reportedDay || !deps.cameraIds) return;
    const yesterday = localDay(localDayBounds(today).from - 1);
    reportedDay = today;
    const { from, to } = localDayBounds(yesterday);
    for (const cameraId of deps.cameraIds()) {
      if (index.listEvents(cameraId, from, to).length === 0) continue;
      await writeDailyReport({ index, clipsDir: deps.clipsDir(), cameraId, cameraName: deps.cameraName(cameraId), day: yesterday, now: timers.now() }).catch((error: unknown) =>
        log.warn('could not write a daily report', { cameraId, error: String(error) }),
      );
    }
    await runRetention().catch((error: unknown) => log.warn('retention failed', { error: String(error) }));
  };
  const maintenanceTick = (): void => {
    if (closed) return;
    void maintenance().finally(() => {
      if (!closed) maintenanceTimer = timers.setTimeout(maintenanceTick, MAINTENANCE_CHECK_MS);
    });
  };
  let maintenanceTimer: unknown = timers.setTimeout(maintenanceTick, MAINTENANCE_CHECK_MS);

  // One message at a time per camera, in arrival order: a resent event racing its first copy must not notify twice.
  // Cameras do not wait for each other: one camera's clip (a write per chunk, a sync every 256 KiB: slow on a busy
  // disk) must not hold up another camera's alert (the events e2e saw a motion alert stored 5 s late behind a clip).
  const inboxes = new Map<string, Promise<unknown>>();
  const handleMessage = async (cameraId: string, raw: unknown): Promise<EventMessage | null> => {
    const parsed = parseEventMessage(raw);
    if (!parsed.ok) {
      log.warn('bad event message from a camera; ignored', { cameraId, error: parsed.error });
      return null;
    }
    const m = parsed.value;
    try {
      switch (m.t) {
        case 'event':
          return await onEvent(cameraId, m);
        case 'event-end':
          // Committed before the ack, like the event itself; an end for an unknown event is acked and ignored.
          index.setDuration(cameraId, m.id, m.durationMs);
          return { t: 'event-ack', id: m.id };
        case 'clip-chunk':
          return await receiver.receive(cameraId, m);
        case 'events-dropped':
          return onDropped(cameraId, m);
        case 'event-ack':
        case 'clip-ack':
        case 'events-dropped-ack':
        case 'detection-settings':
        case 'event-notices':
          // Messages the desktop sends, not receives: a camera sending them is confused; nothing changes.
          log.warn('unexpected event message direction; ignored', { cameraId, t: m.t });
          return null;
      }
    } catch (error) {
      // No ack: the camera keeps the item and sends it again later. A message still in flight when the app quits
      // and the store closes is that too, but no fault worth an error in the log.
      if (closed) log.info('an event message arrived as the events store closed; the camera sends it again', { cameraId, t: m.t });
      else log.error('could not store an event message', { cameraId, t: m.t, error: String(error) });
      return null;
    }
  };

  return {
    handleMessage(cameraId, raw) {
      const run = (inboxes.get(cameraId) ?? Promise.resolve()).then(() => handleMessage(cameraId, raw));
      const tail = run.then(
        () => undefined,
        () => undefined,
      );
      inboxes.set(cameraId, tail);
      void tail.then(() => {
        if (inboxes.get(cameraId) === tail) inboxes.delete(cameraId);
      });
      return run;
    },
    cameraPresence(cameraId, online, battery) {
      offline.update(cameraId, online, timers.now(), battery);
    },
    listDay(cameraId, day, kinds) {
      const { from, to } = localDayBounds(day);
      return index.listEvents(cameraId, from, to, kinds);
    },
    listTimeline(cameraId, day, kinds) {
      const { from, to } = localDayBounds(day);
      const rows = index.listEvents(cameraId, from, to, kinds);
      const droppedClips = new Set(index.listDropped(cameraId, from, to).filter((d) => d.what === 'clip').map((d) => d.eventId));
      const now = timers.now();
      // A clip is on its way while part of it is here, or while it may still come: the camera said one follows, has
      // not reported it dropped, and the event is younger than the time after which a half-sent clip is abandoned.
      return rows.map((row) => ({
        ...row,
        clipPending:
          row.clipExpected && row.clip === null && !droppedClips.has(row.id) && (index.getPart(cameraId, row.id) !== null || now - row.receivedAt < STALE_PART_MS),
      }));
    },
    async deleteEvent(cameraId, id) {
      const row = index.getEvent(cameraId, id);
      if (!row) return;
      await applyRetention(index, deps.clipsDir(), { events: [row], clips: [] });
      unseenChanged();
    },
    markSeen(cameraId, ids) {
      index.markSeen(cameraId, ids);
      unseenChanged();
    },
    unseenCounts: () => index.unseenCounts(),
    writeDailyReport: (cameraId, day) => writeDailyReport({ index, clipsDir: deps.clipsDir(), cameraId, cameraName: deps.cameraName(cameraId), day, now: timers.now() }),
    runRetention,
    close() {
      closed = true;
      timers.clearTimeout(timer);
      timers.clearTimeout(maintenanceTimer);
      for (const entry of backlog.values()) timers.clearTimeout(entry.timer);
      index.close();
    },
  };
}

function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
