import { beforeEach, describe, expect, it } from 'vitest';
import { FRESHNESS_MS, pairMacKey, signOffer, signPing, verifyAnswer, verifyPong } from '../../../protocol/auth.ts';
import { randomBytes } from '../../../protocol/crypto.ts';
import type { Envelope, SignalAuth } from '../../../protocol/envelope.ts';
import { configureLogging, type LogRecord } from '../../../protocol/log.ts';
import { encodeDataMessage, type LinkMode } from '../../../protocol/messages.ts';
import { FakeTimers } from '../../../protocol/testing/timers.ts';
import { FakeTransport } from '../../../protocol/testing/transport.ts';
import { CameraSessions, type AnsweringPeer, type AnsweringPeerOptions, type LinkMedia, type ViewerKeyring } from './camera-sessions.ts';
import type { IceChoice, IceSource } from './ice-keeper.ts';
import { FakePc, FakeTrack } from '../../../protocol/testing/media.ts';

const NOW = 1_800_000_000_000;
const CAMERA = 'cam-0123456789abcdef0123456789abcdef';


class FakePeer implements AnsweringPeer {
  static created: FakePeer[] = [];
  readonly handlers = new Map<string, ((arg: never) => void)[]>();
  readonly signalled: object[] = [];
  readonly sentData: string[] = [];
  destroyed = false;
  throwOnSignal = false;
  /** simple-peer's RTCPeerConnection (peer-media.ts reaches it). */
  readonly _pc = new FakePc([]);
  constructor(readonly options: AnsweringPeerOptions) {
    FakePeer.created.push(this);
  }
  on(event: string, listener: (arg: never) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
  }
  fire(event: string, arg?: unknown): void {
    for (const fn of this.handlers.get(event) ?? []) (fn as (a?: unknown) => void)(arg);
  }
  signal(data: object): void {
    if (this.throwOnSignal) throw new Error('cannot signal after peer is destroyed');
    this.signalled.push(data);
  }
  send(data: string): void {
    if (this.destroyed) throw new Error('send after destroy');
    this.sentData.push(data);
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const SDP_OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 AA:BB\r\n';
const stream = { id: 'camera-stream' } as unknown as MediaStream;
const candidate = (n: number) => ({ type: 'candidate', candidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMLineIndex: 0 } });

/** Pair keys by viewer ID; `revoke` forgets one. */
class FakeKeyring implements ViewerKeyring {
  readonly keys = new Map<string, CryptoKey>();
  async add(viewerId: string): Promise<CryptoKey> {
    const key = await pairMacKey(randomBytes(32));
    this.keys.set(viewerId, key);
    return key;
  }
  async keyFor(viewerId: string): Promise<CryptoKey | null> {
    return this.keys.get(viewerId) ?? null;
  }
}

let logs: LogRecord[];

beforeEach(() => {
  FakePeer.created = [];
  logs = [];
  configureLogging({ sink: (r) => logs.push(r), level: 'debug' });
});

/** Records what the sessions ask of the page's media. */
class FakeLinkMedia implements LinkMedia {
  readonly standbyStream_ = { id: 'standby-stream' } as unknown as MediaStream;
  readonly applied: [string, LinkMode][] = [];
  readonly endedIds: string[] = [];
  fail = false;
  standbyStream(): MediaStream {
    return this.standbyStream_;
  }
  async apply(viewerId: string, _peer: AnsweringPeer, mode: LinkMode): Promise<void> {
    if (this.fail) throw new Error('InvalidStateError');
    this.applied.push([viewerId, mode]);
  }
  ended(viewerId: string): void {
    this.endedIds.push(viewerId);
  }
}

async function setup(options: { maxSessions?: number; viewers?: string[]; ice?: IceSource; link?: LinkMedia } = {}) {
  const transport = new FakeTransport();
  const timers = new FakeTimers(NOW);
  const keyring = new FakeKeyring();
  const keys: Record<string, CryptoKey> = {};
  for (const viewer of options.viewers ?? ['viewer-a', 'viewer-b']) keys[viewer] = await keyring.add(viewer);
  const sessions = new CameraSessions({
    transport,
    stream,
    Answerer: FakePeer,
    name: 'Kitchen',
    cameraId: CAMERA,
    keyring,
    timers,
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
    ...(options.ice === undefined ? {} : { ice: options.ice }),
    ...(options.link === undefined ? {} : { link: options.link }),
  });
  const counts: number[] = [];
  sessions.on('viewers', (n) => counts.push(n));
  const standbyCounts: number[] = [];
  sessions.on('standby', (n) => standbyCounts.push(n));
  /** A viewer's offer signed with its pair key (or `key`), as the viewer app sends it. */
  const offer = async (
    viewer: string,
    sid: string,
    o: { sdp?: string; ts?: number; key?: CryptoKey; signedSdp?: string; relay?: boolean; signedRelay?: boolean; standby?: boolean; signedStandby?: boolean } = {},
  ) => {
    const sdp = o.sdp ?? SDP_OFFER;
    const context = {
      viewerId: viewer,
      cameraId: CAMERA,
      sid,
      sdp: o.signedSdp ?? sdp,
      relayOnly: o.signedRelay ?? o.relay ?? false,
      standbyLink: o.signedStandby ?? o.standby ?? false,
    };
    const auth = await signOffer(o.key ?? keys[viewer]!, context, o.ts ?? timers.now());
    return {
      v: 1,
      kind: 'signal',
      sid,
      signal: { type: 'offer', sdp },
      auth,
      ...(o.relay ? { relay: true } : {}),
      ...(o.standby ? { standbyLink: true } : {}),
    } as Envelope;
  };
  /** Deliver and wait until every check it started is done. */
  const deliver = async (from: string, envelope: unknown) => {
    transport.deliver(from, envelope);
    await sessions.settled();
  };
  const dial = async (viewer: string, sid: string) => deliver(viewer, await offer(viewer, sid));
  return { transport, timers, sessions, counts, standbyCounts, keyring, keys, offer, deliver, dial };
}

const hangups = (transport: FakeTransport) => transport.sent.filter((s) => s.envelope.kind === 'hangup');

describe('CameraSessions: answering paired viewers', () => {
  it('answers a signed offer with the camera stream; the answer carries a MAC bound to the offer', async () => {
    const { transport, sessions, keys, offer, deliver } = await setup();
    const signed = await offer('viewer-a', '00aa11bb');
    await deliver('viewer-a', signed);
    expect(FakePeer.created).toHaveLength(1);
    const peer = FakePeer.created[0]!;
    expect(peer.options).toEqual({ initiator: false, trickle: true, stream, config: { iceServers: [], iceTransportPolicy: 'all' } });
    expect(peer.signalled).toEqual([{ type: 'offer', sdp: SDP_OFFER }]);

    peer.fire('signal', { type: 'answer', sdp: 'v=0 answer' });
    peer.fire('signal', { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0' } });
    await sessions.settled();
    expect(transport.sent.map((s) => [s.dst, s.envelope.kind, s.envelope.kind === 'signal' && s.envelope.signal.type])).toEqual([
      ['viewer-a', 'signal', 'answer'],
      ['viewer-a', 'signal', 'candidate'],
    ]);
    const answer = transport.sent[0]!.envelope as Extract<Envelope, { kind: 'signal' }>;
    expect(answer.sid).toBe('00aa11bb');
    const offerNonce = (signed as { auth: SignalAuth }).auth.nonce;
    const context = { viewerId: 'viewer-a', cameraId: CAMERA, sid: '00aa11bb', offerNonce, sdp: 'v=0 answer' };
    expect(await verifyAnswer(keys['viewer-a']!, context, answer.auth!, NOW)).toBeNull();
    // Bound to this offer and this SDP: neither can be swapped under the MAC.
    expect(await verifyAnswer(keys['viewer-a']!, { ...context, offerNonce: 'ffffffffffffffff' }, answer.auth!, NOW)).toBe('bad-mac');
    expect(await verifyAnswer(keys['viewer-a']!, { ...context, sdp: 'v=0 other' }, answer.auth!, NOW)).toBe('bad-mac');
    expect(transport.sent[1]!.envelope).toEqual({
      v: 1,
      kind: 'signal',
      sid: '00aa11bb',
      signal: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0', usernameFragment: undefined } },
    });
  });

  it('sends nothing at all to a viewer that is not paired: no answer, no pong, no hangup, no peer', async () => {
    const { transport, offer, deliver } = await setup({ viewers: ['viewer-a'] });
    const stranger = await pairMacKey(randomBytes(32));
    await deliver('viewer-x', await offer('viewer-x', '0000000a', { key: stranger }));
    await deliver('viewer-x', { v: 1, kind: 'signal', sid: '0000000b', signal: { type: 'offer', sdp: SDP_OFFER } });
    await deliver('viewer-x', { v: 1, kind: 'ping', nonce: '0123456789abcdef' });
    const auth = await signPing(stranger, { viewerId: 'viewer-x', cameraId: CAMERA, nonce: '0123456789abcdef' }, NOW);
    await deliver('viewer-x', { v: 1, kind: 'ping', nonce: '0123456789abcdef', auth });
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toEqual([]);
    expect(logs.some((r) => r.level === 'debug' && /not paired/.test(r.msg))).toBe(true);
  });

  it('refuses out loud a paired viewer\'s offer that was tampered with, replayed, stale or unsigned', async () => {
    const { transport, offer, deliver, timers } = await setup();
    // A relay rewrote the DTLS fingerprint after the viewer signed.
    await deliver('viewer-a', await offer('viewer-a', '0000000a', { sdp: SDP_OFFER.replace('AA:BB', 'CC:DD'), signedSdp: SDP_OFFER }));
    // Signed long ago.
    await deliver('viewer-a', await offer('viewer-a', '0000000b', { ts: timers.now() - FRESHNESS_MS - 1 }));
    // Signed by another key (a viewer that was paired with another camera, or a forger).
    await deliver('viewer-a', await offer('viewer-a', '0000000c', { key: await pairMacKey(randomBytes(32)) }));
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000d', signal: { type: 'offer', sdp: SDP_OFFER } });
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toEqual([
      { dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000a', reason: 'refused: bad-mac' } },
      { dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000b', reason: 'refused: stale' } },
      { dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000c', reason: 'refused: bad-mac' } },
      { dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000d', reason: 'refused: bad-mac' } },
    ]);
  });

  it('never answers the same offer twice (a replay after the session ended is refused)', async () => {
    const { transport, offer, deliver } = await setup();
    const captured = await offer('viewer-a', '0000000a');
    await deliver('viewer-a', captured);
    expect(FakePeer.created).toHaveLength(1);
    await deliver('viewer-a', { v: 1, kind: 'hangup', sid: '0000000a' });
    await deliver('viewer-a', captured);
    expect(FakePeer.created).toHaveLength(1);
    expect(hangups(transport)).toEqual([{ dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000a', reason: 'refused: replay' } }]);
  });

  it('a refused offer does not cost the viewer its live session', async () => {
    const { offer, deliver, dial, sessions } = await setup();
    await dial('viewer-a', '0000000a');
    FakePeer.created[0]!.fire('connect');
    await deliver('viewer-a', await offer('viewer-a', '0000000b', { sdp: 'v=0 evil', signedSdp: SDP_OFFER }));
    expect(FakePeer.created[0]!.destroyed).toBe(false);
    expect(sessions.viewerCount).toBe(1);
  });

  it("holds the viewer's candidates while its offer is checked, then applies them in order", async () => {
    const { transport, sessions, offer } = await setup();
    const signed = await offer('viewer-a', '0000000a');
    transport.deliver('viewer-a', signed);
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: candidate(1) });
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: candidate(2) });
    expect(FakePeer.created).toHaveLength(0);
    await sessions.settled();
    expect(FakePeer.created[0]!.signalled).toEqual([{ type: 'offer', sdp: SDP_OFFER }, candidate(1), candidate(2)]);
  });

  it('drops the held candidates of an offer that is refused', async () => {
    const { transport, sessions, offer } = await setup();
    transport.deliver('viewer-a', await offer('viewer-a', '0000000a', { sdp: 'v=0 evil', signedSdp: SDP_OFFER }));
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: candidate(1) });
    await sessions.settled();
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: candidate(2) });
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent.map((s) => s.envelope.kind)).toEqual(['hangup']);
  });

  it('checks a renegotiation offer inside a live session too, and feeds it to the same peer', async () => {
    const { transport, offer, deliver, dial } = await setup();
    await dial('viewer-a', '0000000a');
    const peer = FakePeer.created[0]!;
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: { type: 'offer', sdp: 'v=0 injected' } });
    expect(peer.signalled).toHaveLength(1);
    expect(hangups(transport)).toHaveLength(1);
    await deliver('viewer-a', await offer('viewer-a', '0000000a', { sdp: 'v=0 renegotiated' }));
    expect(FakePeer.created).toHaveLength(1);
    expect(peer.signalled.at(-1)).toEqual({ type: 'offer', sdp: 'v=0 renegotiated' });
    expect(peer.destroyed).toBe(false);
  });

