import { describe, expect, it } from 'vitest';
import { pairMacKey, signPong } from '../../../../protocol/auth.ts';
import type { CameraStandby, Envelope } from '../../../../protocol/envelope.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import type { SignalTransport, TransportEvents } from '../../../../protocol/transport.ts';
import { Presence, type PresenceEntry } from './presence.ts';

const CAM = `cam-${'a'.repeat(32)}`;
const VIEWER = `viewer-${'b'.repeat(32)}`;

class Wire extends TypedEmitter<TransportEvents> implements SignalTransport {
  readonly id = VIEWER;
  readonly state = 'open' as const;
  readonly sent: { dst: string; envelope: Envelope }[] = [];
  send(dst: string, envelope: Envelope): void {
    this.sent.push({ dst, envelope });
  }
  /** The server relays `envelope` from `from`. */
  deliver(from: string, envelope: Envelope): void {
    this.emit('message', from, envelope);
  }
  close(): void {}
}

async function setUp() {
  const key = await pairMacKey(new Uint8Array(32).fill(9));
  const wire = new Wire();
  const timers = { setTimeout: () => null, clearTimeout: () => undefined, now: () => Date.now() };
  const presence = new Presence({ transport: wire, keyFor: async () => key, timers });
  const seen: PresenceEntry[] = [];
  presence.on('change', (_id, entry) => seen.push(entry));
  presence.setCameras([CAM]);
  presence.start();
  await presence.settled();
  /** The camera answers the last ping; `claimed` is what the pong says, `signed` what its MAC covers. */
  const answer = async (claimed: CameraStandby | undefined, signed: CameraStandby | 'none' | undefined = claimed) => {
    const ping = wire.sent.filter((s) => s.envelope.kind === 'ping').at(-1)!.envelope as Extract<Envelope, { kind: 'ping' }>;
    const mac = await signPong(key, { viewerId: VIEWER, cameraId: CAM, nonce: ping.nonce }, 'Kitchen', signed === 'none' ? undefined : signed);
    wire.deliver(CAM, { v: 1, kind: 'pong', nonce: ping.nonce, name: 'Kitchen', mac, ...(claimed ? { standby: claimed } : {}) });
    await presence.settled();
  };
  return { presence, answer, seen };
}

describe('Presence: a camera page that waits for a tap', () => {
  it('is online and says since when it waits; once it streams, the wait is gone', async () => {
    const { presence, answer } = await setUp();
    const standby = { need: 'tap', since: 1_764_660_000_000 } as const;
    await answer(standby);
    expect(presence.get(CAM)).toEqual({ state: 'online', reportedName: 'Kitchen', standby });
    presence.refresh(CAM);
    await presence.settled();
    await answer(undefined);
    expect(presence.get(CAM)).toEqual({ state: 'online', reportedName: 'Kitchen' });
  });

  it('ignores a pong whose standby the server added or changed (the MAC does not cover it)', async () => {
    const { presence, answer, seen } = await setUp();
    await answer({ need: 'tap', since: 5 }, 'none');
    await answer({ need: 'tap', since: 6 }, { need: 'tap', since: 5 });
    expect(presence.get(CAM).standby).toBeUndefined();
    expect(seen.filter((e) => e.state === 'online')).toEqual([]);
  });
});
