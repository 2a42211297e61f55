import { p256, p256_hasher } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpaceStart, encodeToCurve, liftX, newCpaceSid } from './pake.ts';

const enc = new TextEncoder();

describe('encode_to_curve (P256_XMD:SHA-256_SSWU_NU_)', () => {
  it('matches @noble/curves for the RFC 9380 inputs and random messages', async () => {
    const dst = 'QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_NU_';
    for (const msg of ['', 'abc', 'abcdef0123456789', 'q128_' + 'q'.repeat(128), 'a512_' + 'a'.repeat(512)]) {
      const ours = await encodeToCurve(enc.encode(msg), dst);
      expect(Buffer.from(ours).toString('hex')).toBe(p256_hasher.encodeToCurve(enc.encode(msg), { DST: dst }).toHex(false));
    }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (msg) => {
        const ours = await encodeToCurve(msg, 'pawcam-test');
        expect(Buffer.from(ours).toString('hex')).toBe(p256_hasher.encodeToCurve(msg, { DST: 'pawcam-test' }).toHex(false));
      }),
      { numRuns: 200 },
    );
  });
  it('RFC 9380 J.1.2 vector for "abc"', async () => {
    const pt = await encodeToCurve(enc.encode('abc'), 'QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_NU_');
    expect(Buffer.from(pt.slice(1, 33)).toString('hex')).toBe('fc3f5d734e8dce41ddac49f47dd2b8a57257522a865c124ed02b92b5237befa4');
  });
});

describe('liftX', () => {
  it('lifts every x of a real point and refuses x off the curve', () => {
    for (let i = 0; i < 20; i++) {
      const point = p256.Point.BASE.multiply(BigInt(i + 2) * 7919n);
      const x = point.toBytes(false).slice(1, 33);
      const lifted = liftX(x);
      expect(lifted).not.toBeNull();
      expect(p256.Point.fromBytes(lifted!).x).toBe(point.x);
    }
    let refused = 0;
    for (let i = 0; i < 40; i++) if (liftX(crypto.getRandomValues(new Uint8Array(32))) === null) refused++;
    expect(refused).toBeGreaterThan(5);
    expect(liftX(new Uint8Array(31))).toBeNull();
    expect(liftX(new Uint8Array(32).fill(0xff))).toBeNull();
  });
});

describe('CPace', () => {
  it('the same secret gives both sides the same K; another secret does not', async () => {
    const sid = newCpaceSid();
    const ci = enc.encode('pair-abcdef');
    const a = await cpaceStart(enc.encode('K7M2Q9XZ'), ci, sid);
    const b = await cpaceStart(enc.encode('K7M2Q9XZ'), ci, sid);
    const c = await cpaceStart(enc.encode('K7M2Q9XY'), ci, sid);
    const kab = await a.sharedSecret(b.share);
    const kba = await b.sharedSecret(a.share);
    expect(kab).not.toBeNull();
    expect(Buffer.from(kab!).equals(Buffer.from(kba!))).toBe(true);
    expect(Buffer.from((await a.sharedSecret(c.share))!).equals(Buffer.from((await c.sharedSecret(a.share))!))).toBe(false);
    expect(await a.sharedSecret(new Uint8Array(32).fill(0xff))).toBeNull();
  });
});