  it('answers a signed ping with a pong whose MAC the viewer can check, and ignores a bad one', async () => {
    const { transport, sessions, keys, deliver } = await setup();
    const ctx = { viewerId: 'viewer-a', cameraId: CAMERA, nonce: '0123456789abcdef' };
    const auth = await signPing(keys['viewer-a']!, ctx, NOW);
    await deliver('viewer-a', { v: 1, kind: 'ping', nonce: ctx.nonce, auth });
    // viewer-b replays viewer-a's ping: the MAC covers the sender's ID.
    await deliver('viewer-b', { v: 1, kind: 'ping', nonce: ctx.nonce, auth });
    await deliver('viewer-a', { v: 1, kind: 'ping', nonce: 'fedcba9876543210', auth });
    await deliver('viewer-a', { v: 1, kind: 'ping', nonce: ctx.nonce });
    expect(transport.sent).toHaveLength(1);
    const pong = transport.sent[0]!;
    expect(pong.dst).toBe('viewer-a');
    expect(pong.envelope).toMatchObject({ v: 1, kind: 'pong', nonce: ctx.nonce, name: 'Kitchen' });
    expect(await verifyPong(keys['viewer-a']!, ctx, 'Kitchen', (pong.envelope as { mac: string }).mac)).toBe(true);

    sessions.setName('Hall');
    await deliver('viewer-a', { v: 1, kind: 'ping', nonce: ctx.nonce, auth: await signPing(keys['viewer-a']!, ctx, NOW) });
    expect(transport.sent[1]!.envelope).toMatchObject({ kind: 'pong', name: 'Hall' });
  });
});

