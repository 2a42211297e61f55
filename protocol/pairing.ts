/**
 * Pairing: one scan (or one typed code) makes a long-term secret shared by one camera and one viewer, which the
 * server never sees.
 *
 * The viewer's invitation (QR link fragment, or a short typed code) carries a one-time secret. Both sides run CPace
 * (protocol/pake.ts) with it through the server and derive the pair key from CPace's K and the whole transcript
 * (both IDs, both names, both shares). Key confirmation MACs prove both ended with the same key. A server that
 * relays or fakes one side sees nothing it can test a guessed secret on offline; each attempt it makes is one online
 * guess, and an invitation is burned by its first attempt, right or wrong, on both sides.
 *
 * Links and codes share this one path: CPace with a link's 128-bit secret is as strong as the ECDH+MAC it replaced,
 * and one code path is one thing to get right and to test.
 */
import * as v from 'valibot';
import { fromBase64Url, importMacKey, macMatches, macOf, randomBytes, toBase64Url, transcript } from './crypto.ts';
import { CPACE_DSI, cpaceStart, newCpaceSid } from './pake.ts';
import { NameSchema, PeerIdSchema, parseWith, type Parsed } from './schema.ts';

/** How long an invitation can be used: by the viewer from when it made it, by the camera from when it got it. */
export const INVITATION_TTL_MS = 5 * 60_000;

/** Bytes of secret in a QR/link invitation. */
const LINK_SECRET_BYTES = 16;

const PROTOCOL = 'pawcam-pair-v2';

/**
 * What the phone needs to pair: whom to contact (a viewer ID, or a short code's rendezvous ID) and the secret; a
 * link also carries what the phone needs to get there: an enrollment credential for the (closed) server and, when
 * the page is served from elsewhere, the rendezvous server's URL.
 */
export interface Invitation {
  /** The peer ID the camera sends its pairing request to. */
  rendezvousId: string;
  /** The one-time secret. */
  secret: Uint8Array<ArrayBuffer>;
  /** Epoch ms after which it is refused (each side keeps its own clock on it). */
  expiresAt: number;
  /** A single-use enrollment credential that lets the camera register its ID (40 hex digits). */
  enrollment?: string;
  /** The rendezvous server (`https://host[:port]/`), when it is not the origin that served the page. */
  rendezvous?: string;
}

/** An enrollment credential as links carry it. */
const ENROLLMENT_CREDENTIAL = /^[0-9a-f]{40}$/;

/** A new link invitation from viewer `viewerId`. */
export function newLinkInvitation(viewerId: string, now: number): Invitation {
  return { rendezvousId: viewerId, secret: randomBytes(LINK_SECRET_BYTES), expiresAt: now + INVITATION_TTL_MS };
}

/**
 * The fragment value of a pairing link: `<rendezvousId>.<secret>.<expiry base36>`, then `&e=<enrollment>` and
 * `&r=<rendezvous URL, percent-encoded>` when present.
 */
export function encodeInvitation(inv: Invitation): string {
  let out = `${inv.rendezvousId}.${toBase64Url(inv.secret)}.${inv.expiresAt.toString(36)}`;
  if (inv.enrollment) out += `&e=${inv.enrollment}`;
  if (inv.rendezvous) out += `&r=${encodeURIComponent(inv.rendezvous)}`;
  return out;
}

/** A rendezvous URL as links carry it: https (http only for loopback tests), no credentials, query or fragment. */
export function parseRendezvousUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return null;
  if (url.username || url.password || url.search || url.hash || text.length > 300) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/`;
}

/** The link the phone opens: the secret rides in the URL fragment, which browsers never send to the server. */
export function pairingLink(serverUrl: string, inv: Invitation): string {
  return `${serverUrl.replace(/\/+$/, '')}/#pair=${encodeInvitation(inv)}`;
}

