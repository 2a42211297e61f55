import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';
import type { Envelope } from './envelope.ts';
import type { EnrollOutcome } from './enrollment.ts';
import { PawcamError } from './errors.ts';
import { FakeTimers } from './testing/timers.ts';
import { PeerjsTransport, type PeerLike, type TransportState, type TransportStateDetail } from './transport.ts';

type Handler = (arg?: unknown) => void;

class FakePeer implements PeerLike {
  readonly handlers = new Map<string, Handler[]>();
  readonly socketHandlers: ((data: unknown) => void)[] = [];
  readonly sent: object[] = [];
  destroyed = false;
  readonly socket = {
    on: (_event: 'message', fn: (data: unknown) => void) => this.socketHandlers.push(fn),
    send: (data: object) => this.sent.push(data),
  };
  constructor(
    readonly id: string,
    readonly token: string,
  ) {}
  on(event: string, fn: Handler): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
  }
  fire(event: string, arg?: unknown): void {
    for (const fn of this.handlers.get(event) ?? []) fn(arg);
  }
  serverSays(data: unknown): void {
    for (const fn of this.socketHandlers) fn(data);
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function setup(enroll?: () => Promise<EnrollOutcome>) {
  const peers: FakePeer[] = [];
  const timers = new FakeTimers();
  const transport = new PeerjsTransport({
    enroll,
    id: 'cam-1',
    token: 'tok',
    createPeer: (id, token) => {
      const p = new FakePeer(id, token);
      peers.push(p);
      return p;
    },
    timers,
    backoff: new Backoff({ initialMs: 1000, maxMs: 8000, jitter: 0 }),
  });
  const states: TransportState[] = [];
  transport.on('state', (s) => states.push(s));
  return { peers, timers, transport, states };
}

const ping: Envelope = { v: 1, kind: 'ping', nonce: 'abcdef0123' };

describe('PeerjsTransport', () => {
  it('queues until open, then sends with the relay type', () => {
    const { peers, transport } = setup();
    transport.start();
    transport.send('viewer-1', ping);
    expect(peers[0]!.sent).toEqual([]);
    peers[0]!.fire('open', 'cam-1');
    expect(transport.state).toBe('open');
    expect(peers[0]!.sent).toEqual([{ type: 'CANDIDATE', dst: 'viewer-1', payload: ping }]);
  });

  it('keeps its ID and token across reconnects, backing off 1 s, 2 s, 4 s and resetting after an open', () => {
    const { peers, timers, transport, states } = setup();
    transport.start();
    peers[0]!.fire('disconnected');
    expect(peers[0]!.destroyed).toBe(true);
    expect(transport.state).toBe('retrying');
    expect(timers.runNext()).toBe(1000);
    peers[1]!.fire('error', { type: 'network' });
    expect(timers.runNext()).toBe(2000);
    peers[2]!.fire('error', { type: 'socket-closed' });
    expect(timers.runNext()).toBe(4000);
    peers[3]!.fire('open');
    peers[3]!.fire('disconnected');
    expect(timers.runNext()).toBe(1000);
    expect(peers.map((p) => [p.id, p.token])).toEqual(Array(5).fill(['cam-1', 'tok']));
    expect(states.slice(0, 3)).toEqual(['connecting', 'retrying', 'connecting']);
  });

  it('retries an attempt that never opens', () => {
    const { peers, timers, transport } = setup();
    transport.start();
    expect(timers.runNext()).toBe(10_000);
    expect(transport.state).toBe('retrying');
    expect(peers[0]!.destroyed).toBe(true);
    timers.runNext();
    peers[1]!.fire('open');
    expect(transport.state).toBe('open');
    expect(timers.pending.size).toBe(0);
  });

  it('reports when the next retry is due', () => {
    const { peers, timers, transport } = setup();
    let retryAt: number | undefined;
    transport.on('state', (s, d) => {
      if (s === 'retrying') retryAt = d.retryAt;
    });
    transport.start();
    peers[0]!.fire('error', { type: 'server-error' });
    expect(retryAt).toBe(timers.time + 1000);
  });

  it('stops on ID taken, and close() ends everything', () => {
    const { peers, timers, transport } = setup();
    transport.start();
    peers[0]!.fire('error', { type: 'unavailable-id' });
    expect(transport.state).toBe('id-taken');
    expect(timers.pending.size).toBe(0);
    transport.close();
    expect(timers.pending.size).toBe(0);
    expect(transport.state).toBe('closed');
  });

  it('ignores events from a peer it already replaced', () => {
    const { peers, timers, transport } = setup();
    transport.start();
    peers[0]!.fire('disconnected');
    timers.runNext();
    peers[0]!.fire('open');
    expect(transport.state).toBe('connecting');
  });

  it('delivers well-formed envelopes and expiries, drops malformed ones without throwing', () => {
    const { peers, transport } = setup();
    const got: [string, Envelope][] = [];
    const expired: string[] = [];
    transport.on('message', (from, env) => got.push([from, env]));
    transport.on('expire', (id) => expired.push(id));
    transport.start();
    const p = peers[0]!;
    p.fire('open');
    p.serverSays({ type: 'CANDIDATE', src: 'viewer-1', dst: 'cam-1', payload: ping });
    p.serverSays({ type: 'EXPIRE', src: 'viewer-2' });
    for (const bad of [null, 42, 'x', { type: 'OFFER' }, { type: 'OFFER', src: 'a b', payload: ping }, { type: 'OFFER', src: 'v', payload: { kind: 'x' } }]) {
      expect(() => p.serverSays(bad)).not.toThrow();
    }
    expect(got).toEqual([['viewer-1', ping]]);
    expect(expired).toEqual(['viewer-2']);
  });

  it('bounds the queue', () => {
    const { peers, transport } = setup();
    transport.start();
    for (let i = 0; i < 100; i++) transport.send(`v-${i}`, ping);
    peers[0]!.fire('open');
    expect(peers[0]!.sent).toHaveLength(64);
    expect(peers[0]!.sent[0]).toMatchObject({ dst: 'v-36' });
  });
});

describe('Backoff', () => {
  it('grows, caps and resets; jitter stays within bounds', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
    const j = new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0.999 });
    expect(j.next()).toBeLessThanOrEqual(1200);
    const k = new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0 });
    expect(k.next()).toBe(800);
  });
});

