/**
 * Why one end of a watch session hung up: the closed set of reasons a hangup envelope carries. Both ends switch over
 * this union (with `missingCase`), so a new reason is a compile error wherever it is not handled yet. The wire
 * strings are the ones every earlier version sent, so old and new peers still understand each other.
 */
import * as v from 'valibot';
import type { AuthFailure } from './auth.ts';

/** A reason a hangup carries on the wire. */
export const HANGUP_REASONS = [
  /** The camera refused the offer: its MAC did not verify. */
  'refused: bad-mac',
  /** The camera refused the offer: it saw that offer before (replayed). */
  'refused: replay',
  /** The camera refused the offer: its timestamp is too far from the camera's clock. */
  'refused: stale',
  /** The camera is answering as many viewers as it can. */
  'busy',
  /** The viewer asked for relay-only ICE and the camera's server has no TURN relay. */
  'relay-unavailable',
  /** The camera page stopped streaming. */
  'camera stopped',
  /** The viewer's session did not connect in the time the camera allows. */
  'connect timeout',
  /** The camera's side of the peer connection failed. */
  'connection failed',
  /** The camera could not apply a media change to this session; dialling again gives a fresh one. */
  'media update failed',
] as const;

/** A hangup reason this version knows. */
export type KnownHangupReason = (typeof HANGUP_REASONS)[number];

/**
 * A hangup reason as received: a known one, or `other` for a reason a newer peer sends that this version does not
 * know yet (it still ends the session; it is not a malformed envelope).
 */
export type HangupReason = KnownHangupReason | 'other';

const known: ReadonlySet<string> = new Set(HANGUP_REASONS);

/** The `reason` field of a hangup envelope: any short string on the wire, read as a HangupReason. */
export const HangupReasonSchema = v.pipe(
  v.string(),
  v.maxLength(200),
  v.transform((text): HangupReason => (known.has(text) ? (text as KnownHangupReason) : 'other')),
);

/** The hangup reason a camera sends for an offer whose MAC check failed. */
export function refusal(failure: AuthFailure): KnownHangupReason {
  return `refused: ${failure}`;
}
