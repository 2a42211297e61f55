/**
 * Event messages on the standby data channel: the camera's motion and sound events, their clips in
 * chunks that resume after a break, the desktop's acknowledgements, what the camera had to drop, and the detection
 * settings the viewer sends to the camera. Everything is parsed from `unknown` with bounded sizes: a data channel
 * is a wire, and a paired-but-buggy (or compromised) peer must not make the other side allocate without limit.
 */
import * as v from 'valibot';
import { HexIdSchema, parseJsonWith, type Parsed } from './schema.ts';
import { frameText } from './utf8.ts';

/** What the camera detects. Sound labels name a pattern, not an animal: a heuristic is not a bark detector. */
export const CAMERA_EVENT_KINDS = ['motion', 'barking-like', 'howling-like', 'loud-sound'] as const;
export type CameraEventKind = (typeof CAMERA_EVENT_KINDS)[number];

/** Every kind of event the owner sees: the camera's, plus "camera offline" which the desktop makes itself. */
export const EVENT_KINDS = [...CAMERA_EVENT_KINDS, 'camera-offline'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Largest clip the desktop accepts (30 s at a few Mbit/s, with room). */
export const MAX_CLIP_BYTES = 32 * 1024 * 1024;
/** Bytes of clip per chunk: base64 of it stays under the 16 KiB that every browser's data channel delivers whole. */
export const CLIP_CHUNK_BYTES = 11 * 1024;
/** Largest thumbnail (a small JPEG), in base64 characters. */
export const MAX_THUMBNAIL_CHARS = 12_000;
/** Largest event message we accept, in characters. */
export const MAX_EVENT_MESSAGE_CHARS = 20_000;
/** Most items one dropped-notice lists (older drops are summed in `more`). */
export const MAX_DROPPED_ITEMS = 100;

const Int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
/** Milliseconds since the epoch, between 2001 and 2286. */
const TimestampSchema = Int(1e12, 1e13 - 1);
const EventIdSchema = HexIdSchema;
const Sha256Schema = v.pipe(v.string(), v.length(64), v.regex(/^[0-9a-f]+$/));
const Base64Schema = (maxChars: number) =>
  v.pipe(
    v.string(),
    v.maxLength(maxChars),
    v.regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not base64'),
  );
/** What MediaRecorder makes on the browsers we support (WebM on Chrome/Firefox, MP4 on Safari). */
const ClipMimeSchema = v.pipe(v.string(), v.maxLength(100), v.regex(/^video\/(?:webm|mp4)(?:;[ -~]*)?$/, 'not a WebM or MP4 type'));

/** Camera → desktop: something happened. */
const EventSchema = v.strictObject({
  t: v.literal('event'),
  id: EventIdSchema,
  kind: v.picklist(CAMERA_EVENT_KINDS),
  /** When it was detected (camera clock). */
  at: TimestampSchema,
  /** How long it lasted, as far as the camera knew when it sent this. */
  durationMs: Int(0, 3_600_000),
  /** 0..1: motion = share of the picture that changed; sound = how far above the noise floor, scaled. */
  strength: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  /** Loudness of a sound event, dBFS. */
  levelDbfs: v.nullable(v.pipe(v.number(), v.minValue(-200), v.maxValue(0))),
  /** A small JPEG of the moment, base64 (null when none could be taken). */
  thumbnail: v.nullable(Base64Schema(MAX_THUMBNAIL_CHARS)),
  /** A clip of this event follows in clip-chunk messages. */
  clip: v.boolean(),
});

/** Camera → desktop: an event sent when it began is over; how long it lasted (the report counts motion minutes). */
const EventEndSchema = v.strictObject({ t: v.literal('event-end'), id: EventIdSchema, durationMs: Int(0, 3_600_000) });

/** Camera → desktop: part of an event's clip, starting at byte `offset` of `total`. */
const ClipChunkSchema = v.pipe(
  v.strictObject({
    t: v.literal('clip-chunk'),
    eventId: EventIdSchema,
    offset: Int(0, MAX_CLIP_BYTES - 1),
    total: Int(1, MAX_CLIP_BYTES),
    /** SHA-256 of the whole clip, hex: the desktop keeps the file only if it matches. */
    sha256: Sha256Schema,
    mimeType: ClipMimeSchema,
    /** Time of the clip's first frame (before the event: pre-roll). */
    startedAt: TimestampSchema,
    data: v.pipe(Base64Schema(Math.ceil(CLIP_CHUNK_BYTES / 3) * 4), v.minLength(4)),
  }),
  v.check((c) => c.offset + base64Bytes(c.data) <= c.total, 'chunk runs past the clip total'),
);

/** Desktop → camera: the event (or its end) is stored (the camera may forget it). */
const EventAckSchema = v.strictObject({ t: v.literal('event-ack'), id: EventIdSchema });

/**
 * Desktop → camera, about a clip:
 * - `stored`: bytes [0, offset) are on disk (the camera may send on from there);
 * - `resume`: the chunk did not start where the desktop's copy ends; send from `offset`;
 * - `complete`: the whole clip is saved and its hash matched (the camera may forget it);
 * - `corrupt`: the assembled clip did not match its hash; the desktop threw it away; send again from 0.
 */
export const CLIP_ACK_STATUSES = ['stored', 'resume', 'complete', 'corrupt'] as const;
export type ClipAckStatus = (typeof CLIP_ACK_STATUSES)[number];
const ClipAckSchema = v.strictObject({
  t: v.literal('clip-ack'),
  eventId: EventIdSchema,
  offset: Int(0, MAX_CLIP_BYTES),
  status: v.picklist(CLIP_ACK_STATUSES),
});

/** Why the camera dropped something. */
export const DROP_REASONS = ['quota', 'corrupt', 'too-large'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Camera → desktop: what it had to throw away before any desktop got it (the owner is told). */
const DroppedNoticeSchema = v.strictObject({
  t: v.literal('events-dropped'),
  items: v.pipe(
    v.array(
      v.strictObject({
        eventId: EventIdSchema,
        kind: v.picklist(CAMERA_EVENT_KINDS),
        at: TimestampSchema,
        /** `clip`: the event arrived but its clip was dropped; `event`: both were. */
        what: v.picklist(['event', 'clip']),
        reason: v.picklist(DROP_REASONS),
      }),
    ),
    v.maxLength(MAX_DROPPED_ITEMS),
  ),
  /** Drops not listed (the list is bounded). */
  more: Int(0, 1e9),
  /** The camera's running count of drops up to this notice; the desktop echoes it in its ack. */
  upTo: Int(0, 1e9),
});

/** Desktop → camera: the notice was shown; the camera clears those entries. */
const DroppedAckSchema = v.strictObject({ t: v.literal('events-dropped-ack'), upTo: Int(0, 1e9) });

/** Motion zones: a grid over the picture, row by row, `1` = watched. */
const ZonesSchema = v.pipe(
  v.strictObject({ cols: Int(1, 32), rows: Int(1, 32), cells: v.pipe(v.string(), v.maxLength(1024), v.regex(/^[01]+$/)) }),
  v.check((z) => z.cells.length === z.cols * z.rows, 'cells must hold cols × rows digits'),
  v.check((z) => z.cells.includes('1'), 'at least one cell must be watched'),
);
export type MotionZones = v.InferOutput<typeof ZonesSchema>;

const MinuteOfDay = Int(0, 1439);

/** Viewer → camera (and kept by the desktop): how detection and alerts behave for one camera. */
const DetectionSettingsSchema = v.strictObject({
  t: v.literal('detection-settings'),
  motion: v.strictObject({
    enabled: v.boolean(),
    /** 1 (only big movement) .. 100 (the slightest). */
    sensitivity: Int(1, 100),
    zones: v.nullable(ZonesSchema),
    minDurationMs: Int(0, 10_000),
  }),
  sound: v.strictObject({ enabled: v.boolean(), sensitivity: Int(1, 100) }),
  /** Least time between two events of one kind from this camera. */
  cooldownSec: Int(0, 3600),
  /** Alerts are held in this local-time window (detection and recording go on); may wrap midnight. */
  quietHours: v.nullable(v.strictObject({ startMinute: MinuteOfDay, endMinute: MinuteOfDay })),
});

/**
 * Viewer → camera: send me (`on`) or stop sending me each new `event` as it is detected, thumbnail included, for a
 * notification while the viewer is open (the web viewer). Notices are copies: not acknowledged, never taken from the
 * outbox's backlog, and not sent to the collecting viewer, which gets the event itself. Lasts as long as the session.
 */
const EventNoticesSchema = v.strictObject({ t: v.literal('event-notices'), on: v.boolean() });

/** Every event message. */
export const EventMessageSchema = v.variant('t', [
  EventSchema,
  EventEndSchema,
  ClipChunkSchema,
  EventAckSchema,
  ClipAckSchema,
  DroppedNoticeSchema,
  DroppedAckSchema,
  DetectionSettingsSchema,
  EventNoticesSchema,
]);
export type EventMessage = v.InferOutput<typeof EventMessageSchema>;
export type CameraEventMessage = v.InferOutput<typeof EventSchema>;
export type EventEndMessage = v.InferOutput<typeof EventEndSchema>;
export type ClipChunkMessage = v.InferOutput<typeof ClipChunkSchema>;
export type ClipAckMessage = v.InferOutput<typeof ClipAckSchema>;
export type DroppedNoticeMessage = v.InferOutput<typeof DroppedNoticeSchema>;
export type DroppedItem = DroppedNoticeMessage['items'][number];
export type DetectionSettings = v.InferOutput<typeof DetectionSettingsSchema>;
export type EventNoticesMessage = v.InferOutput<typeof EventNoticesSchema>;

/** Sensible defaults for a new camera. */
export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  t: 'detection-settings',
  motion: { enabled: true, sensitivity: 50, zones: null, minDurationMs: 500 },
  sound: { enabled: true, sensitivity: 50 },
  cooldownSec: 60,
  quietHours: null,
};

/** Is this message type one of ours (so a channel carrying several families can route it)? */
export function isEventMessageType(t: unknown): boolean {
  return typeof t === 'string' && EVENT_MESSAGE_TYPES.has(t);
}
const EVENT_MESSAGE_TYPES = new Set(['event', 'event-end', 'clip-chunk', 'event-ack', 'clip-ack', 'events-dropped', 'events-dropped-ack', 'detection-settings', 'event-notices']);

/** Parse one event message (a JSON text frame, or its UTF-8 bytes). */
export function parseEventMessage(input: unknown): Parsed<EventMessage> {
  const text = frameText(input);
  if (typeof text === 'string' && text.length > MAX_EVENT_MESSAGE_CHARS) return { ok: false, error: '(root): too long' };
  return parseJsonWith(EventMessageSchema, text);
}

/** Serialise an event message. */
export function encodeEventMessage(message: EventMessage): string {
  return JSON.stringify(message);
}

/** How many bytes a (valid) base64 text decodes to. */
export function base64Bytes(text: string): number {
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - pad;
}

/** Bytes → base64 (atob/btoa exist in browsers, Electron and Node ≥ 16). */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Base64 → bytes; the text must already have passed the schema. */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** SHA-256 of `bytes` as lowercase hex (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Is local minute-of-day `minute` inside quiet hours [start, end) (which may wrap midnight)? */
export function inQuietHours(quiet: DetectionSettings['quietHours'], minute: number): boolean {
  if (!quiet || quiet.startMinute === quiet.endMinute) return false;
  return quiet.startMinute < quiet.endMinute
    ? minute >= quiet.startMinute && minute < quiet.endMinute
    : minute >= quiet.startMinute || minute < quiet.endMinute;
}
