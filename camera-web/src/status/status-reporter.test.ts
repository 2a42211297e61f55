import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { parseDataMessage, type DataMessage } from '../../../protocol/messages.ts';
import type { AnsweringPeer } from '../station/camera-sessions.ts';
import type { CameraState } from '../media/local-camera.ts';
import type { SentVideo } from '../media/peer-media.ts';
import { BatteryWatch, StatusReporter, type BatteryLike, type StatusSources } from './status-reporter.ts';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';

beforeEach(() => configureLogging({ sink: () => undefined }));

function setup() {
  const timers = new FakeTimers();
  const startedAt = timers.now();
  const sessions = [
    { viewerId: 'viewer-a', peer: { name: 'a' } as unknown as AnsweringPeer, connected: true, mode: 'live' as const },
    { viewerId: 'viewer-b', peer: { name: 'b' } as unknown as AnsweringPeer, connected: true, mode: 'live' as const },
    { viewerId: 'viewer-c', peer: { name: 'c' } as unknown as AnsweringPeer, connected: false, mode: 'live' as const },
  ];
  const sent: [string, DataMessage][] = [];
  const state: { camera: CameraState; battery: StatusSources['battery'] extends () => infer B ? B : never; wakeLock: boolean; hidden: boolean } = {
    camera: { facing: 'environment', quality: '720p30', torch: null },
    battery: { level: 0.42, charging: false },
    wakeLock: true,
    hidden: false,
  };
  const stats: Record<string, SentVideo | null> = { a: { width: 1280, height: 720, fps: 29.87 }, b: null };
  const reporter = new StatusReporter({
    sessions: { peers: () => sessions, send: (viewerId, message) => (sent.push([viewerId, message]), true) },
    timers,
    startedAt,
    videoOf: async (peer) => stats[(peer as { name: string }).name] ?? null,
    sources: {
      camera: () => state.camera,
      captureSize: () => ({ width: 640, height: 480, fps: 30 }),
      battery: () => state.battery,
      wakeLock: () => state.wakeLock,
      hidden: () => state.hidden,
    },
  });
  return { timers, sessions, sent, state, stats, reporter };
}

describe('StatusReporter', () => {
  it('tells each connected viewer the video its own session sends, with the rest of the status', async () => {
    const { timers, sent, reporter } = setup();
    reporter.start();
    timers.advance(5_000);
    await flush();
    expect(sent.map(([id]) => id)).toEqual(['viewer-a', 'viewer-b']);
    expect(sent[0]![1]).toEqual({
      t: 'status',
      battery: { level: 0.42, charging: false },
      video: { width: 1280, height: 720, fps: 29.9 },
      quality: '720p30',
      facing: 'environment',
      torch: null,
      uptimeSec: 5,
      wakeLock: true,
      hidden: false,
    });
    // No sender stats (Safari 14): what the camera captures.
    expect((sent[1]![1] as { video: unknown }).video).toEqual({ width: 640, height: 480, fps: 30 });
    // What goes out passes the schema the viewer parses with.
    for (const [, message] of sent) expect(parseDataMessage(JSON.stringify(message)).ok).toBe(true);
  });

  it('every 5 s, and soon after a change (changes arriving together go as one)', async () => {
    const { timers, sent, state, reporter } = setup();
    reporter.start();
    for (let i = 0; i < 3; i++) {
      timers.advance(5_000);
      await flush();
    }
    expect(sent).toHaveLength(6);
    state.hidden = true;
    state.wakeLock = false;
    reporter.changed();
    reporter.changed();
    timers.advance(300);
    await flush();
    expect(sent).toHaveLength(8);
    expect(sent.at(-1)![1]).toMatchObject({ hidden: true, wakeLock: false });
    reporter.stop();
    timers.advance(60_000);
    await flush();
    expect(sent).toHaveLength(8);
  });

  it('a viewer that just connected gets its status at once', async () => {
    const { sent, reporter } = setup();
    await reporter.sendTo('viewer-a');
    await reporter.sendTo('viewer-c');
    expect(sent.map(([id]) => id)).toEqual(['viewer-a']);
  });
});

describe('BatteryWatch', () => {
  it('reads level and charging where the browser has getBattery, follows changes, and is null elsewhere', async () => {
    const listeners: Record<string, () => void> = {};
    const battery: BatteryLike = {
      level: 0.8,
      charging: true,
      addEventListener: (type, fn) => void (listeners[type] = fn),
      removeEventListener: (type) => void delete listeners[type],
    };
    let changes = 0;
    const watch = new BatteryWatch(async () => battery, () => changes++);
    expect(watch.current).toBeNull();
    await flush();
    expect(watch.current).toEqual({ level: 0.8, charging: true });
    battery.charging = false;
    listeners['chargingchange']!();
    expect(changes).toBe(2);
    expect(watch.current).toEqual({ level: 0.8, charging: false });
    watch.stop();
    expect(Object.keys(listeners)).toEqual([]);
    expect(new BatteryWatch(null, () => changes++).current).toBeNull();
  });
});
