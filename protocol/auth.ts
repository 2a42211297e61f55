/**
 * Authenticated signaling: offers, answers and presence pings carry a MAC keyed by the pair key, over the SDP
 * (which holds the DTLS fingerprint), both peer IDs, the session, a nonce and a timestamp. A server that rewrites
 * SDP, forges a sender or replays an old offer is caught here.
 */
import * as v from 'valibot';
import { importMacKey, macMatches, macOf, randomBytes, toBase64Url, transcript } from './crypto.ts';
import type { CameraStandby, SignalAuth } from './envelope.ts';
import { viewerBaseId } from './ids.ts';
import { parseWith } from './schema.ts';

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
  /** The session opens as a standby link (thumbnail only, no sound) rather than a live watch. */
  standbyLink?: boolean;
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
  if (c.relayOnly) fields.push('relay-only');
  if (c.standbyLink) fields.push('standby-link');
  return transcript(...fields);
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
  replay: { guard: ReplayGuard; viewerId: string } | null,
): Promise<AuthFailure | null> {
  if (!(await macMatches(key, data, auth.mac))) return 'bad-mac';
  if (Math.abs(now - auth.ts) > FRESHNESS_MS) return 'stale';
  if (replay && !replay.guard.admit(replay.viewerId, auth.nonce, auth.ts, now)) return 'replay';
  return null;
}

/** Viewer: sign an offer. */
export function signOffer(key: CryptoKey, c: OfferContext, now: number): Promise<SignalAuth> {
  return sign(key, (n, ts) => offerData(c, n, ts), now);
}

/** Camera: check an offer (MAC, freshness, never the same nonce twice). Null when it verifies. */
export function verifyOffer(key: CryptoKey, c: OfferContext, auth: SignalAuth, now: number, replay: ReplayGuard): Promise<AuthFailure | null> {
  return check(key, offerData(c, auth.nonce, auth.ts), auth, now, { guard: replay, viewerId: c.viewerId });
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

/** Where a ReplayGuard keeps its nonces across reloads (the camera page: localStorage). */
export interface ReplayStore {
  /** The last snapshot saved (anything: it is parsed), or null. */
  load(): unknown;
  save(snapshot: ReplaySnapshot): void;
}

/** Fresh nonces by viewer (base ID): `[nonce, signed timestamp]`. */
export type ReplaySnapshot = Record<string, [string, number][]>;

const ReplaySnapshotSchema = v.record(
  v.pipe(v.string(), v.maxLength(200)),
  v.pipe(v.array(v.tuple([v.pipe(v.string(), v.maxLength(64)), v.pipe(v.number(), v.safeInteger())])), v.maxLength(4096)),
);

/** Options of ReplayGuard. */
export interface ReplayGuardOptions {
  /** Fresh nonces kept per viewer; past that, that viewer alone is refused until its nonces age out. */
  maxPerViewer?: number;
  /** Viewers tracked at once (only paired viewers get here: the MAC is checked first). */
  maxViewers?: number;
  store?: ReplayStore;
}

/**
 * Remembers offer nonces inside the freshness window so an offer is never answered twice. One partition per viewer
 * (sub-IDs count as their viewer): a viewer that floods fills only its own, so it cannot lock other viewers out.
 * With a store, the nonces survive a reload, so a captured offer cannot be replayed to a freshly reloaded camera.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, Map<string, number>>();
  readonly #maxPerViewer: number;
  readonly #maxViewers: number;
  readonly #store: ReplayStore | null;

  constructor(options: ReplayGuardOptions = {}) {
    this.#maxPerViewer = options.maxPerViewer ?? 256;
    this.#maxViewers = options.maxViewers ?? 1024;
    this.#store = options.store ?? null;
    if (this.#store) this.#restore(this.#store);
  }

  /** True the first time a fresh nonce is seen from this viewer; false for a repeat (or when its partition is full). */
  admit(viewerId: string, nonce: string, ts: number, now: number): boolean {
    const viewer = viewerBaseId(viewerId);
    for (const [id, nonces] of this.#seen) {
      for (const [n, t] of nonces) if (Math.abs(now - t) > FRESHNESS_MS) nonces.delete(n);
      if (nonces.size === 0) this.#seen.delete(id);
    }
    let nonces = this.#seen.get(viewer);
    if (nonces?.has(nonce)) return false;
    // Fail closed, for this viewer alone.
    if (nonces && nonces.size >= this.#maxPerViewer) return false;
    if (!nonces) {
      if (this.#seen.size >= this.#maxViewers) return false;
      nonces = new Map();
      this.#seen.set(viewer, nonces);
    }
    nonces.set(nonce, ts);
    this.#persist();
    return true;
  }

  #persist(): void {
    if (!this.#store) return;
    const snapshot: ReplaySnapshot = {};
    for (const [id, nonces] of this.#seen) snapshot[id] = [...nonces];
    try {
      this.#store.save(snapshot);
    } catch {
      // Storage full or gone: the guard still works in memory for this visit.
    }
  }

  #restore(store: ReplayStore): void {
    let stored: unknown;
    try {
      stored = store.load();
    } catch {
      return;
    }
    if (stored === null || stored === undefined) return;
    // Storage is shared with anything else on the origin: parsed like any other untrusted input.
    const parsed = parseWith(ReplaySnapshotSchema, stored);
    if (!parsed.ok) return;
    for (const [id, entries] of Object.entries(parsed.value).slice(0, this.#maxViewers)) {
      this.#seen.set(viewerBaseId(id), new Map(entries.slice(-this.#maxPerViewer)));
    }
  }
}

/** A short, stable, non-secret fingerprint of a pair key, for showing "paired" state in logs (never the key). */
export async function keyTag(raw: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', raw));
  return toBase64Url(digest.slice(0, 6));
}
