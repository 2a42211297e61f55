/**
 * Authenticated signaling: offers, answers and presence pings carry a MAC keyed by the pair key, over the SDP
 * (which holds the DTLS fingerprint), both peer IDs, the session, a nonce and a timestamp. A server that rewrites
 * SDP, forges a sender or replays an old offer is caught here.
 */
import { importMacKey, macMatches, macOf, randomBytes, toBase64Url, transcript } from './crypto.ts';
import type { CameraStandby, SignalAuth } from './envelope.ts';

/** How far a signed timestamp may be from our clock (phones and PCs keep NTP time; this allows for drift). */
export const FRESHNESS_MS = 120_000;

/** Why a signed message was refused. */
export type AuthFailure = 'bad-mac' | 'stale' | 'replay';

/** Turn a stored raw pair key into a non-extractable HMAC key. */
export function pairMacKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return importMacKey(raw, false);
}

/** A fresh nonce for `auth`. */
export function newNonce(): string {
  return Array.from(randomBytes(12), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What an offer's MAC covers. */
export interface OfferContext {
  viewerId: string;
  cameraId: string;
  sid: string;
  sdp: string;
  /** The viewer asked for relay-only ICE (signed, so a server cannot strip it and expose addresses). */
  relayOnly?: boolean;
}

/** What an answer's MAC covers: it is bound to the offer it answers by the offer's nonce. */
export interface AnswerContext extends OfferContext {
  offerNonce: string;
}

/** What a ping's MAC covers. */
export interface PingContext {
  viewerId: string;
  cameraId: string;
  nonce: string;
}

function offerData(c: OfferContext, nonce: string, ts: number) {
  const fields = ['pawcam-offer-v1', c.viewerId, c.cameraId, c.sid, nonce, ts, c.sdp];
  return transcript(...(c.relayOnly ? [...fields, 'relay-only'] : fields));
}
function answerData(c: AnswerContext, nonce: string, ts: number) {
  return transcript('pawcam-answer-v1', c.cameraId, c.viewerId, c.sid, c.offerNonce, nonce, ts, c.sdp);
}
function pingData(c: PingContext, ts: number) {
  return transcript('pawcam-ping-v1', c.viewerId, c.cameraId, c.nonce, ts);
}
function pongData(c: PingContext, name: string, standby?: CameraStandby) {
  if (standby) return transcript('pawcam-pong-standby-v1', c.cameraId, c.viewerId, c.nonce, name, standby.need, standby.since);
  return transcript('pawcam-pong-v1', c.cameraId, c.viewerId, c.nonce, name);
}

async function sign(key: CryptoKey, data: (nonce: string, ts: number) => Uint8Array<ArrayBuffer>, now: number, nonce = newNonce()): Promise<SignalAuth> {
  const ts = Math.floor(now);
  return { nonce, ts, mac: await macOf(key, data(nonce, ts)) };
}

async function check(
  key: CryptoKey,
  data: Uint8Array<ArrayBuffer>,
  auth: SignalAuth,
  now: number,
  replay: ReplayGuard | null,
): Promise<AuthFailure | null> {
  if (!(await macMatches(key, data, auth.mac))) return 'bad-mac';
  if (Math.abs(now - auth.ts) > FRESHNESS_MS) return 'stale';
  if (replay && !replay.admit(auth.nonce, auth.ts, now)) return 'replay';
  return null;
}

/** Viewer: sign an offer. */
export function signOffer(key: CryptoKey, c: OfferContext, now: number): Promise<SignalAuth> {
  return sign(key, (n, ts) => offerData(c, n, ts), now);
}

/** Camera: check an offer (MAC, freshness, never the same nonce twice). Null when it verifies. */
export function verifyOffer(key: CryptoKey, c: OfferContext, auth: SignalAuth, now: number, replay: ReplayGuard): Promise<AuthFailure | null> {
  return check(key, offerData(c, auth.nonce, auth.ts), auth, now, replay);
}

/** Camera: sign an answer to the offer with nonce `c.offerNonce`. */
export function signAnswer(key: CryptoKey, c: AnswerContext, now: number): Promise<SignalAuth> {
  return sign(key, (n, ts) => answerData(c, n, ts), now);
}

/** Viewer: check an answer. Null when it verifies. */
export function verifyAnswer(key: CryptoKey, c: AnswerContext, auth: SignalAuth, now: number): Promise<AuthFailure | null> {
  return check(key, answerData(c, auth.nonce, auth.ts), auth, now, null);
}

/** Viewer: sign a presence ping (its nonce is `c.nonce`). */
export function signPing(key: CryptoKey, c: PingContext, now: number): Promise<SignalAuth> {
  return sign(key, (_n, ts) => pingData(c, ts), now, c.nonce);
}

/** Camera: check a ping. Null when it verifies. */
export function verifyPing(key: CryptoKey, c: PingContext, auth: SignalAuth, now: number): Promise<AuthFailure | null> {
  if (auth.nonce !== c.nonce) return Promise.resolve('bad-mac');
  return check(key, pingData(c, auth.ts), auth, now, null);
}

/** Camera: MAC a pong (with what a page not yet streaming waits for) so the viewer knows the camera answered. */
export function signPong(key: CryptoKey, c: PingContext, name: string, standby?: CameraStandby): Promise<string> {
  return macOf(key, pongData(c, name, standby));
}

/** Viewer: check a pong (its standby, when it has one, is covered too). */
export function verifyPong(key: CryptoKey, c: PingContext, name: string, mac: string, standby?: CameraStandby): Promise<boolean> {
  return macMatches(key, pongData(c, name, standby), mac);
}

/** Remembers nonces inside the freshness window so an offer is never answered twice; bounded in size. */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(max = 4096) {
    this.#max = max;
  }

  /** True the first time a fresh nonce is seen; false for a repeat (or when full of fresh nonces: fail closed). */
  admit(nonce: string, ts: number, now: number): boolean {
    for (const [n, t] of this.#seen) {
      if (Math.abs(now - t) > FRESHNESS_MS) this.#seen.delete(n);
    }
    if (this.#seen.has(nonce)) return false;
    if (this.#seen.size >= this.#max) return false;
    this.#seen.set(nonce, ts);
    return true;
  }
}

/** A short, stable, non-secret fingerprint of a pair key, for showing "paired" state in logs (never the key). */
export async function keyTag(raw: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', raw));
  return toBase64Url(digest.slice(0, 6));
}