describe('CameraSessions: revocation', () => {
  it('destroys a revoked viewer\'s live session at once, silently, and then ignores it', async () => {
    const { transport, sessions, keyring, keys, counts, offer, deliver, dial } = await setup();
    await dial('viewer-a', '0000000a');
    await dial('viewer-b', '0000000b');
    const [a, b] = FakePeer.created as [FakePeer, FakePeer];
    a.fire('connect');
    b.fire('connect');
    const sentBefore = transport.sent.length;

    keyring.keys.delete('viewer-a');
    sessions.revoke('viewer-a');
    expect(a.destroyed).toBe(true);
    expect(b.destroyed).toBe(false);
    expect(counts).toEqual([1, 2, 1]);

    await deliver('viewer-a', await offer('viewer-a', '0000000c'));
    const ctx = { viewerId: 'viewer-a', cameraId: CAMERA, nonce: '0123456789abcdef' };
    await deliver('viewer-a', { v: 1, kind: 'ping', nonce: ctx.nonce, auth: await signPing(keys['viewer-a']!, ctx, NOW) });
    expect(FakePeer.created).toHaveLength(2);
    expect(transport.sent.slice(sentBefore)).toEqual([]);
  });

  it('a paired viewer\'s extra window (sub-ID) is answered with the same key and revoked with it', async () => {
    const { transport, sessions, keyring, keys, deliver } = await setup();
    const mini = 'viewer-a_mini';
    const auth = await signOffer(keys['viewer-a']!, { viewerId: mini, cameraId: CAMERA, sid: '0000000d', sdp: SDP_OFFER }, NOW);
    await deliver(mini, { v: 1, kind: 'signal', sid: '0000000d', signal: { type: 'offer', sdp: SDP_OFFER }, auth });
    const [peer] = FakePeer.created as [FakePeer];
    expect(peer).toBeDefined();
    peer.fire('connect');
    // The MAC covers the full sub-ID: a MAC made for the base ID does not work from the sub-ID.
    const forBase = await signOffer(keys['viewer-a']!, { viewerId: 'viewer-a', cameraId: CAMERA, sid: '0000000e', sdp: SDP_OFFER }, NOW);
    await deliver(mini, { v: 1, kind: 'signal', sid: '0000000e', signal: { type: 'offer', sdp: SDP_OFFER }, auth: forBase });
    expect(transport.sent.at(-1)).toMatchObject({ dst: mini, envelope: { kind: 'hangup', reason: 'refused: bad-mac' } });
    keyring.keys.delete('viewer-a');
    sessions.revoke('viewer-a');
    expect(peer.destroyed).toBe(true);
  });

  it('drops an offer that was being checked when its viewer was revoked', async () => {
    const { transport, sessions, keyring, offer } = await setup();
    transport.deliver('viewer-a', await offer('viewer-a', '0000000a'));
    keyring.keys.delete('viewer-a');
    sessions.revoke('viewer-a');
    await sessions.settled();
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toEqual([]);
  });

  it('sends no pong that was being worked out when its viewer was revoked', async () => {
    const { transport, sessions, keys } = await setup();
    const ctx = { viewerId: 'viewer-a', cameraId: CAMERA, nonce: '0123456789abcdef' };
    transport.deliver('viewer-a', { v: 1, kind: 'ping', nonce: ctx.nonce, auth: await signPing(keys['viewer-a']!, ctx, NOW) });
    sessions.revoke('viewer-a');
    await sessions.settled();
    expect(transport.sent).toEqual([]);
  });
});

