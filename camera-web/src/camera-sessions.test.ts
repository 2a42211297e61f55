import { beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../protocol/envelope.ts';
import { TypedEmitter } from '../../protocol/events.ts';
import { configureLogging, type LogRecord } from '../../protocol/log.ts';
import { encodeDataMessage } from '../../protocol/messages.ts';
import type { Timers, TransportEvents } from '../../protocol/transport.ts';
import { CameraSessions, type AnsweringPeer, type AnsweringPeerOptions } from './camera-sessions.ts';

class FakeTransport extends TypedEmitter<TransportEvents> {
  readonly sent: { dst: string; envelope: Envelope }[] = [];
  send(dst: string, envelope: Envelope): void {
    this.sent.push({ dst, envelope });
  }
  /** The server relays `envelope` from `from` (typed loosely: tests also push garbage through). */
  deliver(from: string, envelope: unknown): void {
    this.emit('message', from, envelope as Envelope);
  }
  expire(peerId: string): void {
    this.emit('expire', peerId);
  }
}

class FakePeer implements AnsweringPeer {
  static created: FakePeer[] = [];
  readonly handlers = new Map<string, ((arg?: never) => void)[]>();
  readonly signalled: object[] = [];
  readonly sentData: string[] = [];
  destroyed = false;
  throwOnSignal = false;
  constructor(readonly options: AnsweringPeerOptions) {
    FakePeer.created.push(this);
  }
  on(event: string, listener: (arg?: never) => void): void {
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

class FakeTimers implements Timers {
  time = 0;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.pending.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at <= this.time) {
        this.pending.delete(id);
        t.fn();
      }
    }
  }
}

const SDP_OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n';
const offer = (sid: string): Envelope => ({ v: 1, kind: 'signal', sid, signal: { type: 'offer', sdp: SDP_OFFER } });
const stream = { id: 'camera-stream' } as unknown as MediaStream;

let logs: LogRecord[];

beforeEach(() => {
  FakePeer.created = [];
  logs = [];
  configureLogging({ sink: (r) => logs.push(r), level: 'debug' });
});

function setup(options: { maxSessions?: number } = {}) {
  const transport = new FakeTransport();
  const timers = new FakeTimers();
  const sessions = new CameraSessions({ transport, stream, SimplePeer: FakePeer, name: 'Kitchen', timers, ...options });
  const counts: number[] = [];
  sessions.on('viewers', (n) => counts.push(n));
  return { transport, timers, sessions, counts };
}

