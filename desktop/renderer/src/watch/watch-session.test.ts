import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FRESHNESS_MS, pairMacKey, ReplayGuard, signAnswer, verifyOffer } from '../../../../protocol/auth.ts';
import { randomBytes } from '../../../../protocol/crypto.ts';
import type { SignalAuth, SignalEnvelope } from '../../../../protocol/envelope.ts';
import { PawcamError } from '../../../../protocol/errors.ts';
import type { HangupReason } from '../../../../protocol/hangup.ts';
import type { RtcConfig } from '../../../../protocol/ice.ts';
import { configureLogging, type LogRecord } from '../../../../protocol/log.ts';
import { encodeDataMessage } from '../../../../protocol/messages.ts';
import { FakeTransport } from '../../../../protocol/testing/transport.ts';
import type { DialOptions, EndReason, PeerInspector, PeerObserver, SimplePeerLike, TrackSender } from './types.ts';
import { WatchSession } from './watch-session.ts';

const CAM = `cam-${'c'.repeat(32)}`;
const OTHER = `cam-${'d'.repeat(32)}`;
const SID = '0123456789abcdef';
const OFFER_SDP = 'v=0\r\na=fingerprint:sha-256 AA:BB\r\n';
const ANSWER_SDP = 'v=0\r\na=fingerprint:sha-256 CC:DD\r\n';
const CANDIDATE = { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } } as const;

type Handler = (...args: never[]) => void;

/** A stand-in for simple-peer: records what it is fed and lets a test fire its events. */
class FakePeer implements SimplePeerLike {
  readonly handlers = new Map<string, Handler[]>();
  readonly signals: object[] = [];
  destroyed = false;

  on(event: string, fn: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
    return this;
  }

  signal(data: object): void {
    if (this.destroyed) throw new Error('cannot signal after peer is destroyed');
    this.signals.push(data);
  }

  readonly sentData: string[] = [];

  send(data: string): void {
    this.sentData.push(data);
  }

  destroy(): void {
    this.destroyed = true;
  }

  fire(event: string, ...args: unknown[]): void {
    for (const fn of this.handlers.get(event) ?? []) (fn as (...a: unknown[]) => void)(...args);
  }
}

/** An inspector whose events a test fires, and whose stats it sets. */
function fakeInspector() {
  const observers: PeerObserver[] = [];
  let records: Record<string, unknown>[] | null = null;
  const inspector: PeerInspector = {
    stats: async () => records,
    observe: (_peer, observer) => {
      observers.push(observer);
      return () => observers.splice(observers.indexOf(observer), 1);
    },
  };
  return { inspector, observers, setStats: (r: Record<string, unknown>[] | null) => (records = r) };
}

let KEY: CryptoKey;
let WRONG_KEY: CryptoKey;

/** A stand-in for the talk-back line's RTCRtpSender: records every track put on it. */
class FakeSender implements TrackSender {
  readonly tracks: (MediaStreamTrack | null)[] = [];

  replaceTrack(track: MediaStreamTrack | null): Promise<void> {
    this.tracks.push(track);
    return Promise.resolve();
  }
}

const MIC = { kind: 'audio', id: 'mic-1' } as unknown as MediaStreamTrack;

interface SetupOptions {
  talkBack?: boolean;
  /** Called with the session before it starts (setMic before dialling). */
  beforeStart?: (session: WatchSession) => void;
  key?: CryptoKey | null;
  rtcConfig?: () => Promise<RtcConfig>;
  inspector?: PeerInspector;
}

