import { describe, expect, it } from 'vitest';
import { pairMacKey, signPing, verifyPong } from '../../../protocol/auth.ts';
import type { Envelope } from '../../../protocol/envelope.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import type { TransportEvents } from '../../../protocol/transport.ts';
import { StandbyPongs } from './standby-pongs.ts';

const CAM = 'cam-0123456789abcdef0123456789abcdef';
const VIEWER = 'viewer-0123456789abcdef0123456789abcdef';
const NOW = 1_764_660_000_000;

class Wire extends TypedEmitter<TransportEvents> {
  readonly sent: { dst: string; envelope: Envelope }[] = [];
  send(dst: string, envelope: Envelope): void {
    this.sent.push({ dst, envelope });
  }
  /** The server relays `envelope` from `from`. */
  deliver(from: string, envelope: Envelope): void {
    this.emit('message', from, envelope);
  }
}

async function setUp() {
  const key = await pairMacKey(new Uint8Array(32).fill(3));
  const other = await pairMacKey(new Uint8Array(32).fill(4));
  const wire = new Wire();
  const standby = { need: 'tap', since: NOW - 60_000 } as const;
  const pongs = new StandbyPongs({
    transport: wire,
    cameraId: CAM,
    // The tab's sub-ID is looked up by its base ID, as for a streaming camera.
    keyring: { keyFor: async (id) => (id === VIEWER ? key : null) },
    name: () => 'Kitchen',
    standby,
    timers: { setTimeout: () => null, clearTimeout: () => undefined, now: () => NOW },
  });
  const ping = async (from: string, signWith: CryptoKey, nonce = 'abcdef0123456789') => {
    const auth = await signPing(signWith, { viewerId: from, cameraId: CAM, nonce }, NOW);
    wire.deliver(from, { v: 1, kind: 'ping', nonce, auth });
    await pongs.settled();
  };
  return { key, other, wire, pongs, ping, standby };
}

describe('StandbyPongs: a camera page waiting for a tap still answers its viewers', () => {
  it('answers a paired viewer (and its tab sub-ID) with a pong whose MAC covers the standby', async () => {
    const { key, wire, pongs, ping, standby } = await setUp();
    pongs.start();
    const tab = `${VIEWER}_t0a1b2c3d`;
    await ping(tab, key);
    expect(wire.sent).toHaveLength(1);
    const { dst, envelope } = wire.sent[0]!;
    expect(dst).toBe(tab);
    if (envelope.kind !== 'pong') throw new Error('not a pong');
    expect(envelope.standby).toEqual(standby);
    const ctx = { viewerId: tab, cameraId: CAM, nonce: envelope.nonce };
    expect(await verifyPong(key, ctx, 'Kitchen', envelope.mac ?? '', envelope.standby)).toBe(true);
  });

  it('says nothing to a stranger, to a ping signed with another key, or once stopped', async () => {
    const { key, other, wire, pongs, ping } = await setUp();
    pongs.start();
    await ping('viewer-ffffffffffffffffffffffffffffffff', key);
    await ping(VIEWER, other);
    wire.deliver(VIEWER, { v: 1, kind: 'ping', nonce: 'abcdef0123456789' });
    await pongs.settled();
    pongs.stop();
    await ping(VIEWER, key);
    expect(wire.sent).toEqual([]);
  });
});
