/**
 * Pairing: one scan makes a long-term secret shared by one camera and one viewer, which the server never sees.
 *
 * The viewer's invitation (QR link fragment, or a short typed code) carries a one-time secret `ps`. Both sides
 * exchange ephemeral P-256 ECDH keys through the server, each message MACed with `ps`, and derive the pair key
 * K = HKDF(ECDH, salt = ps, info = both IDs and both public keys). A server that relays the exchange sees neither
 * `ps` nor K; replacing a public key breaks the MAC. Key confirmation MACs prove both ended with the same K.
 */
import * as v from 'valibot';
import {
  deriveSharedSecret,
  fromBase64Url,
  importMacKey,
  macMatches,
  macOf,
  newEcdhKeyPair,
  randomBytes,
  toBase64Url,
  transcript,
} from './crypto.ts';
import { NameSchema, PeerIdSchema, parseWith, type Parsed } from './schema.ts';

/** How long an invitation can be used. */
export const INVITATION_TTL_MS = 5 * 60_000;

/** Bytes of secret in a QR/link invitation. */
const LINK_SECRET_BYTES = 16;

const PROTOCOL = 'pawcam-pair-v1';

/** What the phone needs to pair: whom to contact (a viewer ID, or a short code's rendezvous ID) and the secret. */
export interface Invitation {
  /** The peer ID the camera sends its pairing request to. */
  rendezvousId: string;
  /** The one-time secret. */
  secret: Uint8Array<ArrayBuffer>;
  /** Epoch ms after which the viewer refuses it. */
  expiresAt: number;
}

/** A new link invitation from viewer `viewerId`. */
export function newLinkInvitation(viewerId: string, now: number): Invitation {
  return { rendezvousId: viewerId, secret: randomBytes(LINK_SECRET_BYTES), expiresAt: now + INVITATION_TTL_MS };
}

/** The fragment value of a pairing link: `<rendezvousId>.<secret>.<expiry base36>`. */
export function encodeInvitation(inv: Invitation): string {
  return `${inv.rendezvousId}.${toBase64Url(inv.secret)}.${inv.expiresAt.toString(36)}`;
}

/** The link the phone opens: the secret rides in the URL fragment, which browsers never send to the server. */
export function pairingLink(serverUrl: string, inv: Invitation): string {
  return `${serverUrl.replace(/\/+$/, '')}/#pair=${encodeInvitation(inv)}`;
}

/** Parse a `#pair=…` fragment (the whole hash or just the value). */
export function parseInvitation(text: string): Parsed<Invitation> {
  const value = text.replace(/^#?(pair=)?/, '');
  const [id, secret, exp, ...rest] = value.split('.');
  if (rest.length > 0 || !id || !secret || !exp) return { ok: false, error: 'invitation: not a pairing link' };
  const idOk = parseWith(PeerIdSchema, id);
  if (!idOk.ok) return { ok: false, error: `invitation.${idOk.error}` };
  const bytes = fromBase64Url(secret);
  if (!bytes || bytes.length < 5 || bytes.length > 32) return { ok: false, error: 'invitation.secret: malformed' };
  const expiresAt = /^[0-9a-z]{1,12}$/.test(exp) ? parseInt(exp, 36) : NaN;
  if (!Number.isSafeInteger(expiresAt)) return { ok: false, error: 'invitation.expiry: malformed' };
  return { ok: true, value: { rendezvousId: id, secret: bytes as Uint8Array<ArrayBuffer>, expiresAt } };
}

// Short codes: Crockford-style base32 without I, L, O, U so a typed code is hard to get wrong.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_HANDLE_CHARS = 6;
const CODE_SECRET_CHARS = 8;

/** Peer ID a viewer registers while its short code is open; the camera sends its request there. */
export function shortCodeRendezvousId(handle: string): string {
  return `pair-${handle.toLowerCase()}`;
}

/**
 * A short typed code `XXXXXX-XXXX-XXXX`: 30 bits name a temporary rendezvous ID, 40 bits are the secret.
 * Weaker than the link's 128 bits (see docs/SECURITY.md); it is the fallback when the phone cannot scan.
 */
export function newShortCode(now: number): { code: string; invitation: Invitation } {
  const chars = Array.from(randomBytes(CODE_HANDLE_CHARS + CODE_SECRET_CHARS), (b) => CODE_ALPHABET[b & 31]!).join('');
  const handle = chars.slice(0, CODE_HANDLE_CHARS);
  const secret = chars.slice(CODE_HANDLE_CHARS);
  const code = `${handle}-${secret.slice(0, 4)}-${secret.slice(4)}`;
  return {
    code,
    invitation: { rendezvousId: shortCodeRendezvousId(handle), secret: new TextEncoder().encode(secret), expiresAt: now + INVITATION_TTL_MS },
  };
}

/** Parse a typed short code (case, spaces and dashes forgiven; O→0, I/L→1). */
export function parseShortCode(text: string): Parsed<Invitation> {
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
    // The expiry is enforced by the viewer that issued the code.
    value: { rendezvousId: shortCodeRendezvousId(handle), secret: new TextEncoder().encode(clean.slice(CODE_HANDLE_CHARS)), expiresAt: Number.MAX_SAFE_INTEGER },
  };
}

const PubSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{87}$/)); // 65-byte uncompressed P-256 point
const MacSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)); // 32-byte HMAC-SHA-256

/** Pairing messages (envelope kinds `pair-*`). */
export const PairRequestSchema = v.strictObject({
  kind: v.literal('pair-request'),
  cameraId: PeerIdSchema,
  name: NameSchema,
  pub: PubSchema,
  mac: MacSchema,
});
export const PairAcceptSchema = v.strictObject({
  kind: v.literal('pair-accept'),
  viewerId: PeerIdSchema,
  name: NameSchema,
  pub: PubSchema,
  mac: MacSchema,
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

async function secretKey(inv: Invitation): Promise<CryptoKey> {
  return importMacKey(inv.secret);
}

function decodePub(pub: string): Uint8Array<ArrayBuffer> {
  const bytes = fromBase64Url(pub);
  if (!bytes || bytes.length !== 65) throw new Error('malformed public key');
  return bytes as Uint8Array<ArrayBuffer>;
}

async function pairKey(
  priv: CryptoKey,
  peerPub: Uint8Array<ArrayBuffer>,
  inv: Invitation,
  cameraId: string,
  viewerId: string,
  cameraPub: Uint8Array<ArrayBuffer>,
  viewerPub: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  return deriveSharedSecret(priv, peerPub, inv.secret, transcript(`${PROTOCOL} key`, cameraId, viewerId, cameraPub, viewerPub));
}

/** Camera side, step 1: the request to send to `invitation.rendezvousId`, and the state to finish with. */
export async function cameraStartPairing(
  invitation: Invitation,
  cameraId: string,
  cameraName: string,
): Promise<{ request: PairRequest; finish: (accept: PairAccept) => Promise<{ pairing: Pairing; done: PairDone } | null> }> {
  const { pair, publicRaw } = await newEcdhKeyPair();
  const sk = await secretKey(invitation);
  const pub = toBase64Url(publicRaw);
  const mac = await macOf(sk, transcript(PROTOCOL, 'request', invitation.rendezvousId, cameraId, cameraName, publicRaw));
  return {
    request: { kind: 'pair-request', cameraId, name: cameraName, pub, mac },
    /** Step 3: check the viewer's accept; null when it does not verify (tampered, or another secret). */
    async finish(accept) {
      let viewerPub: Uint8Array<ArrayBuffer>;
      try {
        viewerPub = decodePub(accept.pub);
      } catch {
        return null;
      }
      const data = transcript(PROTOCOL, 'accept', invitation.rendezvousId, cameraId, publicRaw, accept.viewerId, accept.name, viewerPub);
      if (!(await macMatches(sk, data, accept.mac))) return null;
      let key: Uint8Array<ArrayBuffer>;
      try {
        key = await pairKey(pair.privateKey, viewerPub, invitation, cameraId, accept.viewerId, publicRaw, viewerPub);
      } catch {
        return null;
      }
      const k = await importMacKey(key);
      if (!(await macMatches(k, transcript(PROTOCOL, 'viewer-confirm'), accept.confirm))) return null;
      const confirm = await macOf(k, transcript(PROTOCOL, 'camera-confirm'));
      return { pairing: { peerId: accept.viewerId, peerName: accept.name, key }, done: { kind: 'pair-done', confirm } };
    },
  };
}

/**
 * Viewer side, step 2: check a camera's request against the invitation; on success the accept to send back and
 * a check of the camera's final confirmation. Null when the request does not verify. `fromId` is the sender ID
 * the server stamped; it must match the camera ID the request names.
 */
export async function viewerAcceptPairing(
  invitation: Invitation,
  request: PairRequest,
  fromId: string,
  viewerId: string,
  viewerName: string,
): Promise<{ accept: PairAccept; pairing: Pairing; confirmDone: (done: PairDone) => Promise<boolean> } | null> {
  if (request.cameraId !== fromId) return null;
  let cameraPub: Uint8Array<ArrayBuffer>;
  try {
    cameraPub = decodePub(request.pub);
  } catch {
    return null;
  }
  const sk = await secretKey(invitation);
  const data = transcript(PROTOCOL, 'request', invitation.rendezvousId, request.cameraId, request.name, cameraPub);
  if (!(await macMatches(sk, data, request.mac))) return null;
  const { pair, publicRaw } = await newEcdhKeyPair();
  let key: Uint8Array<ArrayBuffer>;
  try {
    key = await pairKey(pair.privateKey, cameraPub, invitation, request.cameraId, viewerId, cameraPub, publicRaw);
  } catch {
    return null;
  }
  const k = await importMacKey(key);
  const mac = await macOf(sk, transcript(PROTOCOL, 'accept', invitation.rendezvousId, request.cameraId, cameraPub, viewerId, viewerName, publicRaw));
  const confirm = await macOf(k, transcript(PROTOCOL, 'viewer-confirm'));
  return {
    accept: { kind: 'pair-accept', viewerId, name: viewerName, pub: toBase64Url(publicRaw), mac, confirm },
    pairing: { peerId: request.cameraId, peerName: request.name, key },
    confirmDone: (done) => macMatches(k, transcript(PROTOCOL, 'camera-confirm'), done.confirm),
  };
}