async function setup(options: SetupOptions = {}) {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const dialed: DialOptions[] = [];
  const senders: FakeSender[] = [];
  const session = new WatchSession({
    cameraId: CAM,
    viewerId: transport.id,
    transport,
    sid: SID,
    key: async () => (options.key === undefined ? KEY : options.key),
    ...(options.rtcConfig ? { rtcConfig: options.rtcConfig } : {}),
    ...(options.inspector ? { inspector: options.inspector } : {}),
    ...(options.talkBack ? { talkBack: true } : {}),
    createPeer: (o) => {
      dialed.push(o);
      const peer = new FakePeer();
      peers.push(peer);
      const talkSender = o.talkBack ? new FakeSender() : null;
      if (talkSender) senders.push(talkSender);
      return { peer, talkSender };
    },
  });
  const events: string[] = [];
  const ended: EndReason[] = [];
  session.on('connecting', () => events.push('connecting'));
  session.on('live', () => events.push('live'));
  session.on('error', (e) => events.push(`error:${e.code}`));
  session.on('ended', (r) => {
    events.push(`ended:${r.code}`);
    ended.push(r);
  });
  options.beforeStart?.(session);
  session.start();
  await session.settled();
  return { transport, session, peer: peers[0]!, peers, dialed, senders, events, ended };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** simple-peer makes its offer; returns the envelope that went to the camera, after the camera checked it. */
async function offer(s: Setup): Promise<SignalEnvelope> {
  s.peer.fire('signal', { type: 'offer', sdp: OFFER_SDP });
  await s.session.settled();
  const sent = s.transport.sentOf('signal').find((m) => m.envelope.signal.type === 'offer');
  if (!sent) throw new Error('no offer sent');
  return sent.envelope;
}

/** The camera's answer to `offerAuth`, signed with `key` (a tampering server can change it afterwards). */
async function answer(offerAuth: SignalAuth, { key = KEY, sdp = ANSWER_SDP, now = Date.now() } = {}): Promise<SignalEnvelope> {
  const auth = await signAnswer(key, { viewerId: 'viewer-test', cameraId: CAM, sid: SID, offerNonce: offerAuth.nonce, sdp }, now);
  return { v: 1, kind: 'signal', sid: SID, signal: { type: 'answer', sdp }, auth };
}

async function deliver(s: Setup, envelope: SignalEnvelope | Parameters<FakeTransport['deliver']>[1], from = CAM): Promise<void> {
  s.transport.deliver(from, envelope);
  await s.session.settled();
}

/** Dial, answer and go live. */
async function live(s: Setup): Promise<void> {
  const sent = await offer(s);
  await deliver(s, await answer(sent.auth!));
  s.peer.fire('connect');
}

describe('WatchSession', () => {
  beforeAll(async () => {
    configureLogging({ sink: () => {} });
    KEY = await pairMacKey(randomBytes(32));
    WRONG_KEY = await pairMacKey(randomBytes(32));
  });
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('dials as the initiator, receiving audio and video, with the ICE configuration it is given', async () => {
    const s = await setup();
    expect(s.dialed).toEqual([
      { initiator: true, trickle: true, config: { iceServers: [], iceTransportPolicy: 'all' }, offerOptions: { offerToReceiveAudio: true, offerToReceiveVideo: true } },
    ]);
    expect(s.events).toEqual(['connecting']);
    expect(s.session.phase).toBe('connecting');
    const relay: RtcConfig = { iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'c' }], iceTransportPolicy: 'relay' };
    const r = await setup({ rtcConfig: async () => relay });
    expect(r.dialed[0]?.config).toEqual(relay);
  });

  describe('talk-back line', () => {
    it('dials with a talk-back line at once, and puts a later microphone on its sender without a new offer', async () => {
      const s = await setup({ talkBack: true });
      expect(s.dialed).toHaveLength(1);
      expect(s.dialed[0]?.talkBack).toBe(true);
      expect(s.senders[0]?.tracks).toEqual([]);
      await live(s);
      s.session.setMic(MIC);
      s.session.setMic(MIC);
      await s.session.settled();
      expect(s.senders).toHaveLength(1);
      expect(s.senders[0]?.tracks).toEqual([MIC]);
      expect(s.peers).toHaveLength(1);
      expect(s.transport.sentOf('signal').filter((m) => m.envelope.signal.type === 'offer')).toHaveLength(1);
    });

    it('puts a microphone given before dialling on the sender as soon as the peer exists', async () => {
      const s = await setup({ talkBack: true, beforeStart: (session) => session.setMic(MIC) });
      expect(s.senders[0]?.tracks).toEqual([MIC]);
    });

    it('offers no talk-back line unless asked, and ignores a microphone then', async () => {
      const s = await setup({ beforeStart: (session) => session.setMic(MIC) });
      expect(s.dialed[0]?.talkBack).toBeUndefined();
      expect(s.senders).toEqual([]);
    });

    it('attaches nothing once ended', async () => {
      const s = await setup({ talkBack: true });
      s.session.stop();
      s.session.setMic(MIC);
      expect(s.senders[0]?.tracks).toEqual([]);
    });
  });

  it('signs its offer with the pair key, over the SDP, both IDs and the session; candidates follow the offer in order', async () => {
    const s = await setup();
    s.peer.fire('signal', { type: 'offer', sdp: OFFER_SDP });
    s.peer.fire('signal', CANDIDATE);
    await s.session.settled();
    const sent = s.transport.sentOf('signal');
    expect(sent.map((m) => m.envelope.signal.type)).toEqual(['offer', 'candidate']);
    expect(sent.every((m) => m.dst === CAM && m.envelope.sid === SID)).toBe(true);
    const auth = sent[0]!.envelope.auth!;
    const replay = new ReplayGuard();
    const context = { viewerId: 'viewer-test', cameraId: CAM, sid: SID, sdp: OFFER_SDP };
    expect(await verifyOffer(KEY, context, auth, Date.now(), replay)).toBeNull();
    expect(await verifyOffer(KEY, { ...context, sdp: `${OFFER_SDP}x` }, auth, Date.now(), new ReplayGuard())).toBe('bad-mac');
    expect(sent[1]!.envelope.auth).toBeUndefined();
  });

  it('feeds simple-peer a verified answer, then the candidates that came before it, in order', async () => {
    const s = await setup();
    const sent = await offer(s);
    await deliver(s, { v: 1, kind: 'signal', sid: SID, signal: CANDIDATE });
    expect(s.peer.signals).toEqual([]);
    await deliver(s, await answer(sent.auth!));
    await deliver(s, { v: 1, kind: 'signal', sid: SID, signal: { type: 'renegotiate', renegotiate: true } });
    expect(s.peer.signals).toEqual([{ type: 'answer', sdp: ANSWER_SDP }, CANDIDATE, { renegotiate: true }]);
    expect(s.session.phase).toBe('connecting');
  });

  it.each([
    ['an answer whose SDP was rewritten (a new DTLS fingerprint)', async (a: SignalAuth) => ({ ...(await answer(a)), signal: { type: 'answer' as const, sdp: `${ANSWER_SDP}a=fingerprint:sha-256 EE:FF\r\n` } })],
    ['an answer made with another key', (a: SignalAuth) => answer(a, { key: WRONG_KEY })],
    ['an answer replayed from another offer', () => answer({ nonce: 'ffffffffffffffffffffffff', ts: Date.now(), mac: 'x'.repeat(43) })],
    ['an unsigned answer', async (a: SignalAuth) => {
      const { auth: _auth, ...rest } = await answer(a);
      return rest;
    }],
  ])('refuses %s as tampered, without feeding the peer anything', async (_, make) => {
    const s = await setup();
    const sent = await offer(s);
    await deliver(s, { v: 1, kind: 'signal', sid: SID, signal: CANDIDATE });
    await deliver(s, await make(sent.auth!));
    expect(s.ended).toHaveLength(1);
    expect(s.ended[0]).toMatchObject({ code: 'tampered', retryable: false });
    expect(s.ended[0]!.error).toBeInstanceOf(PawcamError);
    expect(s.ended[0]!.error?.code).toBe('tampered');
    expect(s.ended[0]!.message).toMatch(/altered in transit.*tampering with the server.*Not connected/);
    expect(s.peer.signals).toEqual([]);
    expect(s.peer.destroyed).toBe(true);
    expect(s.events).toContain('error:tampered');
    // The camera is told, so it frees its half.
    expect(s.transport.sentOf('hangup')).toEqual([{ dst: CAM, envelope: { v: 1, kind: 'hangup', sid: SID } }]);
    // A good answer after that changes nothing.
    await deliver(s, await answer(sent.auth!));
    expect(s.peer.signals).toEqual([]);
  });

  it('refuses an answer from a camera whose clock is far off, saying so', async () => {
    const s = await setup();
    const sent = await offer(s);
    await deliver(s, await answer(sent.auth!, { now: Date.now() - FRESHNESS_MS - 1000 }));
    expect(s.ended[0]).toMatchObject({ code: 'clock-skew', retryable: false });
    expect(s.ended[0]!.message).toMatch(/clocks .* differ by more than 2 minutes/);
    expect(s.peer.signals).toEqual([]);
  });

  it.each<[HangupReason, string, string, RegExp]>([
    ['refused: bad-mac', 'tampered', 'tampered', /arrived altered.*tampering/],
    ['refused: replay', 'tampered', 'tampered', /replayed.*tampering/],
    ['refused: stale', 'clock-skew', 'connection-failed', /the clocks of this computer and the phone differ by more than 2 minutes/],
  ])('ends on the camera\'s "%s" hangup with a clear error', async (reason, code, errorCode, message) => {
    const s = await setup();
    await offer(s);
    await deliver(s, { v: 1, kind: 'hangup', sid: 'ffffffffffffffff', reason });
    await deliver(s, { v: 1, kind: 'hangup', sid: SID, reason }, OTHER);
    expect(s.ended).toEqual([]);
    await deliver(s, { v: 1, kind: 'hangup', sid: SID, reason });
    expect(s.ended[0]).toMatchObject({ code, retryable: false });
    expect(s.ended[0]!.error?.code).toBe(errorCode);
    expect(s.ended[0]!.message).toMatch(message);
    expect(s.peer.destroyed).toBe(true);
    // The camera already knows: no hangup back.
    expect(s.transport.sentOf('hangup')).toEqual([]);
  });

  it('says "not paired" and dials nothing without a key', async () => {
    const s = await setup({ key: null });
    expect(s.peers).toEqual([]);
    expect(s.ended[0]).toMatchObject({ code: 'not-paired', retryable: false });
    expect(s.ended[0]!.error?.code).toBe('not-paired');
    expect(s.transport.sent).toEqual([]);
  });

  it('says why when the ICE configuration cannot be honoured (relay-only without TURN), dialling nothing', async () => {
    const s = await setup({
      rtcConfig: async () => {
        throw new PawcamError('connection-failed', '"Always relay" is on, but the server has no TURN relay configured');
      },
    });
    expect(s.peers).toEqual([]);
    expect(s.ended[0]).toMatchObject({ code: 'connection-failed', retryable: false });
    expect(s.ended[0]!.message).toMatch(/no TURN relay/);
    expect(s.ended[0]!.error?.code).toBe('connection-failed');
  });

  describe('relay-only', () => {
    const relay: RtcConfig = { iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'c' }], iceTransportPolicy: 'relay' };

    it('fails at once with "relay refused" when the TURN server refuses our credentials and no candidate came', async () => {
      const { inspector, observers } = fakeInspector();
      const s = await setup({ rtcConfig: async () => relay, inspector });
      await offer(s);
      observers[0]!.candidateError(401, 'turn:127.0.0.1:3478?transport=udp');
      expect(s.ended).toEqual([]);
      observers[0]!.gatheringComplete();
      expect(s.ended[0]).toMatchObject({ code: 'connection-failed' });
      expect(s.ended[0]!.message).toMatch(/relay server refused our credentials/);
      expect(s.ended[0]!.error?.code).toBe('connection-failed');
      expect(s.peer.destroyed).toBe(true);
    });

    it('does not give up while relay candidates exist; ICE failure then names the relay', async () => {
      const { inspector, observers } = fakeInspector();
      const s = await setup({ rtcConfig: async () => relay, inspector });
      await offer(s);
      s.peer.fire('signal', { type: 'candidate', candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 6000 typ relay', sdpMid: '0', sdpMLineIndex: 0 } });
      observers[0]!.gatheringComplete();
      expect(s.ended).toEqual([]);
      s.peer.fire('error', Object.assign(new Error('Ice connection failed.'), { code: 'ERR_ICE_CONNECTION_FAILURE' }));
      expect(s.ended[0]!.message).toMatch(/relay server/);
    });

    it('marks the offer relay-only and signs that, so the camera answers relay-only too', async () => {
      const s = await setup({ rtcConfig: async () => relay });
      const sent = await offer(s);
      expect(sent.relay).toBe(true);
      const guard = new ReplayGuard();
      const context = { viewerId: 'viewer-test', cameraId: CAM, sid: SID, sdp: OFFER_SDP };
      expect(await verifyOffer(KEY, { ...context, relayOnly: true }, sent.auth!, Date.now(), guard)).toBeNull();
      expect(await verifyOffer(KEY, context, sent.auth!, Date.now(), new ReplayGuard())).toBe('bad-mac');
    });

    it('says clearly when the camera has no relay, and does not retry', async () => {
      const s = await setup({ rtcConfig: async () => relay });
      await offer(s);
      await deliver(s, { v: 1, kind: 'hangup', sid: SID, reason: 'relay-unavailable' });
      expect(s.ended[0]).toMatchObject({ code: 'relay-unavailable', retryable: false });
      expect(s.ended[0]!.message).toMatch(/no TURN relay/);
    });

    it('does not mark offers relay-only without "Always relay"', async () => {
      const s = await setup();
      expect((await offer(s)).relay).toBeUndefined();
    });

    it('ends a silent relay attempt at the connect timeout with a relay message, not a hang', async () => {
      const s = await setup({ rtcConfig: async () => relay });
      await offer(s);
      vi.advanceTimersByTime(20_000);
      expect(s.ended[0]).toMatchObject({ code: 'connection-failed' });
      expect(s.ended[0]!.message).toMatch(/relay server/);
    });
  });

  it('accepts signals only from its camera with its sid', async () => {
    const s = await setup();
    const sent = await offer(s);
    const good = await answer(sent.auth!);
    await deliver(s, good, OTHER);
    await deliver(s, { ...good, sid: 'ffffffffffffffff' });
    await deliver(s, { v: 1, kind: 'signal', sid: SID, signal: { type: 'offer', sdp: 'v=0\r\n' } });
    expect(s.peer.signals).toEqual([]);
    expect(s.ended).toEqual([]);
    await deliver(s, good);
    expect(s.peer.signals).toEqual([{ type: 'answer', sdp: ANSWER_SDP }]);
  });

  it('ends on its own hangup (not others\'), without answering it', async () => {
    const s = await setup();
    await deliver(s, { v: 1, kind: 'hangup', sid: 'ffffffffffffffff' });
    await deliver(s, { v: 1, kind: 'hangup', sid: SID }, OTHER);
    expect(s.session.phase).toBe('connecting');
    await deliver(s, { v: 1, kind: 'hangup', sid: SID });
    expect(s.ended.map((r) => r.code)).toEqual(['camera-hung-up']);
    expect(s.peer.destroyed).toBe(true);
    expect(s.transport.sentOf('hangup')).toEqual([]);
  });

  it('says the camera is busy when it has too many viewers', async () => {
    const s = await setup();
    await deliver(s, { v: 1, kind: 'hangup', sid: SID, reason: 'busy' });
    expect(s.ended[0]).toMatchObject({ code: 'camera-busy', retryable: true });
  });

  it('goes live on connect, exposes the stream and the hello name', async () => {
    const s = await setup();
    const stream = { id: 'stream-1' } as unknown as MediaStream;
    const names: string[] = [];
    s.session.on('hello', (n) => names.push(n));
    await live(s);
    s.peer.fire('stream', stream);
    s.peer.fire('data', new TextEncoder().encode(encodeDataMessage({ t: 'hello', name: 'Living room' })));
    s.peer.fire('data', new TextEncoder().encode('{"t":"nonsense"}'));
    expect(s.events).toEqual(['connecting', 'live']);
    expect(s.session.phase).toBe('live');
    expect(s.session.stream).toBe(stream);
    expect(s.session.remoteName).toBe('Living room');
    expect(names).toEqual(['Living room']);
  });

  it('a hello that comes before the session is live is told once it is, when a reply can go out', async () => {
    const s = await setup();
    const heard: { name: string; sent: boolean }[] = [];
    s.session.on('hello', (name) => heard.push({ name, sent: s.session.send({ t: 'viewer-name', name: 'Desk' }) }));
    const sent = await offer(s);
    await deliver(s, await answer(sent.auth!));
    s.peer.fire('data', new TextEncoder().encode(encodeDataMessage({ t: 'hello', name: 'Living room' })));
    expect(heard).toEqual([]);
    expect(s.session.remoteName).toBe('Living room');
    s.peer.fire('connect');
    expect(heard).toEqual([{ name: 'Living room', sent: true }]);
  });

  it('ignores a message kind only a newer camera sends, and warns only about malformed ones', async () => {
    const records: LogRecord[] = [];
    configureLogging({ sink: (r) => records.push(r), level: 'debug' });
    const s = await setup();
    const messages: unknown[] = [];
    s.session.on('message', (m) => messages.push(m));
    await live(s);
    s.peer.fire('data', '{"t":"event-clip","id":"x"}');
    expect(records.filter((r) => r.level === 'warn')).toEqual([]);
    expect(records.some((r) => r.level === 'debug' && /newer kind/.test(r.msg))).toBe(true);
    s.peer.fire('data', '{"t":"status","battery":7}');
    expect(records.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual(['dropped a malformed data-channel message']);
    expect(messages).toEqual([]);
    configureLogging({ sink: () => {} });
  });

  it('hands the camera\'s event messages on, parsed, and sends the desktop\'s acks on the same channel', async () => {
    const s = await setup();
    const events: unknown[] = [];
    const messages: unknown[] = [];
    s.session.on('event-message', (m) => events.push(m));
    s.session.on('message', (m) => messages.push(m));
    expect(s.session.sendEvent({ t: 'event-ack', id: '0123456789abcdef' })).toBe(false);
    await live(s);
    s.peer.fire('data', JSON.stringify({ t: 'event-end', id: '0123456789abcdef', durationMs: 4000 }));
    s.peer.fire('data', JSON.stringify({ t: 'event-end', id: 'not hex', durationMs: 4000 }));
    expect(events).toEqual([{ t: 'event-end', id: '0123456789abcdef', durationMs: 4000 }]);
    expect(messages).toEqual([]);
    expect(s.session.sendEvent({ t: 'event-ack', id: '0123456789abcdef' })).toBe(true);
    expect(s.peer.sentData.at(-1)).toBe('{"t":"event-ack","id":"0123456789abcdef"}');
  });

  it('reports how it is connected from the peer connection\'s stats', async () => {
    const { inspector, setStats } = fakeInspector();
    const s = await setup({ inspector });
    expect(await s.session.stats()).toBeNull();
    await live(s);
    const records = (bytes: number, at: number) => [
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.042 },
      { id: 'L', type: 'local-candidate', candidateType: 'relay', protocol: 'udp' },
      { id: 'R', type: 'remote-candidate', candidateType: 'host' },
      { id: 'V', type: 'inbound-rtp', kind: 'video', bytesReceived: bytes, timestamp: at, frameWidth: 640, frameHeight: 480, framesPerSecond: 30 },
    ];
    setStats(records(1000, 1000));
    expect(await s.session.stats()).toMatchObject({ route: 'relayed', rttMs: 42, videoKbps: null, width: 640 });
    setStats(records(126_000, 2000));
    expect(await s.session.stats()).toMatchObject({ route: 'relayed', videoKbps: 1000, fps: 30 });
  });

  it('stop() sends a hangup with its sid and destroys the peer, once', async () => {
    const s = await setup();
    await live(s);
    s.session.stop();
    s.session.stop();
    expect(s.transport.sentOf('hangup')).toEqual([{ dst: CAM, envelope: { v: 1, kind: 'hangup', sid: SID } }]);
    expect(s.peer.destroyed).toBe(true);
    expect(s.ended).toEqual([{ code: 'stopped', message: 'Stopped.', retryable: false }]);
    const signalsBefore = s.transport.sentOf('signal').length;
    s.peer.fire('signal', CANDIDATE);
    await deliver(s, { v: 1, kind: 'signal', sid: SID, signal: CANDIDATE });
    expect(s.transport.sentOf('signal')).toHaveLength(signalsBefore);
    expect(s.peer.signals).toHaveLength(1);
  });

  it('stops cleanly while its offer is being signed: nothing goes out after', async () => {
    const s = await setup();
    s.peer.fire('signal', { type: 'offer', sdp: OFFER_SDP });
    s.session.stop();
    await s.session.settled();
    expect(s.transport.sentOf('signal')).toEqual([]);
  });

  it('ends with a clear reason when the connection closes', async () => {
    const s = await setup();
    await live(s);
    s.peer.fire('close');
    expect(s.events).toEqual(['connecting', 'live', 'ended:connection-closed']);
    expect(s.ended[0]).toMatchObject({ retryable: true, message: 'The connection to the camera closed.' });
    expect(s.transport.sentOf('hangup')).toHaveLength(1);
  });

  it('ends as failed on a peer error (and ignores the close that follows)', async () => {
    const s = await setup();
    s.peer.fire('error', Object.assign(new Error('Ice connection failed.'), { code: 'ERR_ICE_CONNECTION_FAILURE' }));
    s.peer.fire('close');
    expect(s.events).toEqual(['connecting', 'error:connection-failed', 'ended:connection-failed']);
    expect(s.ended[0]?.message).toMatch(/ICE failed/);
  });

  it('ends as camera-offline when the server expires its offer', async () => {
    const s = await setup();
    s.transport.expire(OTHER);
    expect(s.ended).toEqual([]);
    s.transport.expire(CAM);
    expect(s.ended[0]).toMatchObject({ code: 'camera-offline', retryable: true });
    expect(s.ended[0]?.error?.code).toBe('peer-unavailable');
  });

  it('gives up when not connected in time', async () => {
    const s = await setup();
    vi.advanceTimersByTime(19_999);
    expect(s.ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.ended[0]).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('ends as lost when ICE stays disconnected, but not when it recovers', async () => {
    const s = await setup();
    await live(s);
    s.peer.fire('iceStateChange', 'disconnected');
    vi.advanceTimersByTime(5000);
    s.peer.fire('iceStateChange', 'connected');
    vi.advanceTimersByTime(30_000);
    expect(s.session.phase).toBe('live');
    s.peer.fire('iceStateChange', 'disconnected');
    vi.advanceTimersByTime(8000);
    expect(s.ended[0]).toMatchObject({ code: 'connection-lost', retryable: true });
  });

  it('leaves no timers or listeners behind when it ends', async () => {
    const { inspector, observers } = fakeInspector();
    const s = await setup({ inspector });
    s.session.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(observers).toEqual([]);
    await deliver(s, { v: 1, kind: 'hangup', sid: SID });
    expect(s.session.endReason?.code).toBe('stopped');
  });
});