describe('CameraSessions: session lifecycle', () => {
  it("feeds the viewer's later signals to that session's peer", async () => {
    const { deliver, dial } = await setup();
    await dial('viewer-a', '00aa11bb');
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '00aa11bb', signal: candidate(2) });
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '00aa11bb', signal: { type: 'renegotiate', renegotiate: true } });
    expect(FakePeer.created[0]!.signalled.slice(1)).toEqual([candidate(2), { renegotiate: true }]);
  });

  it('drops signals for sessions it does not know', async () => {
    const { transport, deliver } = await setup();
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '00aa11bb', signal: { type: 'answer', sdp: 'x' } });
    await deliver('viewer-b', { v: 1, kind: 'signal', sid: '00aa11bb', signal: { type: 'renegotiate', renegotiate: true } });
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toHaveLength(0);
  });

  it('keeps one session per viewer: a new offer from the same viewer replaces the old session', async () => {
    const { sessions, counts, deliver, dial } = await setup();
    await dial('viewer-a', '00000001');
    const first = FakePeer.created[0]!;
    first.fire('connect');
    await dial('viewer-a', '00000002');
    expect(first.destroyed).toBe(true);
    expect(FakePeer.created).toHaveLength(2);
    FakePeer.created[1]!.fire('connect');
    // The late close of the replaced peer must not touch the new session.
    first.fire('close');
    expect(sessions.viewerCount).toBe(1);
    expect(counts).toEqual([1, 0, 1]);
    // Signals for the old sid are now unknown.
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '00000001', signal: { type: 'renegotiate', renegotiate: true } });
    expect(FakePeer.created[1]!.signalled).toHaveLength(1);
  });

  it('sends hello with its name on connect and counts live viewers', async () => {
    const { sessions, counts, dial } = await setup();
    await dial('viewer-a', '0000000a');
    await dial('viewer-b', '0000000b');
    const [a, b] = FakePeer.created as [FakePeer, FakePeer];
    expect(counts).toEqual([]);
    a.fire('connect');
    b.fire('connect');
    expect(a.sentData).toEqual([encodeDataMessage({ t: 'hello', name: 'Kitchen' })]);
    expect(counts).toEqual([1, 2]);
    expect(sessions.viewerIds.sort()).toEqual(['viewer-a', 'viewer-b']);
    b.fire('close');
    expect(counts).toEqual([1, 2, 1]);
  });

  it('frees a session on hangup, but only for the right sid', async () => {
    const { transport, sessions, counts, deliver, dial } = await setup();
    await dial('viewer-a', '0000000a');
    const peer = FakePeer.created[0]!;
    peer.fire('connect');
    await deliver('viewer-a', { v: 1, kind: 'hangup', sid: 'ffffffff' });
    await deliver('viewer-b', { v: 1, kind: 'hangup', sid: '0000000a' });
    expect(peer.destroyed).toBe(false);
    await deliver('viewer-a', { v: 1, kind: 'hangup', sid: '0000000a' });
    expect(peer.destroyed).toBe(true);
    expect(sessions.viewerCount).toBe(0);
    expect(counts).toEqual([1, 0]);
    // The viewer asked for it: no hangup is sent back.
    expect(hangups(transport)).toEqual([]);
  });

  it('a hangup during the check cancels the offer', async () => {
    const { transport, sessions, offer } = await setup();
    transport.deliver('viewer-a', await offer('viewer-a', '0000000a'));
    transport.deliver('viewer-a', { v: 1, kind: 'hangup', sid: '0000000a' });
    await sessions.settled();
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toEqual([]);
  });

  it('tells connected viewers a new name', async () => {
    const { sessions, dial } = await setup();
    await dial('viewer-a', '0000000a');
    FakePeer.created[0]!.fire('connect');
    sessions.setName('Hall');
    expect(FakePeer.created[0]!.sentData.at(-1)).toBe(encodeDataMessage({ t: 'hello', name: 'Hall' }));
  });

  it('never throws out of a handler on garbage', async () => {
    const { transport, sessions, dial } = await setup();
    const garbage: unknown[] = [null, undefined, 42, 'x', {}, { kind: 'signal' }, { kind: 'signal', sid: 'aa', signal: null }, { kind: 'nope' }, { kind: 'hangup' }];
    for (const g of garbage) expect(() => transport.deliver('viewer-a', g)).not.toThrow();
    await sessions.settled();
    expect(logs.some((r) => r.level === 'error')).toBe(true);

    await dial('viewer-a', '0000000a');
    const peer = FakePeer.created.at(-1)!;
    peer.throwOnSignal = true;
    expect(() => transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: { type: 'renegotiate', renegotiate: true } })).not.toThrow();
    expect(() => peer.fire('signal', { weird: true })).not.toThrow();
    expect(() => peer.fire('signal', null)).not.toThrow();

    const messages: unknown[] = [];
    sessions.on('message', (_from, m) => messages.push(m));
    peer.fire('connect');
    for (const data of ['not json', new Uint8Array([0xff, 0xfe]), '{"t":"evil"}', 'x'.repeat(100_000), null]) {
      expect(() => peer.fire('data', data)).not.toThrow();
    }
    peer.fire('data', new TextEncoder().encode(encodeDataMessage({ t: 'hello', name: 'Viewer' })));
    expect(messages).toEqual([{ t: 'hello', name: 'Viewer' }]);
  });

  it('ignores a message kind only a newer viewer sends, and warns only about malformed ones', async () => {
    const { sessions, dial } = await setup();
    const messages: unknown[] = [];
    sessions.on('message', (_from, m) => messages.push(m));
    await dial('viewer-a', '0000000a');
    const peer = FakePeer.created.at(-1)!;
    peer.fire('connect');
    logs = [];
    peer.fire('data', '{"t":"standby-raise","slot":1}');
    expect(logs.filter((r) => r.level === 'warn')).toEqual([]);
    expect(logs.some((r) => r.level === 'debug' && /newer kind/.test(r.msg))).toBe(true);
    peer.fire('data', '{"t":"talk","on":"yes"}');
    expect(logs.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual(['dropped a malformed data-channel message']);
    expect(messages).toEqual([]);
  });

  it('routes a desktop\'s event messages apart, and sends event messages to one connected viewer', async () => {
    const { sessions, dial } = await setup();
    const events: [string, unknown][] = [];
    const messages: unknown[] = [];
    sessions.on('event-message', (from, m) => events.push([from, m]));
    sessions.on('message', (_from, m) => messages.push(m));
    await dial('viewer-a', '0000000a');
    const peer = FakePeer.created.at(-1)!;
    expect(sessions.sendEvent('viewer-a', { t: 'events-dropped-ack', upTo: 1 } as never)).toBe(false);
    peer.fire('connect');
    peer.fire('data', JSON.stringify({ t: 'event-ack', id: '0123456789abcdef' }));
    peer.fire('data', JSON.stringify({ t: 'event-ack', id: 'x' }));
    expect(events).toEqual([['viewer-a', { t: 'event-ack', id: '0123456789abcdef' }]]);
    expect(messages).toEqual([]);
    const end = { t: 'event-end', id: '0123456789abcdef', durationMs: 1200 } as const;
    expect(sessions.sendEvent('viewer-a', end)).toBe(true);
    expect(peer.sentData.at(-1)).toBe(JSON.stringify(end));
  });

  it('a keyring that throws counts as not paired', async () => {
    const transport = new FakeTransport();
    const keyring: ViewerKeyring = { keyFor: () => Promise.reject(new Error('storage gone')) };
    const sessions = new CameraSessions({ transport, stream, Answerer: FakePeer, name: 'Kitchen', cameraId: CAMERA, keyring, timers: new FakeTimers() });
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: { type: 'offer', sdp: SDP_OFFER } });
    transport.deliver('viewer-a', { v: 1, kind: 'ping', nonce: '0123456789abcdef' });
    await sessions.settled();
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toEqual([]);
  });

  it('destroys a failed session, tells the viewer, and updates the count', async () => {
    const { transport, counts, dial } = await setup();
    await dial('viewer-a', '0000000a');
    const peer = FakePeer.created[0]!;
    peer.fire('connect');
    peer.fire('error', new Error('Ice connection failed.'));
    expect(peer.destroyed).toBe(true);
    expect(counts).toEqual([1, 0]);
    expect(transport.sent.at(-1)).toEqual({ dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000a', reason: 'connection failed' } });
    // Late events of a dead session change nothing.
    peer.fire('connect');
    expect(counts).toEqual([1, 0]);
  });

  it('does not send an answer whose session ended while it was being signed', async () => {
    const { transport, sessions, dial } = await setup();
    await dial('viewer-a', '0000000a');
    const peer = FakePeer.created[0]!;
    peer.fire('signal', { type: 'answer', sdp: 'v=0 answer' });
    transport.deliver('viewer-a', { v: 1, kind: 'hangup', sid: '0000000a' });
    await sessions.settled();
    expect(transport.sent).toEqual([]);
  });

  it('drops a session that does not connect in time', async () => {
    const { timers, dial } = await setup();
    await dial('viewer-a', '0000000a');
    timers.advance(29_000);
    expect(FakePeer.created[0]!.destroyed).toBe(false);
    timers.advance(1_000);
    expect(FakePeer.created[0]!.destroyed).toBe(true);
  });

  it('keeps a connected session when the server says the viewer left, but drops a handshake in progress', async () => {
    const { transport, dial } = await setup();
    await dial('viewer-a', '0000000a');
    await dial('viewer-b', '0000000b');
    const [a, b] = FakePeer.created as [FakePeer, FakePeer];
    a.fire('connect');
    transport.expire('viewer-a');
    transport.expire('viewer-b');
    expect(a.destroyed).toBe(false);
    expect(b.destroyed).toBe(true);
  });

  it('refuses offers beyond its capacity', async () => {
    const { transport, dial } = await setup({ maxSessions: 1 });
    await dial('viewer-a', '0000000a');
    await dial('viewer-b', '0000000b');
    expect(FakePeer.created).toHaveLength(1);
    expect(transport.sent).toEqual([{ dst: 'viewer-b', envelope: { v: 1, kind: 'hangup', sid: '0000000b', reason: 'busy' } }]);
  });

  it('on close ends every session, tells each viewer, and stops answering', async () => {
    const { transport, sessions, counts, keys, offer, deliver, dial } = await setup();
    await dial('viewer-a', '0000000a');
    FakePeer.created[0]!.fire('connect');
    const pending = await offer('viewer-b', '0000000c');
    transport.deliver('viewer-b', pending);
    sessions.close();
    await sessions.settled();
    expect(FakePeer.created[0]!.destroyed).toBe(true);
    expect(counts).toEqual([1, 0]);
    expect(transport.sent).toEqual([{ dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000a', reason: 'camera stopped' } }]);
    await deliver('viewer-b', await offer('viewer-b', '0000000b'));
    const ctx = { viewerId: 'viewer-b', cameraId: CAMERA, nonce: '0123456789abcdef' };
    await deliver('viewer-b', { v: 1, kind: 'ping', nonce: ctx.nonce, auth: await signPing(keys['viewer-b']!, ctx, NOW) });
    expect(FakePeer.created).toHaveLength(1);
    expect(transport.sent).toHaveLength(1);
  });
});

/** An IceSource with TURN or without, recording what it was asked. */
function iceWith(turn: boolean): IceSource & { asked: boolean[] } {
  const servers = [{ urls: ['stun:example.net'] }, ...(turn ? [{ urls: ['turn:example.net'], username: 'u', credential: 'c' }] : [])];
  const asked: boolean[] = [];
  return {
    asked,
    async choose(relayOnly: boolean): Promise<IceChoice> {
      asked.push(relayOnly);
      if (relayOnly && !turn) return { ok: false, reason: 'relay-unavailable' };
      return { ok: true, config: { iceServers: servers, iceTransportPolicy: relayOnly ? 'relay' : 'all' } };
    },
  };
}

describe('CameraSessions: ICE servers and relay-only', () => {
  it('answers with the ICE servers from the server; relay-only when the viewer asked for it', async () => {
    const ice = iceWith(true);
    const { offer, deliver } = await setup({ ice });
    await deliver('viewer-a', await offer('viewer-a', '0000000a'));
    await deliver('viewer-b', await offer('viewer-b', '0000000b', { relay: true }));
    expect(ice.asked).toEqual([false, true]);
    expect(FakePeer.created.map((p) => p.options.config.iceTransportPolicy)).toEqual(['all', 'relay']);
    expect(FakePeer.created[1]!.options.config.iceServers).toHaveLength(2);
  });

  it('refuses a relay-only offer when the server has no TURN relay, with the reason relay-unavailable', async () => {
    const { transport, offer, deliver, sessions } = await setup({ ice: iceWith(false) });
    transport.deliver('viewer-a', await offer('viewer-a', '0000000a', { relay: true }));
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: candidate(1) });
    await sessions.settled();
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toEqual([{ dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000a', reason: 'relay-unavailable' } }]);
    // Without the request the same camera answers (host and STUN candidates).
    await deliver('viewer-a', await offer('viewer-a', '0000000b'));
    expect(FakePeer.created).toHaveLength(1);
  });

  it('the relay request is covered by the MAC: a relay that adds or strips it is refused', async () => {
    const { transport, offer, deliver } = await setup({ ice: iceWith(true) });
    await deliver('viewer-a', await offer('viewer-a', '0000000a', { relay: true, signedRelay: false }));
    await deliver('viewer-a', await offer('viewer-a', '0000000b', { relay: false, signedRelay: true }));
    expect(FakePeer.created).toHaveLength(0);
    expect(hangups(transport).map((h) => (h.envelope as { reason: string }).reason)).toEqual(['refused: bad-mac', 'refused: bad-mac']);
  });

  it('holds the viewer\'s candidates while the ICE servers are looked up', async () => {
    let release: (choice: IceChoice) => void = () => undefined;
    let asked: () => void = () => undefined;
    const lookingUp = new Promise<void>((resolve) => (asked = resolve));
    const slow: IceSource = {
      choose: () => {
        asked();
        return new Promise((resolve) => (release = resolve));
      },
    };
    const { transport, sessions, offer } = await setup({ ice: slow });
    transport.deliver('viewer-a', await offer('viewer-a', '0000000a'));
    // The offer verified and the lookup began: from here the candidate must wait.
    await lookingUp;
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: candidate(1) });
    expect(FakePeer.created).toHaveLength(0);
    release({ ok: true, config: { iceServers: [], iceTransportPolicy: 'all' } });
    await sessions.settled();
    expect(FakePeer.created[0]!.signalled).toEqual([{ type: 'offer', sdp: SDP_OFFER }, candidate(1)]);
  });

  it('does not feed an empty end-of-candidates to the peer (Safari rejects it)', async () => {
    const { dial, deliver } = await setup();
    await dial('viewer-a', '0000000a');
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: { type: 'candidate', candidate: { candidate: '', sdpMid: '0' } } });
    await deliver('viewer-a', { v: 1, kind: 'signal', sid: '0000000a', signal: candidate(3) });
    expect(FakePeer.created[0]!.signalled).toEqual([{ type: 'offer', sdp: SDP_OFFER }, candidate(3)]);
  });
});

