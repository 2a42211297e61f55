/**
 * CPace (draft-irtf-cfrg-cpace) on P-256, the balanced PAKE behind pairing: both sides derive a generator G from the
 * shared secret (a typed short code or a link's 128-bit secret), exchange Y = y·G for fresh random scalars y, and
 * hash K = x(y_own · Y_other) with the transcript. Someone who relays or fakes one side learns nothing it can test
 * offline: each attempt it makes tests exactly one guess of the secret, online, against a party that then burns it.
 *
 * Why P-256 through WebCrypto rather than ristretto255 from @noble/curves: the camera page must run on Safari 14
 * (whose WebCrypto has P-256 ECDH, no X25519) within a 90 kB gzip budget that leaves ~4 kB; noble's smallest
 * ristretto255 or P-256 group build is 10–15 kB. So every group operation here — random scalars, scalar
 * multiplication, point validation — is the platform's audited WebCrypto ECDH, and only the public, deterministic
 * encode-to-curve map (RFC 9380 P256_XMD:SHA-256_SSWU_NU_) is written out below with BigInt; the unit tests check it
 * against @noble/curves' `p256_hasher.encodeToCurve`.
 *
 * WebCrypto ECDH yields only the x-coordinate of a product, so points travel x-only (32 bytes) and a receiver lifts
 * x to either of its two points: x(k·P) = x(k·(−P)), so both sides reach the same K (as in CPace's X25519 variant).
 */
import { randomBytes } from './crypto.ts';

/** CPace's domain separation identifier for this suite. */
export const CPACE_DSI = 'CPaceP256_XMD:SHA-256_SSWU_NU_';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const A = P - 3n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const Z = P - 10n;
const SQRT_EXP = (P + 1n) / 4n; // p ≡ 3 (mod 4)
const LEGENDRE_EXP = (P - 1n) / 2n;

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const encoder = new TextEncoder();

const mod = (a: bigint): bigint => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const inv0 = (a: bigint): bigint => pow(a, P - 2n);
const isSquare = (a: bigint): boolean => {
  const l = pow(a, LEGENDRE_EXP);
  return l === 0n || l === 1n;
};
const curveRhs = (x: bigint): bigint => mod(x * x * x + A * x + B);

function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function bigIntTo32(n: bigint): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

/** RFC 9380 §5.3.1 expand_message_xmd with SHA-256 (output of at most 64 bytes here). */
async function expandMessageXmd(msg: Uint8Array, dst: Uint8Array, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const dstPrime = concat(dst, Uint8Array.of(dst.length));
  const b0 = await sha256(concat(new Uint8Array(64), msg, Uint8Array.of(length >> 8, length & 0xff, 0), dstPrime));
  const blocks = [await sha256(concat(b0, Uint8Array.of(1), dstPrime))];
  for (let i = 2; blocks.length * 32 < length; i++) {
    const prev = blocks[blocks.length - 1]!;
    blocks.push(await sha256(concat(b0.map((b, j) => b ^ prev[j]!), Uint8Array.of(i), dstPrime)));
  }
  return concat(...blocks).slice(0, length);
}

/** RFC 9380 §6.6.2 simplified SWU for P-256 (A = −3, Z = −10): a field element to an affine point. */
function mapToCurveSswu(u: bigint): { x: bigint; y: bigint } {
  const u2 = mod(u * u);
  const zu2 = mod(Z * u2);
  const tv1 = inv0(mod(zu2 * zu2 + zu2));
  const x1 = tv1 === 0n ? mod(B * inv0(mod(Z * A))) : mod(mod(-B * inv0(A)) * (1n + tv1));
  const gx1 = curveRhs(x1);
  const x2 = mod(zu2 * x1);
  const [x, gx] = isSquare(gx1) ? [x1, gx1] : [x2, curveRhs(x2)];
  let y = pow(gx, SQRT_EXP);
  if ((u & 1n) !== (y & 1n)) y = mod(-y);
  return { x, y };
}

/** RFC 9380 encode_to_curve for P256_XMD:SHA-256_SSWU_NU_ (cofactor 1): an uncompressed SEC1 point. */
export async function encodeToCurve(msg: Uint8Array, dst: string): Promise<Uint8Array<ArrayBuffer>> {
  const u = bytesToBigInt(await expandMessageXmd(msg, encoder.encode(dst), 48)) % P;
  const { x, y } = mapToCurveSswu(u);
  return concat(Uint8Array.of(4), bigIntTo32(x), bigIntTo32(y));
}

/** A point from its x-coordinate (either of the two), uncompressed; null when x is not on the curve. */
export function liftX(x: Uint8Array): Uint8Array<ArrayBuffer> | null {
  if (x.length !== 32) return null;
  const xn = bytesToBigInt(x);
  if (xn >= P) return null;
  const rhs = curveRhs(xn);
  const y = pow(rhs, SQRT_EXP);
  if (mod(y * y) !== rhs) return null;
  return concat(Uint8Array.of(4), bigIntTo32(xn), bigIntTo32(y));
}

/** Length-value encoding of CPace (LEB128 length prefix). */
function lv(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const len: number[] = [];
  let n = data.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>= 7;
  } while (n > 0);
  return concat(Uint8Array.from(len), data);
}

/** CPace generator_string(DSI, PRS, CI, sid) for SHA-256 (64-byte blocks), then encode_to_curve. */
export async function cpaceGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const dsi = encoder.encode(CPACE_DSI);
  const zpad = Math.max(0, 64 - 1 - lv(prs).length - lv(dsi).length);
  const generatorString = concat(lv(dsi), lv(prs), lv(new Uint8Array(zpad)), lv(ci), lv(sid));
  return encodeToCurve(generatorString, `${CPACE_DSI}_DST`);
}

async function importPoint(point: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return subtle().importKey('raw', point, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
}

async function scalarMultX(scalar: CryptoKey, point: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: await importPoint(point) }, scalar, 256));
}

/** One side of a CPace exchange: its public share Y (x-only) and how to reach K from the other side's share. */
export interface CpaceParty {
  /** x(y·G), 32 bytes: the share to send. */
  readonly share: Uint8Array<ArrayBuffer>;
  /** K = x(y·Y_other); null when the other share is not a point of the curve. */
  sharedSecret(otherShare: Uint8Array): Promise<Uint8Array<ArrayBuffer> | null>;
}

/** Start CPace with the password-related string `prs`, channel identifier `ci` and session ID `sid`. */
export async function cpaceStart(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Promise<CpaceParty> {
  const generator = await cpaceGenerator(prs, ci, sid);
  // The scalar is WebCrypto's: random, in [1, n−1], and never leaves the CryptoKey.
  const pair = (await subtle().generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])) as CryptoKeyPair;
  const share = await scalarMultX(pair.privateKey, generator);
  return {
    share,
    async sharedSecret(otherShare) {
      const point = liftX(otherShare);
      if (!point) return null;
      try {
        return await scalarMultX(pair.privateKey, point);
      } catch {
        return null;
      }
    },
  };
}

/** A fresh CPace session ID (the initiator picks it and sends it along). */
export function newCpaceSid(): Uint8Array<ArrayBuffer> {
  return randomBytes(16);
}