/** Parse a `#pair=…` fragment (the whole hash or just the value). */
export function parseInvitation(text: string): Parsed<Invitation> {
  const [value = '', ...params] = text.replace(/^#?(pair=)?/, '').split('&');
  const extra: { enrollment?: string; rendezvous?: string } = {};
  for (const param of params) {
    const [key, raw = ''] = param.split('=', 2);
    if (key === 'e' && ENROLLMENT_CREDENTIAL.test(raw) && !extra.enrollment) extra.enrollment = raw;
    else if (key === 'r' && !extra.rendezvous) {
      let decoded: string | null = null;
      try {
        decoded = parseRendezvousUrl(decodeURIComponent(raw));
      } catch {
        decoded = null;
      }
      if (!decoded) return { ok: false, error: 'invitation.rendezvous: not an https URL' };
      extra.rendezvous = decoded;
    } else return { ok: false, error: `invitation.${key === 'e' ? 'enrollment: malformed' : 'params: unexpected'}` };
  }
  const [id, secret, exp, ...rest] = value.split('.');
  if (rest.length > 0 || !id || !secret || !exp) return { ok: false, error: 'invitation: not a pairing link' };
  const idOk = parseWith(PeerIdSchema, id);
  if (!idOk.ok) return { ok: false, error: `invitation.${idOk.error}` };
  const bytes = fromBase64Url(secret);
  if (!bytes || bytes.length < 5 || bytes.length > 32) return { ok: false, error: 'invitation.secret: malformed' };
  const expiresAt = /^[0-9a-z]{1,12}$/.test(exp) ? parseInt(exp, 36) : NaN;
  if (!Number.isSafeInteger(expiresAt)) return { ok: false, error: 'invitation.expiry: malformed' };
  return { ok: true, value: { rendezvousId: id, secret: bytes as Uint8Array<ArrayBuffer>, expiresAt, ...extra } };
}

// Short codes: Crockford-style base32 without I, L, O, U so a typed code is hard to get wrong.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_HANDLE_CHARS = 6;
const CODE_SECRET_CHARS = 8;
const SHORT_CODE_PREFIX = 'pair-';

/** Bits of secret in a short code (8 base32 characters). */
export const SHORT_CODE_SECRET_BITS = CODE_SECRET_CHARS * 5;

/** Peer ID a viewer registers while its short code is open; the camera sends its request there. */
export function shortCodeRendezvousId(handle: string): string {
  return `${SHORT_CODE_PREFIX}${handle.toLowerCase()}`;
}

/** Whether an invitation is a typed short code (rather than a link naming the viewer itself). */
export function isShortCodeInvitation(invitation: Pick<Invitation, 'rendezvousId'>): boolean {
  return invitation.rendezvousId.startsWith(SHORT_CODE_PREFIX);
}

/** Options of newShortCode. */
export interface ShortCodeOptions {
  /**
   * TEST ONLY: fewer secret bits (the rest of the characters are '0'), so an adversary test can search every code
   * offline in an instant. The format is unchanged; only the viewer that makes the code is weakened.
   */
  secretBits?: number;
}

/**
 * A short typed code `XXXXXX-XXXX-XXXX`: 30 bits name a temporary rendezvous ID, 40 bits are the secret.
 * Weaker than the link's 128 bits, but fed to CPace: a guess can only be tried online, once per code (docs/SECURITY.md).
 */
export function newShortCode(now: number, options: ShortCodeOptions = {}): { code: string; invitation: Invitation } {
  const bits = Math.max(0, Math.min(SHORT_CODE_SECRET_BITS, Math.floor(options.secretBits ?? SHORT_CODE_SECRET_BITS)));
  const random = randomBytes(CODE_HANDLE_CHARS + CODE_SECRET_CHARS);
  const chars = Array.from(random, (b, i) => {
    const charBits = i < CODE_HANDLE_CHARS ? 5 : Math.max(0, Math.min(5, bits - 5 * (i - CODE_HANDLE_CHARS)));
    return CODE_ALPHABET[b & ((1 << charBits) - 1)]!;
  }).join('');
  const handle = chars.slice(0, CODE_HANDLE_CHARS);
  const secret = chars.slice(CODE_HANDLE_CHARS);
  const code = `${handle}-${secret.slice(0, 4)}-${secret.slice(4)}`;
  return {
    code,
    invitation: { rendezvousId: shortCodeRendezvousId(handle), secret: new TextEncoder().encode(secret), expiresAt: now + INVITATION_TTL_MS },
  };
}

/**
 * Parse a typed short code (case, spaces and dashes forgiven; O→0, I/L→1). The camera did not make the code, so it
 * gives it its own lifetime from `now`: a code typed and left waiting expires here too.
 */
export function parseShortCode(text: string, now: number = Date.now()): Parsed<Invitation> {
  const clean = text
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (clean.length !== CODE_HANDLE_CHARS + CODE_SECRET_CHARS || [...clean].some((c) => !CODE_ALPHABET.includes(c))) {
    return { ok: false, error: 'code: expected 14 letters and digits like ABC123-DEFG-HJK4' };
  }
  const handle = clean.slice(0, CODE_HANDLE_CHARS);
  return {
    ok: true,
    value: { rendezvousId: shortCodeRendezvousId(handle), secret: new TextEncoder().encode(clean.slice(CODE_HANDLE_CHARS)), expiresAt: now + INVITATION_TTL_MS },
  };
}

const ShareSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)); // x-coordinate of a P-256 point, 32 bytes
const SidSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)); // 16-byte CPace session ID
const MacSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)); // 32-byte HMAC-SHA-256