describe('CameraSessions: media hooks and cleanup', () => {
  it('reports connected, the viewer\'s talk-back track, and ended; sends to one viewer; lists every peer', async () => {
    const { sessions, dial } = await setup();
    const events: string[] = [];
    sessions.on('connected', (id) => events.push(`connected ${id}`));
    sessions.on('ended', (id) => events.push(`ended ${id}`));
    sessions.on('remote-track', (id, track) => events.push(`track ${id} ${track.kind}`));
    await dial('viewer-a', '0000000a');
    await dial('viewer-b', '0000000b');
    const [a, b] = FakePeer.created as [FakePeer, FakePeer];
    a.fire('connect');
    a._pc.receive(new FakeTrack('audio'));
    expect(sessions.peers().map((p) => [p.viewerId, p.connected])).toEqual([
      ['viewer-a', true],
      ['viewer-b', false],
    ]);
    expect(sessions.send('viewer-a', { t: 'talk', on: true })).toBe(true);
    expect(sessions.send('viewer-b', { t: 'talk', on: true })).toBe(false);
    expect(a.sentData.at(-1)).toBe(encodeDataMessage({ t: 'talk', on: true }));
    expect(b.sentData).toEqual([]);
    sessions.drop('viewer-a', 'media update failed');
    expect(a.destroyed).toBe(true);
    expect(events).toEqual(['connected viewer-a', 'track viewer-a audio', 'ended viewer-a']);
  });

  it('a viewer dialling again gets a fresh session; the old one is destroyed and nothing piles up', async () => {
    const { sessions, dial, counts } = await setup();
    const ended: string[] = [];
    sessions.on('ended', (id) => ended.push(id));
    for (const sid of ['0000000a', '0000000b', '0000000c']) {
      await dial('viewer-a', sid);
      FakePeer.created.at(-1)!.fire('connect');
    }
    expect(FakePeer.created.map((p) => p.destroyed)).toEqual([true, true, false]);
    expect(sessions.peers()).toHaveLength(1);
    expect(sessions.viewerCount).toBe(1);
    expect(ended).toEqual(['viewer-a', 'viewer-a']);
    expect(counts.at(-1)).toBe(1);
  });

  it('a session whose connection fails or closes is destroyed and released', async () => {
    const { sessions, dial } = await setup();
    await dial('viewer-a', '0000000a');
    await dial('viewer-b', '0000000b');
    const [a, b] = FakePeer.created as [FakePeer, FakePeer];
    a.fire('connect');
    b.fire('connect');
    a.fire('error', new Error('Ice connection failed.'));
    b.fire('close');
    expect(a.destroyed && b.destroyed).toBe(true);
    expect(sessions.peers()).toEqual([]);
    expect(sessions.viewerCount).toBe(0);
  });

  it('survives the signaling connection dropping: a connected session needs no server', async () => {
    const { transport, sessions, dial } = await setup();
    await dial('viewer-a', '0000000a');
    FakePeer.created[0]!.fire('connect');
    transport.setState('retrying');
    transport.setState('open');
    expect(FakePeer.created[0]!.destroyed).toBe(false);
    expect(sessions.viewerCount).toBe(1);
  });
});

