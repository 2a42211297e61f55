/**
 * The desktop's event index: one SQLite file through Node's built-in `node:sqlite` (no native module to rebuild for
 * Electron). WAL with `synchronous=FULL`: a transaction that returned is on disk, so an event the desktop
 * acknowledged to the camera (which then forgets it) survives the app or the machine crashing right after.
 * Rows are what the camera said after parsing; file names point into the clips folder.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { EVENT_KINDS, type DropReason, type EventKind } from '../../../protocol/event-messages.ts';

/** One event as the index keeps it. */
export interface EventRow {
  cameraId: string;
  id: string;
  kind: EventKind;
  /** When it happened (camera clock for camera events). */
  at: number;
  durationMs: number;
  strength: number;
  levelDbfs: number | null;
  /** Battery level 0..1 when known (offline events carry the last one). */
  battery: number | null;
  /** Path of the thumbnail, relative to the clips folder. */
  thumbnail: string | null;
  /** Path of the clip, relative to the clips folder. */
  clip: string | null;
  clipBytes: number;
  /** The camera said a clip would follow. */
  clipExpected: boolean;
  seen: boolean;
  receivedAt: number;
}

/** A clip being received: `offset` bytes of the `.part` file are confirmed (written and flushed). */
export interface PartRow {
  cameraId: string;
  eventId: string;
  offset: number;
  total: number;
  sha256: string;
  mimeType: string;
  startedAt: number;
  updatedAt: number;
}

/** Something the camera had to drop before the desktop got it. */
export interface DroppedRow {
  cameraId: string;
  eventId: string;
  kind: EventKind;
  at: number;
  what: 'event' | 'clip';
  reason: DropReason;
  receivedAt: number;
}

const SCHEMA_VERSION = 1;

const MIGRATIONS: string[] = [
  `CREATE TABLE events (
     camera_id TEXT NOT NULL,
     id TEXT NOT NULL,
     kind TEXT NOT NULL,
     at INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     strength REAL NOT NULL,
     level_dbfs REAL,
     battery REAL,
     thumbnail TEXT,
     clip TEXT,
     clip_bytes INTEGER NOT NULL DEFAULT 0,
     clip_expected INTEGER NOT NULL DEFAULT 0,
     seen INTEGER NOT NULL DEFAULT 0,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (camera_id, id)
   ) WITHOUT ROWID;
   CREATE INDEX events_by_time ON events (camera_id, at);
   CREATE INDEX events_all_by_time ON events (at);
   CREATE TABLE clip_parts (
     camera_id TEXT NOT NULL,
     event_id TEXT NOT NULL,
     offset INTEGER NOT NULL,
     total INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     mime_type TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (camera_id, event_id)
   ) WITHOUT ROWID;
   CREATE TABLE dropped (
     camera_id TEXT NOT NULL,
     event_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     at INTEGER NOT NULL,
     what TEXT NOT NULL,
     reason TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (camera_id, event_id, what)
   ) WITHOUT ROWID;`,
];

type Row = Record<string, SQLInputValue>;

const KINDS = new Set<string>(EVENT_KINDS);

function toEvent(r: Row): EventRow {
  const kind = String(r.kind);
  return {
    cameraId: String(r.camera_id),
    id: String(r.id),
    // The index only ever stores parsed kinds; an unknown one (a newer version's) shows as motion rather than crash.
    kind: (KINDS.has(kind) ? kind : 'motion') as EventKind,
    at: Number(r.at),
    durationMs: Number(r.duration_ms),
    strength: Number(r.strength),
    levelDbfs: r.level_dbfs === null ? null : Number(r.level_dbfs),
    battery: r.battery === null ? null : Number(r.battery),
    thumbnail: r.thumbnail === null ? null : String(r.thumbnail),
    clip: r.clip === null ? null : String(r.clip),
    clipBytes: Number(r.clip_bytes),
    clipExpected: Number(r.clip_expected) === 1,
    seen: Number(r.seen) === 1,
    receivedAt: Number(r.received_at),
  };
}

