import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff } from '../../../../protocol/backoff.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { configureLogging } from '../../../../protocol/log.ts';
import type { DataMessage } from '../../../../protocol/messages.ts';
import type { ConnectionStats } from './connection-stats.ts';
import { isRetryable, RedialWatch } from './redial.ts';
import { realTimers } from '../../../../protocol/timers.ts';
import type { EndReason, Watch, WatchEvents, WatchPhase } from './types.ts';

/** A single attempt a test drives by hand. */
class FakeSession extends TypedEmitter<WatchEvents> implements Watch {
  readonly cameraId = 'cam';
  phase: WatchPhase = 'idle';
  stream: MediaStream | null = null;
  remoteName: string | null = null;
  endReason: EndReason | null = null;
  readonly sent: DataMessage[] = [];
  stopped = 0;
  /** Every track given with setMic, in order. */
  readonly mics: (MediaStreamTrack | null)[] = [];

  constructor(
    readonly talkBack: boolean,
    readonly standbyLink = false,
  ) {
    super();
  }

  start(): void {
    this.phase = 'connecting';
  }

  setMic(track: MediaStreamTrack | null): void {
    this.mics.push(track);
  }

  stop(): void {
    this.stopped++;
    this.end({ code: 'stopped', message: 'Stopped.', retryable: false });
  }

  send(message: DataMessage): boolean {
    this.sent.push(message);
    return this.phase === 'live';
  }

  stats(): Promise<ConnectionStats | null> {
    return Promise.resolve(null);
  }

  goLive(): void {
    this.phase = 'live';
    this.emit('live');
  }

  /** The camera's hello arrives (its data channel is open). */
  hello(name: string): void {
    this.emit('hello', name);
  }

  end(reason: EndReason): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.endReason = reason;
    this.emit('ended', reason);
  }
}

const LOST: EndReason = { code: 'connection-lost', message: 'lost', retryable: true };

function fakeMic() {
  const track = { enabled: true, stopped: false, stop() {
    this.stopped = true;
  } };
  const stream = { getAudioTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream;
  return { stream, track };
}

function setup(options: { mic?: 'ok' | 'blocked' | 'later'; standby?: boolean } = {}) {
  const sessions: FakeSession[] = [];
  const mic = fakeMic();
  let grant: (stream: MediaStream) => void = () => {};
  const watch = new RedialWatch({
    cameraId: 'cam',
    ...(options.standby ? { standby: true } : {}),
    openSession: (talkBack, standbyLink) => {
      const s = new FakeSession(talkBack, standbyLink);
      sessions.push(s);
      return s;
    },
    ...(options.mic === 'ok' ? { openMic: async () => mic.stream } : {}),
    ...(options.mic === 'blocked' ? { openMic: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) } : {}),
    ...(options.mic === 'later' ? { openMic: () => new Promise<MediaStream>((resolve) => (grant = resolve)) } : {}),
    timers: realTimers,
    backoff: new Backoff({ initialMs: 500, maxMs: 10_000, jitter: 0 }),
    offlineBackoff: new Backoff({ initialMs: 10_000, maxMs: 300_000, jitter: 0 }),
  });
  const states: string[] = [];
  const record = () => states.push(watch.liveState);
  watch.on('connecting', record);
  watch.on('live', record);
  watch.on('reconnecting', record);
  watch.on('ended', record);
  return { watch, sessions, states, mic, grant: () => grant(mic.stream) };
}

