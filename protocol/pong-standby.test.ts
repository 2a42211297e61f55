import { describe, expect, it } from 'vitest';
import { pairMacKey, signPong, verifyPong } from './auth.ts';
import { parseEnvelope } from './envelope.ts';

const ctx = { viewerId: 'viewer-0123456789abcdef0123456789abcdef', cameraId: 'cam-0123456789abcdef0123456789abcdef', nonce: 'abcdef0123456789' };

describe('a pong that says the camera page waits for a tap', () => {
  it('verifies only with the same standby: a server cannot add, drop or move it', async () => {
    const key = await pairMacKey(new Uint8Array(32).fill(7));
    const standby = { need: 'tap', since: 1_764_660_000_000 } as const;
    const mac = await signPong(key, ctx, 'Kitchen', standby);
    expect(await verifyPong(key, ctx, 'Kitchen', mac, standby)).toBe(true);
    expect(await verifyPong(key, ctx, 'Kitchen', mac)).toBe(false);
    expect(await verifyPong(key, ctx, 'Kitchen', mac, { need: 'tap', since: standby.since + 1 })).toBe(false);
    const plain = await signPong(key, ctx, 'Kitchen');
    expect(await verifyPong(key, ctx, 'Kitchen', plain, standby)).toBe(false);
  });

  it('parses from the wire, and refuses a need it does not know', () => {
    const base = { v: 1, kind: 'pong', nonce: ctx.nonce, name: 'Kitchen', mac: 'a'.repeat(43) };
    const ok = parseEnvelope({ ...base, standby: { need: 'tap', since: 5 } });
    expect(ok.ok && ok.value.kind === 'pong' ? ok.value.standby : null).toEqual({ need: 'tap', since: 5 });
    expect(parseEnvelope({ ...base, standby: { need: 'coffee', since: 5 } }).ok).toBe(false);
    expect(parseEnvelope({ ...base, standby: { need: 'tap', since: -1 } }).ok).toBe(false);
  });
});