function toPart(r: Row): PartRow {
  return {
    cameraId: String(r.camera_id),
    eventId: String(r.event_id),
    offset: Number(r.offset),
    total: Number(r.total),
    sha256: String(r.sha256),
    mimeType: String(r.mime_type),
    startedAt: Number(r.started_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The event index over one SQLite file. */
export class EventIndex {
  readonly #db: DatabaseSync;

  /** Open (creating or migrating) the index at `path` (`:memory:` for tests). */
  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL');
    // FULL: a commit is flushed before it returns — the ack to the camera comes after it.
    this.#db.exec('PRAGMA synchronous = FULL');
    this.#db.exec('PRAGMA busy_timeout = 2000');
    this.#migrate();
  }

  /** Store an event; false when it was already there (a camera resending after a lost ack). */
  insertEvent(e: EventRow): boolean {
    const result = this.#db
      .prepare(
        `INSERT OR IGNORE INTO events (camera_id, id, kind, at, duration_ms, strength, level_dbfs, battery, thumbnail, clip, clip_bytes, clip_expected, seen, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(e.cameraId, e.id, e.kind, e.at, e.durationMs, e.strength, e.levelDbfs, e.battery, e.thumbnail, e.clip, e.clipBytes, e.clipExpected ? 1 : 0, e.seen ? 1 : 0, e.receivedAt);
    return Number(result.changes) > 0;
  }

  /** One event, or null. */
  getEvent(cameraId: string, id: string): EventRow | null {
    const r = this.#db.prepare('SELECT * FROM events WHERE camera_id = ? AND id = ?').get(cameraId, id) as Row | undefined;
    return r ? toEvent(r) : null;
  }

  /** A camera's events in [from, to), oldest first, optionally of some kinds only. */
  listEvents(cameraId: string, from: number, to: number, kinds?: readonly EventKind[]): EventRow[] {
    const filter = kinds && kinds.length > 0 ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const rows = this.#db
      .prepare(`SELECT * FROM events WHERE camera_id = ? AND at >= ? AND at < ?${filter} ORDER BY at, id`)
      .all(cameraId, from, to, ...(kinds ?? [])) as Row[];
    return rows.map(toEvent);
  }

  /** Every event's size and age (for retention), oldest first. */
  listForRetention(): Pick<EventRow, 'cameraId' | 'id' | 'at' | 'clip' | 'clipBytes' | 'thumbnail'>[] {
    const rows = this.#db.prepare('SELECT camera_id, id, at, clip, clip_bytes, thumbnail FROM events ORDER BY at, id').all() as Row[];
    return rows.map((r) => ({
      cameraId: String(r.camera_id),
      id: String(r.id),
      at: Number(r.at),
      clip: r.clip === null ? null : String(r.clip),
      clipBytes: Number(r.clip_bytes),
      thumbnail: r.thumbnail === null ? null : String(r.thumbnail),
    }));
  }

  /** Record how long an event lasted (only ever lengthened: a replayed older end message changes nothing). */
  setDuration(cameraId: string, id: string, durationMs: number): void {
    this.#db.prepare('UPDATE events SET duration_ms = MAX(duration_ms, ?) WHERE camera_id = ? AND id = ?').run(durationMs, cameraId, id);
  }

  /** Attach a saved clip to its event. */
  setClip(cameraId: string, id: string, clip: string | null, clipBytes: number): void {
    this.#db.prepare('UPDATE events SET clip = ?, clip_bytes = ? WHERE camera_id = ? AND id = ?').run(clip, clipBytes, cameraId, id);
  }

  /** Mark events as seen (the owner opened them). */
  markSeen(cameraId: string, ids: readonly string[]): void {
    this.#transaction(() => {
      const update = this.#db.prepare('UPDATE events SET seen = 1 WHERE camera_id = ? AND id = ?');
      for (const id of ids) update.run(cameraId, id);
    });
  }

  /** Events not yet seen, per camera. */
  unseenCounts(): Map<string, number> {
    const rows = this.#db.prepare('SELECT camera_id, COUNT(*) AS n FROM events WHERE seen = 0 GROUP BY camera_id').all() as Row[];
    return new Map(rows.map((r) => [String(r.camera_id), Number(r.n)]));
  }

  /** Remove an event's row. */
  deleteEvent(cameraId: string, id: string): void {
    this.#db.prepare('DELETE FROM events WHERE camera_id = ? AND id = ?').run(cameraId, id);
  }

  /** The clip being received for an event, or null. */
  getPart(cameraId: string, eventId: string): PartRow | null {
    const r = this.#db.prepare('SELECT * FROM clip_parts WHERE camera_id = ? AND event_id = ?').get(cameraId, eventId) as Row | undefined;
    return r ? toPart(r) : null;
  }

  /** Every clip being received (to clean up stale `.part` files). */
  listParts(): PartRow[] {
    return (this.#db.prepare('SELECT * FROM clip_parts').all() as Row[]).map(toPart);
  }

  /** Record how much of a clip is confirmed on disk (call only after the bytes were flushed). */
  putPart(p: PartRow): void {
    this.#db
      .prepare(
        `INSERT INTO clip_parts (camera_id, event_id, offset, total, sha256, mime_type, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (camera_id, event_id) DO UPDATE SET offset = excluded.offset, total = excluded.total, sha256 = excluded.sha256,
           mime_type = excluded.mime_type, started_at = excluded.started_at, updated_at = excluded.updated_at`,
      )
      .run(p.cameraId, p.eventId, p.offset, p.total, p.sha256, p.mimeType, p.startedAt, p.updatedAt);
  }

  /** The clip is saved (or abandoned): forget its part, and attach the clip, in one transaction. */
  finishPart(cameraId: string, eventId: string, clip: { path: string; bytes: number } | null): void {
    this.#transaction(() => {
      this.#db.prepare('DELETE FROM clip_parts WHERE camera_id = ? AND event_id = ?').run(cameraId, eventId);
      if (clip) this.setClip(cameraId, eventId, clip.path, clip.bytes);
    });
  }

  /** Remember what a camera dropped (shown to the owner). */
  recordDropped(rows: readonly DroppedRow[]): void {
    this.#transaction(() => {
      const insert = this.#db.prepare(
        'INSERT OR IGNORE INTO dropped (camera_id, event_id, kind, at, what, reason, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const d of rows) insert.run(d.cameraId, d.eventId, d.kind, d.at, d.what, d.reason, d.receivedAt);
    });
  }

  /** What a camera dropped in [from, to). */
  listDropped(cameraId: string, from: number, to: number): DroppedRow[] {
    const rows = this.#db.prepare('SELECT * FROM dropped WHERE camera_id = ? AND at >= ? AND at < ? ORDER BY at').all(cameraId, from, to) as Row[];
    return rows.map((r) => ({
      cameraId: String(r.camera_id),
      eventId: String(r.event_id),
      kind: String(r.kind) as EventKind,
      at: Number(r.at),
      what: String(r.what) === 'clip' ? 'clip' : 'event',
      reason: String(r.reason) as DropReason,
      receivedAt: Number(r.received_at),
    }));
  }

  /** Close the database (checkpointing the WAL). */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #transaction(fn: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #migrate(): void {
    const version = Number((this.#db.prepare('PRAGMA user_version').get() as Row).user_version);
    if (version > SCHEMA_VERSION) throw new Error(`the event index was written by a newer pawcam (schema ${version}); update pawcam`);
    for (let v = version; v < SCHEMA_VERSION; v++) {
      this.#transaction(() => {
        this.#db.exec(MIGRATIONS[v]!);
        this.#db.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }
}