/** Pairing messages (envelope kinds `pair-*`). The camera starts; it is CPace's initiator. */
export const PairRequestSchema = v.strictObject({
  kind: v.literal('pair-request'),
  cameraId: PeerIdSchema,
  name: NameSchema,
  sid: SidSchema,
  pub: ShareSchema,
});
export const PairAcceptSchema = v.strictObject({
  kind: v.literal('pair-accept'),
  viewerId: PeerIdSchema,
  name: NameSchema,
  pub: ShareSchema,
  confirm: MacSchema,
});
export const PairDoneSchema = v.strictObject({ kind: v.literal('pair-done'), confirm: MacSchema });
export const PairErrorSchema = v.strictObject({ kind: v.literal('pair-error'), reason: v.picklist(['expired', 'used', 'invalid']) });
export type PairRequest = v.InferOutput<typeof PairRequestSchema>;
export type PairAccept = v.InferOutput<typeof PairAcceptSchema>;
export type PairDone = v.InferOutput<typeof PairDoneSchema>;
export type PairError = v.InferOutput<typeof PairErrorSchema>;

/** The result of a pairing, on either side: the other party and the pair key. */
export interface Pairing {
  peerId: string;
  peerName: string;
  /** The long-term pair key (raw, so the shell can store it: safeStorage on desktop, a non-extractable CryptoKey in IndexedDB on the web). */
  key: Uint8Array<ArrayBuffer>;
}

function decode(text: string, length: number): Uint8Array<ArrayBuffer> | null {
  const bytes = fromBase64Url(text);
  return bytes && bytes.length === length ? (bytes as Uint8Array<ArrayBuffer>) : null;
}

/** What CPace's keys are derived from: K and the whole transcript, so a changed ID, name or share gives other keys. */
interface Keys {
  pairKey: Uint8Array<ArrayBuffer>;
  confirmKey: CryptoKey;
}

async function deriveKeys(k: Uint8Array<ArrayBuffer>, invitation: Invitation, request: PairRequest, viewerId: string, viewerName: string, viewerShare: string): Promise<Keys> {
  // CPace ISK = H(lv(DSI || "_ISK", sid, K) || transcript(MSGa, MSGb)), here as HKDF-SHA-256 over K with the
  // length-prefixed transcript as info; the pair key and the confirmation key are separate outputs.
  const isk = transcript(`${CPACE_DSI}_ISK`, PROTOCOL, invitation.rendezvousId, request.sid, request.pub, request.cameraId, request.name, viewerShare, viewerId, viewerName);
  const ikm = await globalThis.crypto.subtle.importKey('raw', k, 'HKDF', false, ['deriveBits']);
  const derive = async (label: string) =>
    new Uint8Array(await globalThis.crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: transcript(label, isk) }, ikm, 256));
  const pairKey = await derive(`${PROTOCOL} pair key`);
  const confirmRaw = await derive(`${PROTOCOL} confirm`);
  const confirmKey = await importMacKey(confirmRaw);
  confirmRaw.fill(0);
  return { pairKey, confirmKey };
}