describe('CameraSessions: standby links', () => {
  it('answers a standby offer with the thumbnail stream, counts it apart from live viewers, and asks the media for standby', async () => {
    const link = new FakeLinkMedia();
    const { sessions, counts, standbyCounts, offer, deliver } = await setup({ link });
    await deliver('viewer-a', await offer('viewer-a', '00aa11bb', { standby: true }));
    const peer = FakePeer.created.at(-1)!;
    expect(peer.options.stream).toBe(link.standbyStream_);
    peer.fire('connect');
    await sessions.settled();
    expect(link.applied).toEqual([['viewer-a', 'standby']]);
    expect({ live: sessions.viewerCount, standby: sessions.standbyCount, counts, standbyCounts }).toEqual({ live: 0, standby: 1, counts: [], standbyCounts: [1] });
    expect(sessions.viewerIds).toEqual([]);
    expect(sessions.peers().map((p) => p.mode)).toEqual(['standby']);
  });

  it('Watch raises the same session to live and Stop lowers it, with no new peer and nothing through the server', async () => {
    const link = new FakeLinkMedia();
    const { transport, sessions, counts, standbyCounts, offer, deliver } = await setup({ link });
    await deliver('viewer-a', await offer('viewer-a', '00aa11bb', { standby: true }));
    const peer = FakePeer.created.at(-1)!;
    peer.fire('connect');
    await sessions.settled();
    const sentBefore = transport.sent.length;
    peer.fire('data', encodeDataMessage({ t: 'link', mode: 'live' }));
    await sessions.settled();
    expect(sessions.viewerIds).toEqual(['viewer-a']);
    peer.fire('data', encodeDataMessage({ t: 'link', mode: 'live' }));
    peer.fire('data', encodeDataMessage({ t: 'link', mode: 'standby' }));
    await sessions.settled();
    expect(link.applied).toEqual([['viewer-a', 'standby'], ['viewer-a', 'live'], ['viewer-a', 'standby']]);
    expect(counts).toEqual([1, 0]);
    expect(standbyCounts).toEqual([1, 0, 1]);
    expect(FakePeer.created.at(-1)).toBe(peer);
    expect(transport.sent.length).toBe(sentBefore);
  });

  it('a Watch that arrives while the standby set-up is still switching is applied after it: the session ends up live', async () => {
    const link = new FakeLinkMedia();
    const { sessions, offer, deliver } = await setup({ link });
    const gates: (() => void)[] = [];
    const order: string[] = [];
    link.apply = async (viewerId, _peer, mode) => {
      order.push(`start ${mode}`);
      await new Promise<void>((resolve) => gates.push(resolve));
      order.push(`done ${mode}`);
      link.applied.push([viewerId, mode]);
    };
    await deliver('viewer-a', await offer('viewer-a', '00aa11bb', { standby: true }));
    const peer = FakePeer.created.at(-1)!;
    peer.fire('connect');
    await new Promise((resolve) => setImmediate(resolve));
    peer.fire('data', encodeDataMessage({ t: 'link', mode: 'live' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start standby']);
    for (let i = 0; i < 10 && gates.length > 0; i++) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sessions.settled();
    expect(order).toEqual(['start standby', 'done standby', 'start live', 'done live']);
    expect(link.applied.at(-1)).toEqual(['viewer-a', 'live']);
  });

  it('an offer without the flag is a live watch; the flag cannot be added or stripped under the MAC', async () => {
    const link = new FakeLinkMedia();
    const { transport, sessions, offer, deliver } = await setup({ link });
    await deliver('viewer-a', await offer('viewer-a', '00aa11bb'));
    const peer = FakePeer.created.at(-1)!;
    expect(peer.options.stream).toBe(stream);
    peer.fire('connect');
    await sessions.settled();
    expect(link.applied).toEqual([['viewer-a', 'live']]);
    expect(sessions.viewerCount).toBe(1);
    const created = FakePeer.created.length;
    await deliver('viewer-b', await offer('viewer-b', '00cc11dd', { standby: true, signedStandby: false }));
    await deliver('viewer-b', await offer('viewer-b', '00ee11ff', { standby: false, signedStandby: true }));
    expect(FakePeer.created.length).toBe(created);
    expect(hangups(transport).map((h) => h.envelope.kind === 'hangup' && h.envelope.reason)).toEqual(['refused: bad-mac', 'refused: bad-mac']);
  });

  it('standby links count against the cap: the camera refuses beyond it with busy', async () => {
    const link = new FakeLinkMedia();
    const { transport, sessions, offer, deliver } = await setup({ link, maxSessions: 1 });
    await deliver('viewer-a', await offer('viewer-a', '00aa11bb', { standby: true }));
    await deliver('viewer-b', await offer('viewer-b', '00cc11dd', { standby: true }));
    expect(sessions.maxSessions).toBe(1);
    expect(hangups(transport).map((h) => [h.dst, h.envelope.kind === 'hangup' && h.envelope.reason])).toEqual([['viewer-b', 'busy']]);
  });

  it('a session that cannot switch is ended and its viewer told, so it re-dials; ended sessions are reported to the media', async () => {
    const link = new FakeLinkMedia();
    const { transport, sessions, offer, deliver } = await setup({ link });
    await deliver('viewer-a', await offer('viewer-a', '00aa11bb', { standby: true }));
    const peer = FakePeer.created.at(-1)!;
    peer.fire('connect');
    await sessions.settled();
    link.fail = true;
    peer.fire('data', encodeDataMessage({ t: 'link', mode: 'live' }));
    await sessions.settled();
    expect(peer.destroyed).toBe(true);
    expect(hangups(transport).map((h) => h.envelope.kind === 'hangup' && h.envelope.reason)).toEqual(['media update failed']);
    expect(link.endedIds).toEqual(['viewer-a']);
    expect(sessions.standbyCount).toBe(0);
  });
});
