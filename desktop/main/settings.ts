/**
 * Settings: one JSON file in the user-data folder, validated by a schema, written atomically (temp file + rename).
 * A damaged file is kept as `settings.corrupt-<ts>.json`; the app starts with defaults (keeping every field that
 * still parses) and says so.
 */
import { copyFile, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { EVENT_KINDS } from '../../protocol/event-messages.ts';
import { CameraEntrySchema, DetectionSettingsSchema } from '../../protocol/ipc.ts';
import { newRegistrationToken, newViewerId, viewerBaseId } from '../../protocol/ids.ts';
import { createLogger } from '../../protocol/log.ts';
import { NameSchema, PeerIdSchema } from '../../protocol/schema.ts';
import { timestampForFile, writeFileAtomic } from './atomic-file.ts';

const log = createLogger('settings');

/** The settings file's name inside the user-data folder. */
export const SETTINGS_FILE = 'settings.json';

/** Default global shortcut for a snapshot (Ctrl/Cmd+Shift+S is "Save as" in too many apps to steal it). */
export const DEFAULT_SNAPSHOT_SHORTCUT = 'CommandOrControl+Alt+P';

const IntSchema = v.pipe(v.number(), v.integer(), v.minValue(-1_000_000), v.maxValue(1_000_000));

/** A window rectangle in screen coordinates (DIP). */
export const BoundsSchema = v.strictObject({
  x: IntSchema,
  y: IntSchema,
  width: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
  height: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
});
export type Bounds = v.InferOutput<typeof BoundsSchema>;

/** Where a window was, remembered per display (keyed by display id) plus the display it was last on. */
export const WindowPlacementSchema = v.strictObject({
  lastDisplayId: v.optional(v.pipe(v.string(), v.maxLength(64))),
  byDisplay: v.pipe(v.record(v.pipe(v.string(), v.maxLength(64)), BoundsSchema), v.check((r) => Object.keys(r).length <= 32)),
});
export type WindowPlacement = v.InferOutput<typeof WindowPlacementSchema>;

const emptyPlacement = (): WindowPlacement => ({ byDisplay: {} });

/** Room left in a peer ID for a sub-ID tag (`_mini`). */
const MAX_SUB_ID_TAG = 8;

/** An Electron accelerator as settings accept it (whether the system can register it is checked when applied). */
export const AcceleratorSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(100), v.regex(/^[A-Za-z0-9+\-=[\]\\;',./`]+$/));

/** Default retention of events and clips. */
export const DEFAULT_RETENTION = { maxDays: 30, maxGigabytes: 20 } as const;

/** Events (motion, sound, clips): where clips go, how long they stay, what each camera detects. */
export const EventSettingsSchema = v.strictObject({
  /** Absolute folder for clips, thumbnails and daily reports; null = `pawcam` in the user's Videos folder. */
  clipsFolder: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  /** Events older than this many days go; null = keep them. */
  retentionDays: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650))),
  /** Oldest clips go beyond this size; null = no limit. */
  retentionGigabytes: v.nullable(v.pipe(v.number(), v.minValue(0.1), v.maxValue(100_000))),
  /** Per camera: its detection and alert settings (a camera without an entry gets the defaults). */
  detection: v.pipe(v.record(PeerIdSchema, DetectionSettingsSchema), v.check((r) => Object.keys(r).length <= 200, 'too many cameras')),
  /** Per camera: the kinds of event it never notifies about. */
  mutedKinds: v.pipe(
    v.record(PeerIdSchema, v.pipe(v.array(v.picklist(EVENT_KINDS)), v.maxLength(EVENT_KINDS.length))),
    v.check((r) => Object.keys(r).length <= 200, 'too many cameras'),
  ),
});
export type EventSettings = v.InferOutput<typeof EventSettingsSchema>;

/** Every setting, each with its default. Unknown keys (from a newer version) are dropped. */
export const SettingsSchema = v.object({
  /** A remote PeerServer; null = start the embedded server (zero-setup LAN mode). */
  serverUrl: v.optional(v.nullable(v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//i), v.maxLength(2048))), null),
  /** SHA-256 fingerprint to pin for a remote server with a self-signed certificate. */
  serverFingerprint: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(200))), null),
  /** The remote server's owner credential (32 hex digits): the viewer enrolls itself and mints pairing enrollments. */
  serverOwner: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/))), null),
  /**
   * Without `_`: the mini window registers as `viewerSubId(viewerId, 'mini')`, and the camera finds the pairing by
   * the part before the first `_`. Short enough that the sub-ID still fits a peer ID.
   */
  viewerId: v.optional(
    v.pipe(PeerIdSchema, v.maxLength(64 - MAX_SUB_ID_TAG), v.check((id) => viewerBaseId(id) === id, 'a viewer ID has no `_`')),
    () => newViewerId(),
  ),
  viewerToken: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)), () => newRegistrationToken()),
  viewerName: v.optional(NameSchema, 'pawcam desktop'),
  cameras: v.optional(v.pipe(v.array(CameraEntrySchema), v.maxLength(200)), () => []),
  /** Absolute folder for snapshots; null = the desktop folder. */
  snapshotFolder: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))), null),
  shortcuts: v.optional(v.strictObject({ snapshot: v.nullable(AcceleratorSchema) }), () => ({ snapshot: DEFAULT_SNAPSHOT_SHORTCUT })),
  startAtLogin: v.optional(v.boolean(), false),
  notifications: v.optional(v.boolean(), true),
  /** Privacy: relay every connection through TURN (camera and viewer never learn each other's address). */
  alwaysRelay: v.optional(v.boolean(), false),
  events: v.optional(EventSettingsSchema, () => ({
    clipsFolder: null,
    retentionDays: DEFAULT_RETENTION.maxDays,
    retentionGigabytes: DEFAULT_RETENTION.maxGigabytes,
    detection: {},
    mutedKinds: {},
  })),
  windows: v.optional(v.strictObject({ main: WindowPlacementSchema, mini: WindowPlacementSchema }), () => ({
    main: emptyPlacement(),
    mini: emptyPlacement(),
  })),
});
export type Settings = v.InferOutput<typeof SettingsSchema>;

