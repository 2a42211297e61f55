import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { Presence, type PresenceEntry } from './presence.ts';
import { FakeTransport } from './test-fakes.ts';

const CAM_A = `cam-${'a'.repeat(32)}`;
const CAM_B = `cam-${'b'.repeat(32)}`;

function setup(state: 'open' | 'connecting' = 'open') {
  const transport = new FakeTransport(state);
  let n = 0;
  const presence = new Presence({ transport, nonce: () => (++n).toString(16).padStart(8, '0') });
  const changes: [string, PresenceEntry][] = [];
  presence.on('change', (id, entry) => changes.push([id, entry]));
  return { transport, presence, changes };
}

/** The camera answers the last ping it got. */
function pong(transport: FakeTransport, cameraId: string, name?: string): void {
  const pings = transport.sentOf('ping').filter((p) => p.dst === cameraId);
  const last = pings.at(-1);
  if (!last) throw new Error('no ping to answer');
  transport.deliver(cameraId, { v: 1, kind: 'pong', nonce: last.envelope.nonce, ...(name ? { name } : {}) });
}

describe('Presence', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pings every camera at start and every 3 s', () => {
    const { transport, presence } = setup();
    presence.setCameras([CAM_A, CAM_B]);
    presence.start();
    expect(transport.sentOf('ping').map((p) => p.dst)).toEqual([CAM_A, CAM_B]);
    vi.advanceTimersByTime(2999);
    expect(transport.sentOf('ping')).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(transport.sentOf('ping')).toHaveLength(4);
    vi.advanceTimersByTime(3000);
    expect(transport.sentOf('ping')).toHaveLength(6);
  });

  it('goes online on a pong and keeps the reported name', () => {
    const { transport, presence, changes } = setup();
    presence.setCameras([CAM_A]);
    presence.start();
    expect(presence.get(CAM_A).state).toBe('unknown');
    pong(transport, CAM_A, 'Kitchen');
    expect(presence.get(CAM_A)).toEqual({ state: 'online', reportedName: 'Kitchen' });
    expect(changes).toEqual([[CAM_A, { state: 'online', reportedName: 'Kitchen' }]]);
  });

  it('ignores pongs from cameras not in the list and pongs to nonces it never sent', () => {
    const { transport, presence } = setup();
    presence.setCameras([CAM_A]);
    presence.start();
    transport.deliver(CAM_B, { v: 1, kind: 'pong', nonce: 'deadbeef00' });
    transport.deliver(CAM_A, { v: 1, kind: 'pong', nonce: 'deadbeef00' });
    expect(presence.get(CAM_A).state).toBe('unknown');
    expect(presence.get(CAM_B).state).toBe('unknown');
  });

  it('goes offline at once when the server expires a message to the camera', () => {
    const { transport, presence } = setup();
    presence.setCameras([CAM_A]);
    presence.start();
    pong(transport, CAM_A);
    transport.expire(CAM_B);
    expect(presence.get(CAM_A).state).toBe('online');
    transport.expire(CAM_A);
    expect(presence.get(CAM_A).state).toBe('offline');
    // …and back online when it answers again.
    vi.advanceTimersByTime(3000);
    pong(transport, CAM_A);
    expect(presence.get(CAM_A).state).toBe('online');
  });

  it('goes offline when no pong came for 8 s', () => {
    const { transport, presence } = setup();
    presence.setCameras([CAM_A]);
    presence.start();
    pong(transport, CAM_A);
    vi.advanceTimersByTime(3000);
    pong(transport, CAM_A); // last pong at t = 3 s
    vi.advanceTimersByTime(7999);
    expect(presence.get(CAM_A).state).toBe('online');
    vi.advanceTimersByTime(1);
    expect(presence.get(CAM_A).state).toBe('offline');
  });

  it('marks a camera that never answers offline 8 s after the first ping', () => {
    const { presence } = setup();
    presence.setCameras([CAM_A]);
    presence.start();
    vi.advanceTimersByTime(7999);
    expect(presence.get(CAM_A).state).toBe('unknown');
    vi.advanceTimersByTime(1);
    expect(presence.get(CAM_A).state).toBe('offline');
  });

  it('waits for the transport to open, and says unknown while it is down', () => {
    const { transport, presence } = setup('connecting');
    presence.setCameras([CAM_A]);
    presence.start();
    expect(transport.sent).toHaveLength(0);
    vi.advanceTimersByTime(20_000);
    expect(presence.get(CAM_A).state).toBe('unknown');
    transport.setState('open');
    expect(transport.sentOf('ping')).toHaveLength(1);
    pong(transport, CAM_A);
    expect(presence.get(CAM_A).state).toBe('online');
    transport.setState('retrying');
    expect(presence.get(CAM_A).state).toBe('unknown');
    const sent = transport.sent.length;
    vi.advanceTimersByTime(20_000);
    expect(transport.sent).toHaveLength(sent);
    expect(presence.get(CAM_A).state).toBe('unknown');
  });

  it('pings a camera added while running at once and forgets a removed one', () => {
    const { transport, presence } = setup();
    presence.setCameras([CAM_A]);
    presence.start();
    presence.setCameras([CAM_A, CAM_B]);
    expect(transport.sentOf('ping').map((p) => p.dst)).toEqual([CAM_A, CAM_B]);
    pong(transport, CAM_B);
    presence.setCameras([CAM_A]);
    expect(presence.get(CAM_B).state).toBe('unknown');
    vi.advanceTimersByTime(3000);
    expect(transport.sentOf('ping').filter((p) => p.dst === CAM_B)).toHaveLength(1);
  });

  it('stops pinging after stop()', () => {
    const { transport, presence } = setup();
    presence.setCameras([CAM_A]);
    presence.start();
    presence.stop();
    vi.advanceTimersByTime(30_000);
    expect(transport.sentOf('ping')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
