import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { PawcamError } from '../../../protocol/errors.ts';
import { encodeDataMessage } from '../../../protocol/messages.ts';
import { FakeTransport } from './test-fakes.ts';
import { WatchSession, type DialOptions, type EndReason, type SimplePeerLike } from './watch-session.ts';

const CAM = `cam-${'c'.repeat(32)}`;
const OTHER = `cam-${'d'.repeat(32)}`;
const SID = '0123456789abcdef';

type Handler = (...args: never[]) => void;

/** A stand-in for simple-peer: records signals and lets a test fire its events. */
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

  destroy(): void {
    this.destroyed = true;
  }

  fire(event: string, ...args: unknown[]): void {
    for (const fn of this.handlers.get(event) ?? []) (fn as (...a: unknown[]) => void)(...args);
  }
}

function setup() {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const options: DialOptions[] = [];
  const session = new WatchSession({
    cameraId: CAM,
    transport,
    sid: SID,
    createPeer: (o) => {
      options.push(o);
      const peer = new FakePeer();
      peers.push(peer);
      return peer;
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
  session.start();
  const peer = peers[0]!;
  return { transport, session, peer, options, events, ended };
}

const answer = { type: 'answer', sdp: 'v=0\r\n' } as const;

describe('WatchSession', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('dials as the initiator, receiving audio and video, with no ICE servers and trickle on', () => {
    const { options, events, session } = setup();
    expect(options).toEqual([
      { initiator: true, trickle: true, config: { iceServers: [] }, offerOptions: { offerToReceiveAudio: true, offerToReceiveVideo: true } },
    ]);
    expect(events).toEqual(['connecting']);
    expect(session.phase).toBe('connecting');
  });

  it('sends its signals to the camera in envelopes carrying its sid', () => {
    const { transport, peer } = setup();
    peer.fire('signal', { type: 'offer', sdp: 'v=0\r\n' });
    peer.fire('signal', { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    expect(transport.sent).toEqual([
      { dst: CAM, envelope: { v: 1, kind: 'signal', sid: SID, signal: { type: 'offer', sdp: 'v=0\r\n' } } },
      {
        dst: CAM,
        envelope: {
          v: 1,
          kind: 'signal',
          sid: SID,
          signal: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: undefined } },
        },
      },
    ]);
  });

  it('accepts signals only from its camera with its sid', () => {
    const { transport, peer } = setup();
    transport.deliver(OTHER, { v: 1, kind: 'signal', sid: SID, signal: answer });
    transport.deliver(CAM, { v: 1, kind: 'signal', sid: 'ffffffffffffffff', signal: answer });
    transport.deliver(CAM, { v: 1, kind: 'signal', sid: SID, signal: { type: 'offer', sdp: 'v=0\r\n' } });
    expect(peer.signals).toEqual([]);
    transport.deliver(CAM, { v: 1, kind: 'signal', sid: SID, signal: answer });
    transport.deliver(CAM, { v: 1, kind: 'signal', sid: SID, signal: { type: 'renegotiate', renegotiate: true } });
    expect(peer.signals).toEqual([answer, { renegotiate: true }]);
  });

  it('ignores hangups of other sessions and ends on its own', () => {
    const { transport, peer, session, ended } = setup();
    transport.deliver(CAM, { v: 1, kind: 'hangup', sid: 'ffffffffffffffff' });
    transport.deliver(OTHER, { v: 1, kind: 'hangup', sid: SID });
    expect(session.phase).toBe('connecting');
    transport.deliver(CAM, { v: 1, kind: 'hangup', sid: SID });
    expect(ended.map((r) => r.code)).toEqual(['camera-hung-up']);
    expect(peer.destroyed).toBe(true);
    // It does not answer a hangup with a hangup.
    expect(transport.sentOf('hangup')).toEqual([]);
  });

  it('goes live on connect, exposes the stream and the hello name', () => {
    const { peer, session, events } = setup();
    const stream = { id: 'stream-1' } as unknown as MediaStream;
    const streams: MediaStream[] = [];
    const names: string[] = [];
    session.on('stream', (s) => streams.push(s));
    session.on('hello', (n) => names.push(n));
    peer.fire('stream', stream);
    peer.fire('connect');
    peer.fire('data', new TextEncoder().encode(encodeDataMessage({ t: 'hello', name: 'Living room' })));
    peer.fire('data', new TextEncoder().encode('{"t":"nonsense"}'));
    expect(events).toEqual(['connecting', 'live']);
    expect(session.phase).toBe('live');
    expect(session.stream).toBe(stream);
    expect(streams).toEqual([stream]);
    expect(session.remoteName).toBe('Living room');
    expect(names).toEqual(['Living room']);
  });

  it('stop() sends a hangup with its sid and destroys the peer, once', () => {
    const { transport, peer, session, ended } = setup();
    peer.fire('connect');
    session.stop();
    session.stop();
    expect(transport.sentOf('hangup')).toEqual([{ dst: CAM, envelope: { v: 1, kind: 'hangup', sid: SID } }]);
    expect(peer.destroyed).toBe(true);
    expect(ended).toEqual([{ code: 'stopped', message: 'Stopped.', retryable: false }]);
    // Nothing more is relayed or applied after the end.
    peer.fire('signal', { type: 'candidate', candidate: { candidate: 'x' } });
    transport.deliver(CAM, { v: 1, kind: 'signal', sid: SID, signal: answer });
    expect(transport.sentOf('signal')).toEqual([]);
    expect(peer.signals).toEqual([]);
  });

  it('ends with a clear reason when the connection closes', () => {
    const { peer, events, ended, transport } = setup();
    peer.fire('connect');
    peer.fire('close');
    expect(events).toEqual(['connecting', 'live', 'ended:connection-closed']);
    expect(ended[0]).toMatchObject({ retryable: true, message: 'The connection to the camera closed.' });
    // The camera is told, in case it is still there.
    expect(transport.sentOf('hangup')).toHaveLength(1);
  });

  it('ends as failed on a peer error (and ignores the close that follows)', () => {
    const { peer, events, ended } = setup();
    peer.fire('error', Object.assign(new Error('Ice connection failed.'), { code: 'ERR_ICE_CONNECTION_FAILURE' }));
    peer.fire('close');
    expect(events).toEqual(['connecting', 'error:connection-failed', 'ended:connection-failed']);
    expect(ended[0]?.error).toBeInstanceOf(PawcamError);
    expect(ended[0]?.message).toMatch(/ICE failed/);
  });

  it('ends as camera-offline when the server expires its offer', () => {
    const { transport, ended } = setup();
    transport.expire(OTHER);
    expect(ended).toEqual([]);
    transport.expire(CAM);
    expect(ended[0]).toMatchObject({ code: 'camera-offline', retryable: true });
    expect(ended[0]?.error?.code).toBe('peer-unavailable');
  });

  it('gives up when not connected in time', () => {
    const { ended } = setup();
    vi.advanceTimersByTime(19_999);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ended[0]).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('ends as lost when ICE stays disconnected, but not when it recovers', () => {
    const { peer, ended, session } = setup();
    peer.fire('connect');
    peer.fire('iceStateChange', 'disconnected');
    vi.advanceTimersByTime(5000);
    peer.fire('iceStateChange', 'connected');
    vi.advanceTimersByTime(30_000);
    expect(session.phase).toBe('live');
    peer.fire('iceStateChange', 'disconnected');
    vi.advanceTimersByTime(8000);
    expect(ended[0]).toMatchObject({ code: 'connection-lost', retryable: true });
  });

  it('leaves no timers or listeners behind when it ends', () => {
    const { transport, session } = setup();
    session.stop();
    expect(vi.getTimerCount()).toBe(0);
    // A late message for the session must not reach it.
    transport.deliver(CAM, { v: 1, kind: 'hangup', sid: SID });
    expect(session.endReason?.code).toBe('stopped');
  });
});
