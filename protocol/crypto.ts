/** WebCrypto helpers (browsers, Electron and Node ≥ 20 share `globalThis.crypto.subtle`). */

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** Bytes → base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (no padding) → bytes; null when malformed. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** Random bytes. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/**
 * Canonical transcript encoding: every field length-prefixed, so no two different field lists encode alike
 * (a MAC over plain concatenation could be shifted between fields).
 */
export function transcript(...fields: (string | number | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  const parts = fields.map((f) => (f instanceof Uint8Array ? f : encoder.encode(String(f))));
  const total = parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** Import raw bytes as a non-extractable HMAC-SHA-256 key. */
export async function importMacKey(raw: Uint8Array<ArrayBuffer>, extractable = false): Promise<CryptoKey> {
  return subtle().importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, extractable, ['sign', 'verify']);
}

/** Computes HMAC-SHA-256 (base64url) with a key held elsewhere (the desktop's main process), or throws. */
export type RemoteMac = (data: Uint8Array<ArrayBuffer>) => Promise<string>;

const remoteMacs = new WeakMap<object, RemoteMac>();

/**
 * A handle for an HMAC-SHA-256 key that lives elsewhere: every MAC helper here (and so every signer in auth.ts)
 * takes it where it takes a CryptoKey, and computes through `mac`. It holds no key material: script that has it can
 * use the key while the holder allows, never read it.
 */
export function remoteMacKey(mac: RemoteMac): CryptoKey {
  const handle = Object.freeze({
    type: 'secret' as const,
    extractable: false,
    algorithm: Object.freeze({ name: 'HMAC', hash: Object.freeze({ name: 'SHA-256' }), length: 256 }),
    usages: Object.freeze(['sign', 'verify']),
  });
  remoteMacs.set(handle, mac);
  return handle as unknown as CryptoKey;
}

/** HMAC-SHA-256 of `data`, base64url. */
export async function macOf(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<string> {
  const remote = remoteMacs.get(key);
  if (remote) return remote(data);
  return toBase64Url(new Uint8Array(await subtle().sign('HMAC', key, data)));
}

/** Check a base64url HMAC in constant time (WebCrypto's verify; a remote key's MAC compared without early exit). */
export async function macMatches(key: CryptoKey, data: Uint8Array<ArrayBuffer>, mac: string): Promise<boolean> {
  const bytes = fromBase64Url(mac);
  if (!bytes || bytes.length !== 32) return false;
  const remote = remoteMacs.get(key);
  if (remote) {
    const expected = fromBase64Url(await remote(data));
    if (!expected || expected.length !== 32) return false;
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= expected[i]! ^ bytes[i]!;
    return diff === 0;
  }
  return subtle().verify('HMAC', key, bytes as Uint8Array<ArrayBuffer>, data);
}