/** PeerJS raises a PeerServer ERROR message as an error of type 'server-error' carrying the message's text. */
const serverError = (msg: string) => Object.assign(new Error(msg), { type: 'server-error' });

describe('PeerjsTransport and the server’s refusals', () => {
  it('stops for good when the server says another tab took the ID over, and says so', () => {
    const { peers, transport, states, timers } = setup();
    const details: TransportStateDetail[] = [];
    transport.on('state', (_s, d) => details.push(d));
    transport.start();
    peers[0]!.fire('open');
    peers[0]!.fire('error', serverError('superseded'));
    expect(states.at(-1)).toBe('id-taken');
    expect(details.at(-1)?.error).toBeInstanceOf(PawcamError);
    expect(details.at(-1)?.error?.code).toBe('superseded');
    expect(peers[0]!.destroyed).toBe(true);
    // No reclaiming (which would throw the other tab off in turn).
    expect(timers.pending.size).toBe(0);
    expect(peers).toHaveLength(1);
  });

  it('enrolls once when the server does not know the ID, then connects again', async () => {
    let calls = 0;
    const { peers, transport, states } = setup(async () => (calls++, 'enrolled'));
    transport.start();
    peers[0]!.fire('error', serverError('not-enrolled'));
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toBe(1);
    expect(peers).toHaveLength(2);
    peers[1]!.fire('open');
    expect(states.at(-1)).toBe('open');
  });

  it('says "not enrolled" for good when enrollment is refused, or refused again right after enrolling', async () => {
    const refused = setup(async () => 'refused');
    const details: TransportStateDetail[] = [];
    refused.transport.on('state', (_s, d) => details.push(d));
    refused.transport.start();
    refused.peers[0]!.fire('error', serverError('not-enrolled'));
    await Promise.resolve();
    await Promise.resolve();
    expect(refused.states.at(-1)).toBe('id-taken');
    expect(details.at(-1)?.error?.code).toBe('not-enrolled');
    expect(refused.peers).toHaveLength(1);

    const loop = setup(async () => 'enrolled');
    loop.transport.start();
    loop.peers[0]!.fire('error', serverError('not-enrolled'));
    await Promise.resolve();
    await Promise.resolve();
    loop.peers[1]!.fire('error', serverError('not-enrolled'));
    expect(loop.states.at(-1)).toBe('id-taken');
    expect(loop.peers).toHaveLength(2);

    const none = setup();
    none.transport.start();
    none.peers[0]!.fire('error', serverError('not-enrolled'));
    expect(none.states.at(-1)).toBe('id-taken');
  });

  it('retries when the enrollment cannot be asked (server unreachable) and ignores a result after close()', async () => {
    let fail = true;
    const { peers, transport, states, timers } = setup(async () => {
      if (fail) throw new PawcamError('server-unreachable', 'down');
      return 'enrolled';
    });
    transport.start();
    peers[0]!.fire('error', serverError('not-enrolled'));
    await Promise.resolve();
    await Promise.resolve();
    expect(states.at(-1)).toBe('retrying');
    fail = false;
    timers.runNext();
    peers[1]!.fire('error', serverError('not-enrolled'));
    transport.close();
    await Promise.resolve();
    await Promise.resolve();
    expect(states.at(-1)).toBe('closed');
    expect(peers).toHaveLength(2);
  });
});