describe('RedialWatch', () => {
  beforeEach(() => {
    configureLogging({ sink: () => {} });
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('re-dials a dropped watch with backoff, then is live again', () => {
    const { watch, sessions, states } = setup();
    watch.start();
    sessions[0]!.goLive();
    sessions[0]!.end(LOST);
    expect(watch.liveState).toBe('reconnecting');
    expect(watch.phase).toBe('connecting');
    expect(sessions).toHaveLength(1);
    vi.advanceTimersByTime(499);
    expect(sessions).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sessions).toHaveLength(2);
    sessions[1]!.end({ code: 'connection-closed', message: 'closed', retryable: true });
    vi.advanceTimersByTime(999);
    expect(sessions).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sessions).toHaveLength(3);
    sessions[2]!.goLive();
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'reconnecting', 'live']);
  });

  it('caps the backoff at 10 s and resets it after going live', () => {
    const { watch, sessions } = setup();
    watch.start();
    for (let i = 0; i < 8; i++) {
      sessions.at(-1)!.end(LOST);
      vi.advanceTimersByTime(10_000);
    }
    expect(sessions).toHaveLength(9);
    expect(watch.retryAt).toBeNull();
    sessions.at(-1)!.goLive();
    sessions.at(-1)!.end(LOST);
    expect(watch.retryAt! - Date.now()).toBe(500);
  });

  it('backs off to minutes for a camera that cannot be reached, says since when, and forgets it once live', () => {
    const { watch, sessions } = setup();
    const OFFLINE: EndReason = { code: 'camera-offline', message: 'offline', retryable: true };
    const TIMEOUT: EndReason = { code: 'timeout', message: 'no answer', retryable: true };
    watch.start();
    const since = Date.now();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      sessions.at(-1)!.end(i % 2 === 0 ? OFFLINE : TIMEOUT);
      delays.push(watch.retryAt! - Date.now());
      vi.advanceTimersByTime(delays.at(-1)!);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(watch.offlineSince).toBe(since);
    expect(sessions).toHaveLength(9);
    sessions.at(-1)!.goLive();
    expect(watch.offlineSince).toBeNull();
    // A drop of a live connection is dialled again quickly, not at the unreachable camera's pace.
    sessions.at(-1)!.end(LOST);
    expect(watch.retryAt! - Date.now()).toBe(500);
    expect(watch.offlineSince).toBeNull();
  });

  it('a camera that presence sees online (e.g. waiting for a tap) is re-dialled quickly when its dials time out', () => {
    const { watch, sessions } = setup();
    watch.start();
    watch.cameraOnline();
    sessions[0]!.end({ code: 'timeout', message: 'no answer', retryable: true });
    expect(watch.retryAt! - Date.now()).toBe(500);
    expect(watch.offlineSince).toBeNull();
    vi.advanceTimersByTime(500);
    watch.cameraOffline();
    sessions.at(-1)!.end({ code: 'timeout', message: 'no answer', retryable: true });
    expect(watch.retryAt! - Date.now()).toBe(10_000);
    expect(watch.offlineSince).not.toBeNull();
  });

  it('dials at once when presence says the camera is back', () => {
    const { watch, sessions } = setup();
    watch.start();
    sessions[0]!.end({ code: 'camera-offline', message: 'offline', retryable: true });
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(20_000);
      sessions.at(-1)!.end({ code: 'camera-offline', message: 'offline', retryable: true });
    }
    const before = sessions.length;
    watch.cameraOnline();
    expect(sessions).toHaveLength(before + 1);
    watch.cameraOnline();
    expect(sessions).toHaveLength(before + 1);
  });

  it.each(['tampered', 'not-paired', 'clock-skew', 'relay-unavailable'] as const)('does not re-dial after %s', (code) => {
    const { watch, sessions, states } = setup();
    watch.start();
    sessions[0]!.end({ code, message: code, retryable: false });
    vi.advanceTimersByTime(60_000);
    expect(sessions).toHaveLength(1);
    expect(watch.liveState).toBe('ended');
    expect(watch.endReason?.code).toBe(code);
    expect(states.at(-1)).toBe('ended');
  });

  it('treats a refused relay as final even when the session called it retryable', () => {
    expect(isRetryable({ code: 'connection-failed', message: '', retryable: true })).toBe(true);
    expect(isRetryable({ code: 'connection-failed', message: '', retryable: false })).toBe(false);
    expect(isRetryable({ code: 'camera-hung-up', message: '', retryable: true })).toBe(true);
  });

  it('Stop hangs up the session, cancels the re-dial and never dials again', () => {
    const { watch, sessions } = setup();
    watch.start();
    sessions[0]!.goLive();
    watch.stop();
    expect(sessions[0]!.stopped).toBe(1);
    expect(watch.liveState).toBe('ended');
    vi.advanceTimersByTime(60_000);
    expect(sessions).toHaveLength(1);

    const second = setup();
    second.watch.start();
    second.sessions[0]!.end(LOST);
    second.watch.stop();
    second.watch.cameraOnline();
    vi.advanceTimersByTime(60_000);
    expect(second.sessions).toHaveLength(1);
  });

  it('keeps one session at a time: a stale session cannot revive the watch', () => {
    const { watch, sessions } = setup();
    watch.start();
    sessions[0]!.end(LOST);
    vi.advanceTimersByTime(500);
    sessions[0]!.goLive();
    expect(watch.liveState).toBe('reconnecting');
    sessions[1]!.goLive();
    expect(watch.liveState).toBe('live');
  });

  describe('talk-back microphone', () => {
    it('dials with a talk-back line, gives it the muted mic, talks by enabling the track and telling the camera, releases it on Stop', async () => {
      const { watch, sessions, mic } = setup({ mic: 'ok' });
      watch.start();
      expect(watch.mic).toBe('pending');
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.talkBack).toBe(true);
      await vi.advanceTimersByTimeAsync(0);
      expect(watch.mic).toBe('ready');
      expect(sessions[0]!.mics).toEqual([mic.track]);
      expect(mic.track.enabled).toBe(false);
      sessions[0]!.goLive();
      expect(watch.setTalking(true)).toBe(true);
      expect(mic.track.enabled).toBe(true);
      expect(sessions[0]!.sent).toEqual([{ t: 'talk', on: true }]);
      sessions[0]!.end(LOST);
      vi.advanceTimersByTime(500);
      expect(sessions[1]!.mics).toEqual([mic.track]);
      sessions[1]!.goLive();
      expect(sessions[1]!.sent).toEqual([{ t: 'talk', on: true }]);
      watch.setTalking(false);
      expect(mic.track.enabled).toBe(false);
      watch.stop();
      expect(mic.track.stopped).toBe(true);
    });

    it('watches anyway without a microphone', async () => {
      const { watch, sessions } = setup({ mic: 'blocked' });
      watch.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(watch.mic).toBe('blocked');
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.mics).toEqual([]);
      expect(watch.setTalking(true)).toBe(false);
    });

    it('dials before the microphone is answered and attaches it to the live session when it comes', async () => {
      const { watch, sessions, mic, grant } = setup({ mic: 'later' });
      let changes = 0;
      watch.on('change', () => changes++);
      watch.start();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.talkBack).toBe(true);
      sessions[0]!.goLive();
      expect(watch.liveState).toBe('live');
      expect(watch.mic).toBe('pending');
      expect(watch.setTalking(true)).toBe(false);
      grant();
      await vi.advanceTimersByTimeAsync(0);
      expect(watch.mic).toBe('ready');
      expect(changes).toBe(1);
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.mics).toEqual([mic.track]);
      expect(mic.track.enabled).toBe(false);
      expect(watch.setTalking(true)).toBe(true);
      expect(mic.track.enabled).toBe(true);
    });

    it('offers no talk-back line without a microphone to ask for', () => {
      const { watch, sessions } = setup();
      watch.start();
      expect(sessions[0]!.talkBack).toBe(false);
      expect(watch.mic).toBe('none');
    });

    it('releases a microphone granted after Stop', async () => {
      const { watch, mic, grant } = setup({ mic: 'later' });
      watch.start();
      watch.stop();
      grant();
      await vi.advanceTimersByTimeAsync(0);
      expect(mic.track.stopped).toBe(true);
    });
  });

  describe('as a standby link', () => {
    const links = (sent: DataMessage[]) => sent.filter((m) => m.t === 'link');

    it('dials as a standby link without the microphone; raise and lower switch the same session and the mic follows', async () => {
      const { watch, sessions, mic } = setup({ mic: 'ok', standby: true });
      watch.start();
      expect({ standbyLink: sessions[0]!.standbyLink, talkBack: sessions[0]!.talkBack, mic: watch.mic }).toEqual({ standbyLink: true, talkBack: true, mic: 'none' });
      sessions[0]!.goLive();
      watch.raise();
      expect(watch.raised).toBe(true);
      expect(links(sessions[0]!.sent)).toEqual([{ t: 'link', mode: 'live' }]);
      await vi.advanceTimersByTimeAsync(0);
      expect(watch.mic).toBe('ready');
      expect(sessions[0]!.mics).toEqual([mic.track]);
      expect(watch.setTalking(true)).toBe(true);
      watch.lower();
      expect(sessions[0]!.sent.slice(-2)).toEqual([{ t: 'talk', on: false }, { t: 'link', mode: 'standby' }]);
      expect({ talking: watch.talking, mic: watch.mic, stopped: mic.track.stopped, lastMic: sessions[0]!.mics.at(-1) }).toEqual({ talking: false, mic: 'none', stopped: true, lastMic: null });
      expect(sessions).toHaveLength(1);
      expect(watch.phase).toBe('live');
    });

    it('raised while dialling: the session opened as standby is raised once its channel is open; a re-dial opens it live', () => {
      const { watch, sessions } = setup({ standby: true });
      watch.start();
      watch.raise();
      // The camera's hello can come before the viewer's side counts as connected: a switch then cannot be sent yet.
      sessions[0]!.hello('Kitchen');
      const before = sessions[0]!.sent.length;
      sessions[0]!.goLive();
      expect(sessions[0]!.sent.slice(before)).toEqual([{ t: 'link', mode: 'live' }]);
      sessions[0]!.hello('Kitchen');
      expect(sessions[0]!.sent.slice(before)).toEqual([{ t: 'link', mode: 'live' }]);
      sessions[0]!.end(LOST);
      vi.advanceTimersByTime(500);
      expect(sessions[1]!.standbyLink).toBe(false);
      sessions[1]!.hello('Kitchen');
      expect(links(sessions[1]!.sent)).toEqual([]);
    });

    it('a full camera is asked again rarely by a link that only stands by, soon by a watch', () => {
      const BUSY: EndReason = { code: 'camera-busy', message: 'busy', retryable: true };
      const { watch, sessions } = setup({ standby: true });
      watch.start();
      sessions[0]!.end(BUSY);
      vi.advanceTimersByTime(9_999);
      expect(sessions).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(sessions).toHaveLength(2);
      watch.raise();
      sessions[1]!.end(BUSY);
      vi.advanceTimersByTime(500);
      expect(sessions).toHaveLength(3);
    });
  });
});
