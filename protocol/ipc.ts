/**
 * The one IPC contract between the viewer (renderer) and the desktop main process. The preload functions, the
 * `window.pawcam` type and main's handlers are all derived from this map, so none can drift. The web viewer
 * implements the same `PawcamApi` with browser storage. Arguments are validated in main through these schemas.
 */
import * as v from 'valibot';
import { EVENT_KINDS, EventMessageSchema, type DetectionSettings } from './event-messages.ts';
import { HexIdSchema, NameSchema, PeerIdSchema } from './schema.ts';

/** A camera the viewer knows. */
export const CameraEntrySchema = v.strictObject({
  id: PeerIdSchema,
  name: NameSchema,
  addedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type CameraEntry = v.InferOutput<typeof CameraEntrySchema>;

/** What the viewer needs to reach the server as itself. */
export const ViewerConfigSchema = v.strictObject({
  /** Base URL of the PeerServer (https://host:port), whose `/peerjs` the viewer registers with. */
  serverUrl: v.pipe(v.string(), v.url(), v.maxLength(2048)),
  viewerId: PeerIdSchema,
  /** Registration token kept with the viewer ID. */
  viewerToken: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  viewerName: NameSchema,
  /** Which shell: the Electron app or the web viewer. */
  shell: v.picklist(['desktop', 'web']),
  /**
   * The server owner's credential, when this viewer holds it (the desktop app for its embedded server; the web
   * viewer after the owner link): it enrolls the viewer itself and mints the enrollment each pairing link carries.
   */
  owner: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)))),
});
export type ViewerConfig = v.InferOutput<typeof ViewerConfigSchema>;

/** Largest snapshot accepted over IPC (a 4K RGBA PNG stays well below this). */
export const MAX_SNAPSHOT_BYTES = 40 * 1024 * 1024;

/** A snapshot to save: the PNG bytes and the camera it shows. */
export const SnapshotRequestSchema = v.strictObject({
  cameraName: NameSchema,
  png: v.pipe(v.instance(Uint8Array), v.check((b) => b.byteLength > 0 && b.byteLength <= MAX_SNAPSHOT_BYTES, 'PNG size out of range')),
});
export type SnapshotRequest = v.InferOutput<typeof SnapshotRequestSchema>;

/** Where a snapshot went, or why it did not. */
export const SnapshotResultSchema = v.variant('ok', [
  v.strictObject({ ok: v.literal(true), path: v.string() }),
  v.strictObject({ ok: v.literal(false), error: v.string() }),
]);
export type SnapshotResult = v.InferOutput<typeof SnapshotResultSchema>;

/** Commands main sends the viewer (from the tray, a global shortcut or the mini window). */
export const ViewerCommandSchema = v.variant('type', [
  v.strictObject({ type: v.literal('watch'), cameraId: PeerIdSchema }),
  v.strictObject({ type: v.literal('snapshot'), cameraId: v.optional(PeerIdSchema) }),
  v.strictObject({ type: v.literal('open-settings') }),
  /** A notification was clicked: show that camera's timeline on the event's day, with the event open. */
  v.strictObject({ type: v.literal('open-event'), cameraId: PeerIdSchema, eventId: HexIdSchema, at: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
]);
export type ViewerCommand = v.InferOutput<typeof ViewerCommandSchema>;

/** Live state of a camera as the viewer sees it (reported to main for the tray). */
export const CameraStateSchema = v.picklist(['unknown', 'offline', 'online', 'watching']);
export type CameraState = v.InferOutput<typeof CameraStateSchema>;

export const CameraStatesSchema = v.pipe(
  v.array(
    v.strictObject({
      id: PeerIdSchema,
      name: NameSchema,
      state: CameraStateSchema,
      /** The camera's last reported battery level 0..1, when it reported one ("camera offline" shows it). */
      battery: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(1)))),
    }),
  ),
  v.maxLength(200),
);
/** Every camera's state as the viewer last knew it (the tray, notifications and "camera offline" use it). */
export type CameraStates = v.InferOutput<typeof CameraStatesSchema>;