/** CPace's channel identifier: the rendezvous this invitation names. */
const channelId = (invitation: Invitation): Uint8Array<ArrayBuffer> => transcript(PROTOCOL, invitation.rendezvousId);

/**
 * Camera side, step 1: the request to send to `invitation.rendezvousId`, and the state to finish with. The request
 * carries no MAC: a CPace share reveals nothing about the secret, so there is nothing to test a guessed code on.
 */
export async function cameraStartPairing(
  invitation: Invitation,
  cameraId: string,
  cameraName: string,
): Promise<{ request: PairRequest; finish: (accept: PairAccept) => Promise<{ pairing: Pairing; done: PairDone } | null> }> {
  const sid = newCpaceSid();
  const party = await cpaceStart(invitation.secret, channelId(invitation), sid);
  const request: PairRequest = { kind: 'pair-request', cameraId, name: cameraName, sid: toBase64Url(sid), pub: toBase64Url(party.share) };
  let used = false;
  return {
    request,
    /**
     * Step 3: check the viewer's accept; null when it does not verify (another secret, or tampered). One accept
     * only: a second call returns null, so a party in the middle gets one guess per request.
     */
    async finish(accept) {
      if (used) return null;
      used = true;
      // Trust boundary: the accept must come from the viewer the invitation names (a link's rendezvous ID is that
      // viewer's own ID) — a code's temporary rendezvous may name any viewer.
      if (!isShortCodeInvitation(invitation) && accept.viewerId !== invitation.rendezvousId) return null;
      const viewerShare = decode(accept.pub, 32);
      if (!viewerShare) return null;
      const k = await party.sharedSecret(viewerShare);
      if (!k) return null;
      const keys = await deriveKeys(k, invitation, request, accept.viewerId, accept.name, accept.pub);
      k.fill(0);
      if (!(await macMatches(keys.confirmKey, transcript(PROTOCOL, 'viewer-confirm'), accept.confirm))) {
        keys.pairKey.fill(0);
        return null;
      }
      const confirm = await macOf(keys.confirmKey, transcript(PROTOCOL, 'camera-confirm'));
      return { pairing: { peerId: accept.viewerId, peerName: accept.name, key: keys.pairKey }, done: { kind: 'pair-done', confirm } };
    },
  };
}

/**
 * Viewer side, step 2: answer a camera's request. Nothing in a request can be checked against the secret, so an
 * answer is always made (null only for a malformed request, or one whose camera ID is not the sender the server
 * stamped); whether the camera knew the secret shows only in its `pair-done`, checked by `confirmDone`. The
 * caller must burn the invitation on the first request either way: that is what limits a guesser to one try.
 */
export async function viewerAcceptPairing(
  invitation: Invitation,
  request: PairRequest,
  fromId: string,
  viewerId: string,
  viewerName: string,
): Promise<{ accept: PairAccept; pairing: Pairing; confirmDone: (done: PairDone) => Promise<boolean> } | null> {
  if (request.cameraId !== fromId) return null;
  const sid = decode(request.sid, 16);
  const cameraShare = decode(request.pub, 32);
  if (!sid || !cameraShare) return null;
  const party = await cpaceStart(invitation.secret, channelId(invitation), sid);
  const k = await party.sharedSecret(cameraShare);
  if (!k) return null;
  const pub = toBase64Url(party.share);
  const keys = await deriveKeys(k, invitation, request, viewerId, viewerName, pub);
  k.fill(0);
  const confirm = await macOf(keys.confirmKey, transcript(PROTOCOL, 'viewer-confirm'));
  return {
    accept: { kind: 'pair-accept', viewerId, name: viewerName, pub, confirm },
    pairing: { peerId: request.cameraId, peerName: request.name, key: keys.pairKey },
    confirmDone: (done) => macMatches(keys.confirmKey, transcript(PROTOCOL, 'camera-confirm'), done.confirm),
  };
}
