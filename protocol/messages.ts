/** Data-channel messages between camera and viewer (status, controls, events), parsed from `unknown`. */
import * as v from 'valibot';
import { NameSchema, parseJsonWith, type Parsed } from './schema.ts';
import { frameText } from './utf8.ts';

/** Camera → viewer, first message on a new data channel. */
const HelloSchema = v.strictObject({ t: v.literal('hello'), name: NameSchema });

/** Quality presets the viewer can ask for (applied without renegotiation: track constraints + encoder limits). */
export const QUALITY_PRESETS = {
  '360p15': { width: 640, height: 360, fps: 15, maxBitrate: 500_000 },
  '720p30': { width: 1280, height: 720, fps: 30, maxBitrate: 1_800_000 },
  '1080p30': { width: 1920, height: 1080, fps: 30, maxBitrate: 3_500_000 },
} as const;
export type QualityPreset = keyof typeof QUALITY_PRESETS;
const QualitySchema = v.picklist(Object.keys(QUALITY_PRESETS) as [QualityPreset, ...QualityPreset[]]);

/** Viewer → camera: a camera control. */
const ControlSchema = v.strictObject({
  t: v.literal('control'),
  /** Echoed in the result. */
  id: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31)),
  action: v.variant('type', [
    v.strictObject({ type: v.literal('switch-camera') }),
    v.strictObject({ type: v.literal('quality'), preset: QualitySchema }),
    v.strictObject({ type: v.literal('torch'), on: v.boolean() }),
    v.strictObject({ type: v.literal('chime') }),
  ]),
});

/** Camera → viewer: how a control went. */
const ControlResultSchema = v.strictObject({
  t: v.literal('control-result'),
  id: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31)),
  ok: v.boolean(),
  error: v.optional(v.pipe(v.string(), v.maxLength(300))),
});

/**
 * Viewer → camera: the viewer's name, sent when the data channel opens and after a rename, so a rename reaches
 * existing pairings (the camera lists viewers under Revoke by name). Over the authenticated channel only.
 */
const ViewerNameSchema = v.strictObject({ t: v.literal('viewer-name'), name: NameSchema });

/**
 * Viewer → camera: what this session carries. `standby`: the standby link's slow thumbnail, no sound (the camera
 * list); `live`: the full picture and sound (Watch). Switched on the negotiated lines, without a new offer.
 */
const LinkSchema = v.strictObject({ t: v.literal('link'), mode: v.picklist(['standby', 'live']) });
export type LinkMode = 'standby' | 'live';

/** Viewer → camera: the owner started/stopped talking (the camera page shows it). */
const TalkSchema = v.strictObject({ t: v.literal('talk'), on: v.boolean() });

const Int = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));

/** Camera → viewer, every few seconds and on change. `null` = the browser does not tell / the phone cannot. */
const StatusSchema = v.strictObject({
  t: v.literal('status'),
  battery: v.nullable(v.strictObject({ level: v.pipe(v.number(), v.minValue(0), v.maxValue(1)), charging: v.boolean() })),
  video: v.nullable(v.strictObject({ width: Int(10_000), height: Int(10_000), fps: v.pipe(v.number(), v.minValue(0), v.maxValue(1000)) })),
  quality: QualitySchema,
  facing: v.nullable(v.picklist(['user', 'environment'])),
  /** Torch state; null when the camera has no torch. */
  torch: v.nullable(v.boolean()),
  uptimeSec: Int(10 * 365 * 86_400),
  wakeLock: v.boolean(),
  /** The page is hidden: the OS may stop it soon. */
  hidden: v.boolean(),
});

/**
 * Every data-channel message. Compatibility between versions is per kind (`t`): a kind this version knows is parsed
 * strictly (a field too many or too few is malformed), and a kind it does not know is a newer peer's, ignored
 * without an error (`newerKind`). So a change to a message's shape ships as a new kind, which older peers skip.
 */
export const DataMessageSchema = v.variant('t', [HelloSchema, ControlSchema, ControlResultSchema, TalkSchema, StatusSchema, ViewerNameSchema, LinkSchema]);

/** The kinds this version knows. */
const KNOWN_KINDS: ReadonlySet<string> = new Set(DataMessageSchema.options.map((o) => o.entries.t.literal));

/** How one frame parsed: a message, or why not; `newerKind` when it is a kind only a newer peer sends. */
export type DataParse = { ok: true; value: DataMessage } | { ok: false; error: string; newerKind?: string };
export type ControlMessage = v.InferOutput<typeof ControlSchema>;
export type CameraStatus = v.InferOutput<typeof StatusSchema>;
export type DataMessage = v.InferOutput<typeof DataMessageSchema>;

/** Largest data-channel message we accept, in characters. */
export const MAX_DATA_MESSAGE_CHARS = 16_384;

/** Parse one data-channel message (a JSON text frame, or its UTF-8 bytes). */
export function parseDataMessage(input: unknown): DataParse {
  // simple-peer hands data-channel frames over as bytes.
  const text = frameText(input);
  if (typeof text === 'string' && text.length > MAX_DATA_MESSAGE_CHARS) return { ok: false, error: '(root): too long' };
  const parsed: Parsed<DataMessage> = parseJsonWith(DataMessageSchema, text);
  if (parsed.ok) return parsed;
  const kind = kindOf(text);
  return kind !== null && !KNOWN_KINDS.has(kind) ? { ok: false, error: parsed.error, newerKind: kind } : parsed;
}

/** The `t` of a JSON object frame, if it looks like a kind name. */
export function kindOf(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const t = (value as Record<string, unknown>)['t'];
    return typeof t === 'string' && /^[a-z][a-z0-9-]{0,39}$/.test(t) ? t : null;
  } catch {
    return null;
  }
}

/** Serialise a data-channel message. */
export function encodeDataMessage(message: DataMessage): string {
  return JSON.stringify(message);
}