/** The user-editable settings the viewer's Settings screen shows (the desktop keeps more, e.g. window places). */
export const ViewerSettingsSchema = v.strictObject({
  /** A remote server, or null for the embedded LAN server (desktop only; takes effect after a restart). */
  serverUrl: v.nullable(v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//i), v.maxLength(2048))),
  /** Pinned SHA-256 fingerprint of a remote server's self-signed certificate (desktop only). */
  serverFingerprint: v.nullable(v.pipe(v.string(), v.maxLength(200))),
  /** The remote server's owner credential (its owner link's 32 hex digits), so this app can enroll (desktop only). */
  serverOwner: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(200)))),
  /** Where snapshots go; null = the desktop folder (desktop only). */
  snapshotFolder: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  /** Global snapshot shortcut (Electron accelerator), null = none (desktop only). */
  snapshotShortcut: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(100))),
  /** Where event clips go; null = the default folder (desktop only: the web viewer keeps no events). */
  clipsFolder: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(4096)))),
  /** Where clips go while `clipsFolder` is null, to show it (desktop only; updateSettings ignores it). */
  defaultClipsFolder: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  /** Events older than this many days are deleted; null = keep them (desktop only). */
  retentionDays: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650)))),
  /** The oldest clips are deleted beyond this many gigabytes; null = no limit (desktop only). */
  retentionGigabytes: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0.1), v.maxValue(100_000)))),
  startAtLogin: v.boolean(),
  notifications: v.boolean(),
  /** Privacy: relay every connection through TURN, so camera and viewer never learn each other's IP address. */
  alwaysRelay: v.boolean(),
  viewerName: NameSchema,
});
export type ViewerSettings = v.InferOutput<typeof ViewerSettingsSchema>;

/** Where phones reach the server the app uses. */
export const ServerInfoSchema = v.strictObject({
  /** True when the desktop runs its own LAN server. */
  embedded: v.boolean(),
  /** URLs to open on the phone (one per LAN address for the embedded server). */
  phoneUrls: v.pipe(v.array(v.pipe(v.string(), v.maxLength(2048))), v.maxLength(32)),
  /** SHA-256 fingerprint of its certificate, to compare with the phone's warning. */
  fingerprint: v.nullable(v.pipe(v.string(), v.maxLength(200))),
  /** Only loopback addresses are known: a phone cannot open any of `phoneUrls` (the viewer warns). */
  loopbackOnly: v.optional(v.boolean()),
  /** The rendezvous URL pairing links must name (`&r=`), when the phone's page comes from another origin. */
  rendezvousUrl: v.optional(v.nullable(v.pipe(v.string(), v.url(), v.maxLength(300)))),
});
export type ServerInfo = v.InferOutput<typeof ServerInfoSchema>;

/** A camera's detection settings, as the desktop keeps them and sends them to the camera when its link opens. */
export const DetectionSettingsSchema = v.pipe(
  EventMessageSchema,
  v.check((m) => m.t === 'detection-settings', 'not detection settings'),
  v.transform((m) => m as DetectionSettings),
);

/** A local calendar day, `YYYY-MM-DD`. */
export const DaySchema = v.pipe(v.string(), v.regex(/^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/));

/** One event on a camera's timeline, as the viewer shows it. */
export const TimelineEventSchema = v.strictObject({
  id: HexIdSchema,
  kind: v.picklist(EVENT_KINDS),
  /** When it happened, ms since the epoch. */
  at: v.pipe(v.number(), v.integer(), v.minValue(0)),
  durationMs: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Battery 0..1 when known ("camera offline" carries the last one). */
  battery: v.nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  /** The thumbnail and clip as app URLs (`pawcam://app/clips/…`), null when there is none. */
  thumbnailUrl: v.nullable(v.pipe(v.string(), v.maxLength(4096))),
  clipUrl: v.nullable(v.pipe(v.string(), v.maxLength(4096))),
  /** The camera said a clip follows and it has not arrived yet. */
  clipPending: v.boolean(),
  seen: v.boolean(),
});
export type TimelineEvent = v.InferOutput<typeof TimelineEventSchema>;

/** Most events one day's timeline lists. */
export const MAX_TIMELINE_EVENTS = 5000;