describe('CameraSessions', () => {
  it('answers an offer with the camera stream and sends the answer back under the same sid', () => {
    const { transport } = setup();
    transport.deliver('viewer-a', offer('00aa11bb'));
    expect(FakePeer.created).toHaveLength(1);
    const peer = FakePeer.created[0]!;
    expect(peer.options).toEqual({ initiator: false, trickle: true, stream, config: { iceServers: [] } });
    expect(peer.signalled).toEqual([{ type: 'offer', sdp: SDP_OFFER }]);

    peer.fire('signal', { type: 'answer', sdp: 'v=0 answer' });
    peer.fire('signal', { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0' } });
    expect(transport.sent).toEqual([
      { dst: 'viewer-a', envelope: { v: 1, kind: 'signal', sid: '00aa11bb', signal: { type: 'answer', sdp: 'v=0 answer' } } },
      {
        dst: 'viewer-a',
        envelope: {
          v: 1,
          kind: 'signal',
          sid: '00aa11bb',
          signal: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0', usernameFragment: undefined } },
        },
      },
    ]);
  });

  it("feeds the viewer's later signals to that session's peer", () => {
    const { transport } = setup();
    transport.deliver('viewer-a', offer('00aa11bb'));
    const candidate = { type: 'candidate', candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 5001 typ host', sdpMLineIndex: 0 } };
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '00aa11bb', signal: candidate });
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '00aa11bb', signal: { type: 'renegotiate', renegotiate: true } });
    expect(FakePeer.created[0]!.signalled.slice(1)).toEqual([candidate, { renegotiate: true }]);
  });

  it('drops signals for sessions it does not know', () => {
    const { transport } = setup();
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '00aa11bb', signal: { type: 'answer', sdp: 'x' } });
    transport.deliver('viewer-b', { v: 1, kind: 'signal', sid: '00aa11bb', signal: { type: 'renegotiate', renegotiate: true } });
    expect(FakePeer.created).toHaveLength(0);
    expect(transport.sent).toHaveLength(0);
  });

  it('keeps one session per viewer: a new offer from the same viewer replaces the old session', () => {
    const { transport, sessions, counts } = setup();
    transport.deliver('viewer-a', offer('00000001'));
    const first = FakePeer.created[0]!;
    first.fire('connect');
    transport.deliver('viewer-a', offer('00000002'));
    expect(first.destroyed).toBe(true);
    expect(FakePeer.created).toHaveLength(2);
    FakePeer.created[1]!.fire('connect');
    // The late close of the replaced peer must not touch the new session.
    first.fire('close');
    expect(sessions.viewerCount).toBe(1);
    expect(counts).toEqual([1, 0, 1]);
    // Signals for the old sid are now unknown.
    transport.deliver('viewer-a', { v: 1, kind: 'signal', sid: '00000001', signal: { type: 'renegotiate', renegotiate: true } });
    expect(FakePeer.created[1]!.signalled).toHaveLength(1);
  });

  it('sends hello with its name on connect and counts live viewers', () => {
    const { transport, sessions, counts } = setup();
    transport.deliver('viewer-a', offer('0000000a'));
    transport.deliver('viewer-b', offer('0000000b'));
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

  it('frees a session on hangup, but only for the right sid', () => {
    const { transport, sessions, counts } = setup();
    transport.deliver('viewer-a', offer('0000000a'));
    const peer = FakePeer.created[0]!;
    peer.fire('connect');
    transport.deliver('viewer-a', { v: 1, kind: 'hangup', sid: 'ffffffff' });
    transport.deliver('viewer-b', { v: 1, kind: 'hangup', sid: '0000000a' });
    expect(peer.destroyed).toBe(false);
    transport.deliver('viewer-a', { v: 1, kind: 'hangup', sid: '0000000a' });
    expect(peer.destroyed).toBe(true);
    expect(sessions.viewerCount).toBe(0);
    expect(counts).toEqual([1, 0]);
    // The viewer asked for it: no hangup is sent back.
    expect(transport.sent.filter((s) => s.envelope.kind === 'hangup')).toEqual([]);
  });

  it('answers ping with pong and its current name', () => {
    const { transport, sessions } = setup();
    transport.deliver('viewer-a', { v: 1, kind: 'ping', nonce: '0123456789abcdef' });
    sessions.setName('Hall');
    transport.deliver('viewer-b', { v: 1, kind: 'ping', nonce: 'fedcba9876543210' });
    expect(transport.sent).toEqual([
      { dst: 'viewer-a', envelope: { v: 1, kind: 'pong', nonce: '0123456789abcdef', name: 'Kitchen' } },
      { dst: 'viewer-b', envelope: { v: 1, kind: 'pong', nonce: 'fedcba9876543210', name: 'Hall' } },
    ]);
  });

  it('tells connected viewers a new name', () => {
    const { transport, sessions } = setup();
    transport.deliver('viewer-a', offer('0000000a'));
    FakePeer.created[0]!.fire('connect');
    sessions.setName('Hall');
    expect(FakePeer.created[0]!.sentData.at(-1)).toBe(encodeDataMessage({ t: 'hello', name: 'Hall' }));
  });

  it('never throws out of a handler on garbage', () => {
    const { transport, sessions } = setup();
    const garbage: unknown[] = [null, undefined, 42, 'x', {}, { kind: 'signal' }, { kind: 'signal', sid: 'aa', signal: null }, { kind: 'nope' }, { kind: 'hangup' }];
    for (const g of garbage) expect(() => transport.deliver('viewer-a', g)).not.toThrow();
    expect(logs.some((r) => r.level === 'error')).toBe(true);

    transport.deliver('viewer-a', offer('0000000a'));
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

  it('destroys a failed session, tells the viewer, and updates the count', () => {
    const { transport, counts } = setup();
    transport.deliver('viewer-a', offer('0000000a'));
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

  it('drops a session that does not connect in time', () => {
    const { transport, timers } = setup();
    transport.deliver('viewer-a', offer('0000000a'));
    timers.advance(29_000);
    expect(FakePeer.created[0]!.destroyed).toBe(false);
    timers.advance(1_000);
    expect(FakePeer.created[0]!.destroyed).toBe(true);
  });

  it('keeps a connected session when the server says the viewer left, but drops a handshake in progress', () => {
    const { transport } = setup();
    transport.deliver('viewer-a', offer('0000000a'));
    transport.deliver('viewer-b', offer('0000000b'));
    const [a, b] = FakePeer.created as [FakePeer, FakePeer];
    a.fire('connect');
    transport.expire('viewer-a');
    transport.expire('viewer-b');
    expect(a.destroyed).toBe(false);
    expect(b.destroyed).toBe(true);
  });

  it('refuses offers beyond its capacity', () => {
    const { transport } = setup({ maxSessions: 1 });
    transport.deliver('viewer-a', offer('0000000a'));
    transport.deliver('viewer-b', offer('0000000b'));
    expect(FakePeer.created).toHaveLength(1);
    expect(transport.sent).toEqual([{ dst: 'viewer-b', envelope: { v: 1, kind: 'hangup', sid: '0000000b', reason: 'busy' } }]);
  });

  it('on close ends every session, tells each viewer, and stops answering', () => {
    const { transport, sessions, counts } = setup();
    transport.deliver('viewer-a', offer('0000000a'));
    FakePeer.created[0]!.fire('connect');
    sessions.close();
    expect(FakePeer.created[0]!.destroyed).toBe(true);
    expect(counts).toEqual([1, 0]);
    expect(transport.sent).toEqual([{ dst: 'viewer-a', envelope: { v: 1, kind: 'hangup', sid: '0000000a', reason: 'camera stopped' } }]);
    transport.deliver('viewer-b', offer('0000000b'));
    transport.deliver('viewer-b', { v: 1, kind: 'ping', nonce: '0123456789abcdef' });
    expect(FakePeer.created).toHaveLength(1);
    expect(transport.sent).toHaveLength(1);
  });
});
