/**
 * The signaling envelope: what our clients put in the `payload` of PeerServer OFFER/ANSWER/CANDIDATE messages.
 * simple-peer's signal objects travel inside it; PeerJS's own `connectionId`/`type` payload fields are never used,
 * so the stock PeerJS client ignores our traffic and we never depend on its connection objects.
 */
import * as v from 'valibot';
import { HangupReasonSchema } from './hangup.ts';
import { PairAcceptSchema, PairDoneSchema, PairErrorSchema, PairRequestSchema } from './pairing.ts';
import { HexIdSchema, NameSchema, PeerIdSchema, parseWith, type Parsed } from './schema.ts';

/** Envelope version; a receiver drops envelopes of another version with a log line. */
export const ENVELOPE_VERSION = 1;

/** Largest SDP we relay (ours are ~3–8 KB); keeps every frame well under the server's payload cap. */
export const MAX_SDP_CHARS = 24_000;

const SdpSignalSchema = v.strictObject({
  type: v.picklist(['offer', 'answer']),
  sdp: v.pipe(v.string(), v.maxLength(MAX_SDP_CHARS)),
});

const CandidateSignalSchema = v.strictObject({
  type: v.literal('candidate'),
  candidate: v.object({
    candidate: v.pipe(v.string(), v.maxLength(1024)),
    sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64)))),
    sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
    usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(256)))),
  }),
});

const RenegotiateSignalSchema = v.strictObject({ type: v.literal('renegotiate'), renegotiate: v.literal(true) });

const TransceiverSignalSchema = v.strictObject({
  type: v.literal('transceiverRequest'),
  transceiverRequest: v.object({ kind: v.picklist(['audio', 'video']) }),
});

/** A simple-peer signal object, as carried on the wire (we add a `type` to the two kinds simple-peer leaves untyped). */
export const PeerSignalSchema = v.variant('type', [
  SdpSignalSchema,
  CandidateSignalSchema,
  RenegotiateSignalSchema,
  TransceiverSignalSchema,
]);
export type PeerSignal = v.InferOutput<typeof PeerSignalSchema>;

/** Authentication attached to offers and answers (filled in by the pairing layer). */
export const SignalAuthSchema = v.strictObject({
  nonce: HexIdSchema,
  ts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  mac: v.pipe(v.string(), v.minLength(16), v.maxLength(128), v.regex(/^[A-Za-z0-9_-]+$/)),
});
export type SignalAuth = v.InferOutput<typeof SignalAuthSchema>;

const SignalEnvelopeSchema = v.strictObject({
  v: v.literal(ENVELOPE_VERSION),
  kind: v.literal('signal'),
  sid: HexIdSchema,
  signal: PeerSignalSchema,
  auth: v.optional(SignalAuthSchema),
  /** On an offer: the viewer asks for relay-only ICE on both sides ("always relay"); covered by the offer's MAC. */
  relay: v.optional(v.literal(true)),
  /**
   * On an offer: open the session as a standby link (a slow thumbnail, no sound) rather than a live watch; the
   * data-channel `link` message switches it later. Covered by the offer's MAC.
   */
  standbyLink: v.optional(v.literal(true)),
});

/** Presence probe, viewer → camera; `auth` proves the viewer is paired (a camera answers nobody else). */
const PingEnvelopeSchema = v.strictObject({
  v: v.literal(ENVELOPE_VERSION),
  kind: v.literal('ping'),
  nonce: HexIdSchema,
  auth: v.optional(SignalAuthSchema),
});

/**
 * What a camera page that is open but not streaming waits for, told in its pongs: `tap` — someone must tap the phone
 * (the camera permission is not kept, so the page cannot start the camera by itself after a reload).
 */
export const CameraStandbySchema = v.strictObject({
  need: v.picklist(['tap']),
  /** Since when it waits, ms since the epoch (the viewer shows the time). */
  since: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 53 - 1)),
});
/** A camera page waiting for something before it can stream. */
export type CameraStandby = v.InferOutput<typeof CameraStandbySchema>;

