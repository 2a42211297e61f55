/** Identifiers: crypto-random, URL- and PeerJS-safe (PeerJS accepts [A-Za-z0-9] with inner `-`/`_`). */

const HEX = '0123456789abcdef';

/** `bytes` random bytes as lowercase hex (WebCrypto: browsers, Electron and Node ≥ 20 all have it). */
export function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buf);
  let out = '';
  for (const b of buf) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

/** A new camera ID: 128 random bits. */
export function newCameraId(): string {
  return `cam-${randomHex(16)}`;
}

/** A new viewer ID: 128 random bits. */
export function newViewerId(): string {
  return `viewer-${randomHex(16)}`;
}

/** The registration token a client keeps with its ID so it can reclaim the ID after a reconnect. */
export function newRegistrationToken(): string {
  return randomHex(16);
}

/** A per-watch session ID, carried on every signal of that session. */
export function newSessionId(): string {
  return randomHex(8);
}

const CAMERA_ID = /^cam-[0-9a-f]{32}$/;
const PEER_ID = /^[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*$/;

/** Is this a camera ID as `newCameraId` makes them (what a user may paste into "add camera")? */
export function isCameraId(value: string): boolean {
  return CAMERA_ID.test(value);
}

/** Is this acceptable to the PeerServer as a peer ID (and short enough to be sane)? */
export function isPeerId(value: string): boolean {
  return value.length <= 64 && PEER_ID.test(value);
}

/**
 * A viewer may register extra windows under sub-IDs `<viewerId>_<tag>` (the desktop's mini window): one pairing,
 * several signaling identities. The camera looks pair keys up by the base ID; MACs still cover the full ID, so
 * only a holder of the pair key can use a sub-ID.
 */
export function viewerBaseId(peerId: string): string {
  const cut = peerId.indexOf('_');
  return cut < 0 ? peerId : peerId.slice(0, cut);
}

/** The sub-ID a viewer's extra window registers with. */
export function viewerSubId(viewerId: string, tag: string): string {
  return `${viewerBaseId(viewerId)}_${tag}`;
}