/** A camera's event preferences: its detection settings (sent to it) and the kinds that raise no alert. */
export const EventPrefsSchema = v.strictObject({
  detection: DetectionSettingsSchema,
  mutedKinds: v.pipe(v.array(v.picklist(EVENT_KINDS)), v.maxLength(EVENT_KINDS.length)),
});
export type EventPrefs = v.InferOutput<typeof EventPrefsSchema>;

/** Unseen events per camera ID. */
export const UnseenCountsSchema = v.pipe(
  v.record(PeerIdSchema, v.pipe(v.number(), v.integer(), v.minValue(0))),
  v.check((r) => Object.keys(r).length <= 200, 'too many cameras'),
);

/** Where a file went (and was opened), or why it did not. */
export const FileResultSchema = SnapshotResultSchema;

/** Most replies one event message gets (today one at most: an ack). */
export const MAX_EVENT_REPLIES = 4;

/** Channel name → argument tuple and result, for every renderer → main call. */
export const ipcContract = {
  getConfig: { channel: 'viewer:get-config', args: v.tuple([]), result: ViewerConfigSchema },
  listCameras: { channel: 'cameras:list', args: v.tuple([]), result: v.array(CameraEntrySchema) },
  saveCameras: { channel: 'cameras:save', args: v.tuple([v.pipe(v.array(CameraEntrySchema), v.maxLength(200))]), result: v.null() },
  reportCameraStates: { channel: 'cameras:report-states', args: v.tuple([CameraStatesSchema]), result: v.null() },
  saveSnapshot: { channel: 'snapshot:save', args: v.tuple([SnapshotRequestSchema]), result: SnapshotResultSchema },
  openMiniWindow: { channel: 'window:open-mini', args: v.tuple([PeerIdSchema]), result: v.null() },
  openMainWindow: { channel: 'window:open-main', args: v.tuple([]), result: v.null() },
  closeWindow: { channel: 'window:close', args: v.tuple([]), result: v.null() },
  /** Store a camera's pair key (main encrypts it at rest with safeStorage). */
  savePairKey: {
    channel: 'pairing:save-key',
    args: v.tuple([PeerIdSchema, v.pipe(v.instance(Uint8Array), v.length(32))]),
    result: v.null(),
  },
  /**
   * HMAC-SHA-256 (base64url) of `data` with a camera's pair key, or null when not paired. The key never leaves main:
   * a compromised renderer can use it while it runs, but cannot carry it away.
   */
  macWithPairKey: {
    channel: 'pairing:mac',
    args: v.tuple([PeerIdSchema, v.pipe(v.instance(Uint8Array), v.maxLength(256 * 1024))]),
    result: v.nullable(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/))),
  },
  /** Forget a camera's pair key. */
  deletePairKey: { channel: 'pairing:delete-key', args: v.tuple([PeerIdSchema]), result: v.null() },
  getSettings: { channel: 'settings:get', args: v.tuple([]), result: ViewerSettingsSchema },
  updateSettings: { channel: 'settings:update', args: v.tuple([v.partial(ViewerSettingsSchema)]), result: ViewerSettingsSchema },
  /** Let the user pick the snapshot folder (a native dialog on desktop); null when cancelled. */
  chooseSnapshotFolder: { channel: 'settings:choose-snapshot-folder', args: v.tuple([]), result: v.nullable(v.string()) },
  /** Let the user pick the event clips folder in a native dialog; null when cancelled. Desktop only. */
  chooseClipsFolder: { channel: 'settings:choose-clips-folder', args: v.tuple([]), result: v.nullable(v.string()) },
  getServerInfo: { channel: 'server:info', args: v.tuple([]), result: ServerInfoSchema },
  /** The mini window keeps the camera's aspect ratio (width / height). */
  setAspectRatio: {
    channel: 'window:set-aspect-ratio',
    args: v.tuple([v.pipe(v.number(), v.minValue(0.25), v.maxValue(4))]),
    result: v.null(),
  },
  openExternal: {
    channel: 'shell:open-external',
    args: v.tuple([v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//i), v.maxLength(2048))]),
    result: v.null(),
  },
  /**
   * An event message a camera sent over its link (the viewer authenticated the camera with its pair key). Main stores
   * it (index, clips) and resolves to the replies for the viewer to send back to that camera, in order (an ack only
   * after the commit). Refused for a camera not in the list, and from the mini window. Desktop only.
   */
  handleEventMessage: {
    channel: 'events:handle-message',
    args: v.tuple([PeerIdSchema, EventMessageSchema]),
    result: v.pipe(v.array(EventMessageSchema), v.maxLength(MAX_EVENT_REPLIES)),
  },
  /**
   * The detection settings to send a camera when its link opens (a `detection-settings` message). A camera delivers
   * its stored events only to a viewer that sent them, so only the desktop asks. Desktop only.
   */
  getDetectionSettings: { channel: 'events:detection-settings', args: v.tuple([PeerIdSchema]), result: DetectionSettingsSchema },
  /** A camera's events of one local day, oldest first, optionally only some kinds (null = all). Desktop only. */
  listEvents: {
    channel: 'events:list',
    args: v.tuple([PeerIdSchema, DaySchema, v.nullable(v.pipe(v.array(v.picklist(EVENT_KINDS)), v.maxLength(EVENT_KINDS.length)))]),
    result: v.pipe(v.array(TimelineEventSchema), v.maxLength(MAX_TIMELINE_EVENTS)),
  },
  /** Delete an event with its clip and thumbnail. Desktop only. */
  deleteEvent: { channel: 'events:delete', args: v.tuple([PeerIdSchema, HexIdSchema]), result: v.null() },
  /** The owner has seen these events (the tray's unseen count drops). Desktop only. */
  markEventsSeen: {
    channel: 'events:mark-seen',
    args: v.tuple([PeerIdSchema, v.pipe(v.array(HexIdSchema), v.maxLength(MAX_TIMELINE_EVENTS))]),
    result: v.null(),
  },
  /** Write a camera's report of one day next to its clips and open it in the system's browser. Desktop only. */
  openDailyReport: { channel: 'events:open-report', args: v.tuple([PeerIdSchema, DaySchema]), result: FileResultSchema },
  /** A camera's event preferences. Desktop only. */
  getEventPrefs: { channel: 'events:get-prefs', args: v.tuple([PeerIdSchema]), result: EventPrefsSchema },
  /**
   * Save a camera's event preferences; resolves to what was saved. The viewer then sends the detection settings to
   * the camera over its open link (getDetectionSettings answers the new ones from then on). Desktop only.
   */
  setEventPrefs: { channel: 'events:set-prefs', args: v.tuple([PeerIdSchema, EventPrefsSchema]), result: EventPrefsSchema },
  /** How many events nobody has looked at yet, per camera (cameras without any are left out). Desktop only. */
  unseenEventCounts: { channel: 'events:unseen-counts', args: v.tuple([]), result: UnseenCountsSchema },
} as const;

/** Main → renderer events, pushed on these channels. */
export const ipcEvents = {
  onCommand: { channel: 'viewer:command', payload: ViewerCommandSchema },
} as const;

export type IpcContract = typeof ipcContract;
export type IpcMethod = keyof IpcContract;

/**
 * Calls only the desktop shell answers: the events store and its clips folder live in desktop main. The web viewer
 * leaves them out, so it never sends detection settings and never drains a camera's stored events (the desktop gets
 * them).
 */
export const DESKTOP_ONLY_METHODS = [
  'handleEventMessage',
  'getDetectionSettings',
  'listEvents',
  'deleteEvent',
  'markEventsSeen',
  'openDailyReport',
  'getEventPrefs',
  'setEventPrefs',
  'unseenEventCounts',
  'chooseClipsFolder',
] as const satisfies readonly IpcMethod[];
export type DesktopOnlyMethod = (typeof DESKTOP_ONLY_METHODS)[number];

type IpcCall<K extends IpcMethod> = (...args: v.InferInput<IpcContract[K]['args']>) => Promise<v.InferOutput<IpcContract[K]['result']>>;

/** The API the viewer calls: `window.pawcam` in Electron, a browser implementation in the web viewer. */
export type PawcamApi = {
  [K in Exclude<IpcMethod, DesktopOnlyMethod>]: IpcCall<K>;
} & {
  [K in DesktopOnlyMethod]?: IpcCall<K>;
} & {
  [K in keyof typeof ipcEvents]: (listener: (payload: v.InferOutput<(typeof ipcEvents)[K]['payload']>) => void) => () => void;
};