/** Fresh defaults (a new viewer identity each call). */
export function defaultSettings(): Settings {
  return v.parse(SettingsSchema, {});
}

/** What loading found. */
export interface LoadedSettings {
  settings: Settings;
  /** A human notice when the file was damaged (the user should be told once). */
  notice?: string;
  /** Where the damaged file was kept. */
  backupPath?: string;
}

/**
 * Parse a settings text. Fields that fail their schema fall back to their defaults (so one bad field does not
 * cost the viewer its identity and camera list); `damaged` lists them, or says the file was not JSON at all.
 */
export function parseSettingsText(text: string): { settings: Settings; damaged: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { settings: defaultSettings(), damaged: ['(not JSON)'] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { settings: defaultSettings(), damaged: ['(not an object)'] };
  }
  const record = raw as Record<string, unknown>;
  const salvaged: Record<string, unknown> = {};
  const damaged: string[] = [];
  for (const [key, schema] of Object.entries(SettingsSchema.entries)) {
    const result = v.safeParse(schema, record[key]);
    if (result.success) salvaged[key] = result.output;
    else damaged.push(key);
  }
  return { settings: v.parse(SettingsSchema, salvaged), damaged };
}

/** Load settings from `dir`; never throws for a damaged file (it is backed up and replaced). */
export async function loadSettings(dir: string, now: () => number = Date.now): Promise<LoadedSettings> {
  const file = join(dir, SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const settings = defaultSettings();
      await writeSettingsFile(dir, settings);
      return { settings };
    }
    throw error;
  }
  const { settings, damaged } = parseSettingsText(text);
  if (damaged.length === 0) return { settings };

  const backupPath = join(dir, `settings.corrupt-${timestampForFile(now())}.json`);
  try {
    await rename(file, backupPath);
  } catch {
    await copyFile(file, backupPath);
  }
  await writeSettingsFile(dir, settings);
  log.warn('settings file was damaged; kept a backup and reset the damaged fields', { damaged, backupPath });
  const what = damaged[0]?.startsWith('(') ? 'pawcam started with default settings' : `these settings were reset: ${damaged.join(', ')}`;
  return { settings, backupPath, notice: `Your settings file was damaged, so ${what}. The old file was kept as ${backupPath}.` };
}

/** Write settings atomically (temp file + rename). */
export async function writeSettingsFile(dir: string, settings: Settings): Promise<void> {
  await writeFileAtomic(join(dir, SETTINGS_FILE), `${JSON.stringify(settings, null, 2)}\n`);
}

/** Listener for settings changes. */
export type SettingsListener = (settings: Settings, previous: Settings) => void;

/** The live settings: read synchronously, updated through `update`, persisted one write at a time. */
export class SettingsStore {
  readonly #dir: string;
  #settings: Settings;
  #writing: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<SettingsListener>();

  constructor(dir: string, settings: Settings) {
    this.#dir = dir;
    this.#settings = settings;
  }

  /** The current settings (treat as read-only). */
  get(): Settings {
    return this.#settings;
  }

  /** Apply a change, validate the result, persist it; resolves when written. Throws on an invalid result. */
  async update(change: Partial<Settings> | ((current: Settings) => Partial<Settings>)): Promise<Settings> {
    const previous = this.#settings;
    const patch = typeof change === 'function' ? change(previous) : change;
    const next = v.parse(SettingsSchema, { ...previous, ...patch });
    this.#settings = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next, previous);
      } catch (error) {
        log.error('settings listener threw', { error: String(error) });
      }
    }
    const write = this.#writing.then(() => writeSettingsFile(this.#dir, this.#settings));
    this.#writing = write.catch((error: unknown) => log.error('could not save settings', { error: String(error) }));
    await write;
    return next;
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Wait for pending writes (before quitting). */
  flush(): Promise<void> {
    return this.#writing;
  }
}

/** Load (or create) the settings in `userDataDir`; `onNotice` hears about a damaged file. */
export async function setupSettings(deps: {
  userDataDir: string;
  onNotice?: (notice: string) => void;
  now?: () => number;
}): Promise<SettingsStore> {
  const loaded = await loadSettings(deps.userDataDir, deps.now);
  if (loaded.notice) deps.onNotice?.(loaded.notice);
  return new SettingsStore(deps.userDataDir, loaded.settings);
}