/** Presence answer, camera → viewer, with the camera's display name (and, before it streams, what it waits for). */
const PongEnvelopeSchema = v.strictObject({
  v: v.literal(ENVELOPE_VERSION),
  kind: v.literal('pong'),
  nonce: HexIdSchema,
  name: v.optional(NameSchema),
  mac: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/))),
  /** Covered by the MAC: a server cannot make a streaming camera look stuck, or a stuck one look ready. */
  standby: v.optional(CameraStandbySchema),
});

/** Either side ends a watch session. */
const HangupEnvelopeSchema = v.strictObject({
  v: v.literal(ENVELOPE_VERSION),
  kind: v.literal('hangup'),
  sid: HexIdSchema,
  reason: v.optional(HangupReasonSchema),
});

const version = { v: v.literal(ENVELOPE_VERSION) };

/** Every envelope kind. */
export const EnvelopeSchema = v.variant('kind', [
  SignalEnvelopeSchema,
  PingEnvelopeSchema,
  PongEnvelopeSchema,
  HangupEnvelopeSchema,
  v.strictObject({ ...version, ...PairRequestSchema.entries }),
  v.strictObject({ ...version, ...PairAcceptSchema.entries }),
  v.strictObject({ ...version, ...PairDoneSchema.entries }),
  v.strictObject({ ...version, ...PairErrorSchema.entries }),
]);
export type Envelope = v.InferOutput<typeof EnvelopeSchema>;
export type SignalEnvelope = v.InferOutput<typeof SignalEnvelopeSchema>;

/** Parse an envelope from untrusted input. */
export function parseEnvelope(input: unknown): Parsed<Envelope> {
  return parseWith(EnvelopeSchema, input);
}

/** The PeerServer message types our envelopes ride in. */
export type RelayType = 'OFFER' | 'ANSWER' | 'CANDIDATE';

/** Which PeerServer message type carries an envelope: offer → OFFER, answer → ANSWER, everything else → CANDIDATE. */
export function relayTypeOf(envelope: Envelope): RelayType {
  if (envelope.kind === 'signal') {
    if (envelope.signal.type === 'offer') return 'OFFER';
    if (envelope.signal.type === 'answer') return 'ANSWER';
  }
  return 'CANDIDATE';
}

/**
 * Convert a signal object emitted by simple-peer into our wire form. simple-peer emits `{renegotiate: true}` and
 * `{transceiverRequest}` without a `type`; we name them so one discriminant covers every kind. Returns null for
 * anything simple-peer might emit that we do not relay (logged by the caller).
 */
export function toWireSignal(data: unknown): PeerSignal | null {
  if (typeof data !== 'object' || data === null) return null;
  const record = data as Record<string, unknown>;
  let candidate: unknown = record;
  if (record['renegotiate'] === true) candidate = { type: 'renegotiate', renegotiate: true };
  else if (record['transceiverRequest'] !== undefined)
    candidate = { type: 'transceiverRequest', transceiverRequest: record['transceiverRequest'] };
  else if (record['type'] === 'candidate')
    candidate = { type: 'candidate', candidate: pickCandidate(record['candidate']) };
  const parsed = parseWith(PeerSignalSchema, candidate);
  return parsed.ok ? parsed.value : null;
}

function pickCandidate(c: unknown): unknown {
  if (typeof c !== 'object' || c === null) return c;
  const r = c as Record<string, unknown>;
  return { candidate: r['candidate'], sdpMLineIndex: r['sdpMLineIndex'], sdpMid: r['sdpMid'], usernameFragment: r['usernameFragment'] };
}

/** Convert a wire signal back into what simple-peer's `signal()` takes. */
export function fromWireSignal(signal: PeerSignal): object {
  switch (signal.type) {
    case 'renegotiate':
      return { renegotiate: true };
    case 'transceiverRequest':
      return { transceiverRequest: signal.transceiverRequest };
    default:
      return signal;
  }
}

/** Check a peer ID from the wire. */
export function parsePeerId(input: unknown): Parsed<string> {
  return parseWith(PeerIdSchema, input);
}
