/**
 * The one IPC contract between the viewer (renderer) and the desktop main process. The preload functions, the
 * `window.pawcam` type and main's handlers are all derived from this map, so none can drift. The web viewer
 * implements the same `PawcamApi` with browser storage. Arguments are validated in main through these schemas.
 */
import * as v from 'valibot';
import { NameSchema, PeerIdSchema } from './schema.ts';

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
]);
export type ViewerCommand = v.InferOutput<typeof ViewerCommandSchema>;

/** Live state of a camera as the viewer sees it (reported to main for the tray). */
export const CameraStateSchema = v.picklist(['unknown', 'offline', 'online', 'watching']);
export type CameraState = v.InferOutput<typeof CameraStateSchema>;

export const CameraStatesSchema = v.pipe(
  v.array(v.strictObject({ id: PeerIdSchema, name: NameSchema, state: CameraStateSchema })),
  v.maxLength(200),
);

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
  openExternal: {
    channel: 'shell:open-external',
    args: v.tuple([v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//i), v.maxLength(2048))]),
    result: v.null(),
  },
} as const;

/** Main → renderer events, pushed on these channels. */
export const ipcEvents = {
  onCommand: { channel: 'viewer:command', payload: ViewerCommandSchema },
} as const;

export type IpcContract = typeof ipcContract;
export type IpcMethod = keyof IpcContract;

/** The API the viewer calls: `window.pawcam` in Electron, a browser implementation in the web viewer. */
export type PawcamApi = {
  [K in IpcMethod]: (...args: v.InferInput<IpcContract[K]['args']>) => Promise<v.InferOutput<IpcContract[K]['result']>>;
} & {
  [K in keyof typeof ipcEvents]: (listener: (payload: v.InferOutput<(typeof ipcEvents)[K]['payload']>) => void) => () => void;
};
