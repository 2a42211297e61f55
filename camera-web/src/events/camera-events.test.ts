import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, type DetectionSettings, type EventMessage } from '../../../protocol/event-messages.ts';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';
import { CameraEvents, DETECTION_SETTINGS_KEY, detectionText, localSettingsStore, type DetectionMedia, type DetectionStatus } from './camera-events.ts';
import type { Clip } from './clip-recorder.ts';
import { HeldLinks } from './held-links.ts';
import { Outbox } from './outbox.ts';
import type { SoundDetection } from './sound-classifier.ts';
import { FakeLinks } from './testing/fake-links.ts';
import { MemoryStore } from './testing/outbox-fixtures.ts';
import { sceneFrame, seededRandom } from './testing/synthetic.ts';

const W = 80;
const H = 60;

/** The browser pieces as fakes: the test pushes frames, hears sounds, finishes clips; each records its life. */
class FakeMedia implements DetectionMedia {
  onFrame: ((luma: Uint8ClampedArray, width: number, height: number, at: number) => void) | null = null;
  onSound: ((detection: SoundDetection) => void) | null = null;
  onClip: ((clip: Clip) => void) | null = null;
  running = { frames: false, sound: false, clips: false };
  made = { frames: 0, sound: 0, clips: 0 };
  triggers: string[] = [];
  recordsClips = true;

  frames(onFrame: FakeMedia['onFrame'] & object) {
    this.made.frames++;
    this.onFrame = onFrame;
    return {
      start: () => void (this.running.frames = true),
      stop: () => void (this.running.frames = false),
      thumbnail: async () => new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    };
  }
  sound(_classifier: unknown, onDetection: (d: SoundDetection) => void) {
    this.made.sound++;
    this.onSound = onDetection;
    return { start: () => void (this.running.sound = true), stop: () => void (this.running.sound = false) };
  }
  clips(onClip: (clip: Clip) => void) {
    if (!this.recordsClips) return null;
    this.made.clips++;
    this.onClip = onClip;
    return {
      start: () => void (this.running.clips = true),
      stop: () => void (this.running.clips = false),
      trigger: (eventId: string) => {
        this.triggers.push(eventId);
        return { kind: 'recording' as const, eventId, preRollMs: 3000 };
      },
    };
  }
}

class MemoryStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

let timers: FakeTimers;
let links: FakeLinks;
let media: FakeMedia;
let storage: MemoryStorage;
let statuses: DetectionStatus[];
let outbox: Outbox;

beforeEach(async () => {
  timers = new FakeTimers();
  links = new FakeLinks();
  media = new FakeMedia();
  storage = new MemoryStorage();
  statuses = [];
  outbox = await Outbox.open(new MemoryStore());
});

function cameraEvents(open: () => Promise<Outbox> = async () => outbox): CameraEvents {
  return new CameraEvents({ links, openOutbox: open, media, settings: localSettingsStore(storage), timers, onStatus: (s) => statuses.push(s), ackTimeoutMs: 15_000 });
}

const last = (): DetectionStatus => statuses[statuses.length - 1]!;

/** A still scene, then a box moving across it for 4 s: one motion event. */
function moveSomething(): void {
  const random = seededRandom(7);
  for (let i = 0; i < 50; i++) {
    const moving = i >= 10 && i < 30;
    timers.advance(200);
    media.onFrame!(sceneFrame({ width: W, height: H, noise: 3, ...(moving ? { blob: { x: (i - 10) * 3, y: 20, size: 14, level: 230 } } : {}) }, random), W, H, timers.now());
  }
}

const withMotionOff = (s: DetectionSettings): DetectionSettings => ({ ...s, motion: { ...s.motion, enabled: false } });

describe('CameraEvents', () => {
  it('before any desktop asked, nothing is detected; the desktop\'s settings start detection and are kept', async () => {
    const events = cameraEvents();
    await events.start();
    expect(last()).toMatchObject({ state: 'not-asked', text: 'Motion and sound detection off — it starts when your desktop app connects' });
    expect(media.made).toEqual({ frames: 0, sound: 0, clips: 0 });

    links.connect('desk');
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    await events.idle();
    expect(media.running).toEqual({ frames: true, sound: true, clips: true });
    expect(last()).toMatchObject({ state: 'on', collecting: true, text: 'Motion and sound detection on — events go to your desktop as they happen' });
    expect(JSON.parse(storage.getItem(DETECTION_SETTINGS_KEY)!)).toEqual(DEFAULT_DETECTION_SETTINGS);
    events.stop();
    expect(media.running).toEqual({ frames: false, sound: false, clips: false });
  });

  it('after a reload with kept settings, motion with no desktop connected is kept on the phone, then collected when the desktop asks', async () => {
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify(DEFAULT_DETECTION_SETTINGS));
    const events = cameraEvents();
    await events.start();
    expect(last()).toMatchObject({ state: 'on', waiting: 0, collecting: false });
    moveSomething();
    await events.idle();
    await flush();
    expect(media.triggers).toHaveLength(1);
    expect(last()).toMatchObject({ waiting: 1, text: 'Motion and sound detection on — events kept on this phone until your desktop collects them (1 waiting)' });
    // A web viewer connecting changes nothing.
    links.connect('web');
    await events.idle();
    expect(links.take('web')).toEqual([]);

    links.connect('desk');
    links.say('desk', { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 5 });
    await events.idle();
    const sent = links.take('desk');
    expect(sent.map((m) => m.t)).toEqual(['event']);
    const first = sent[0] as Extract<EventMessage, { t: 'event' }>;
    expect(first).toMatchObject({ kind: 'motion', clip: true, thumbnail: '/9j/2Q==' });
    expect(last()).toMatchObject({ collecting: true, waiting: 1, text: 'Motion and sound detection on — sending 1 event to your desktop' });
    links.say('desk', { t: 'event-ack', id: first.id });
    await flush();
    await events.idle();
    // Its end (the duration) follows the event, under the same id.
    expect(links.take('desk')).toEqual([{ t: 'event-end', id: first.id, durationMs: expect.any(Number) }]);
    links.say('desk', { t: 'event-ack', id: first.id });
    await flush();
    await events.idle();
    expect(outbox.items).toEqual([]);
    expect(last()).toMatchObject({ waiting: 0, text: 'Motion and sound detection on — events go to your desktop as they happen' });
    events.stop();
  });

  it('a web viewer that asked for notices gets each new event as it is detected, thumbnail included; the desktop still collects it', async () => {
    const events = cameraEvents();
    await events.start();
    links.connect('desk');
    links.connect('web');
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    links.say('web', { t: 'event-notices', on: true });
    await events.idle();
    moveSomething();
    await events.idle();
    await flush();
    const notices = links.take('web');
    expect(notices).toEqual([expect.objectContaining({ t: 'event', kind: 'motion', thumbnail: '/9j/2Q==' })]);
    // The same event goes to the collector through the outbox, and stays there until it is acknowledged.
    expect(links.take('desk')).toEqual([notices[0]]);
    expect(outbox.items.length).toBeGreaterThan(0);
    events.stop();
  });

  it('on a phone no desktop ever set up, a notice subscription alone detects with the defaults, for notices only: no clip, nothing kept; off when the last subscriber leaves', async () => {
    const events = cameraEvents();
    await events.start();
    links.connect('web');
    links.connect('tab2');
    links.say('web', { t: 'event-notices', on: true });
    await events.idle();
    expect(media.running).toEqual({ frames: true, sound: true, clips: false });
    expect(media.made.clips).toBe(0);
    expect(last()).toMatchObject({
      state: 'notices',
      motion: true,
      sound: true,
      collecting: false,
      waiting: 0,
      text: 'Motion and sound detection on for notifications — nothing is recorded or kept on this phone',
    });
    moveSomething();
    await events.idle();
    await flush();
    media.onSound!({ label: 'barking-like', at: timers.now(), durationMs: 1800, levelDbfs: -18, strength: 0.7 });
    await events.idle();
    await flush();
    expect(links.take('web')).toEqual([
      expect.objectContaining({ t: 'event', kind: 'motion', thumbnail: '/9j/2Q==', clip: false }),
      expect.objectContaining({ t: 'event', kind: 'barking-like', clip: false }),
    ]);
    // Nothing kept: no outbox item (not even the motion's end), no clip asked for, no settings saved.
    expect(outbox.items).toEqual([]);
    expect(media.triggers).toEqual([]);
    expect(storage.getItem(DETECTION_SETTINGS_KEY)).toBeNull();
    expect(last()).toMatchObject({ state: 'notices', waiting: 0 });

    // A second subscriber, then the first says off: still on; the second's session ends: off.
    links.say('tab2', { t: 'event-notices', on: true });
    links.say('web', { t: 'event-notices', on: false });
    expect(last().state).toBe('notices');
    links.end('tab2');
    expect(media.running).toEqual({ frames: false, sound: false, clips: false });
    expect(last()).toMatchObject({ state: 'not-asked', motion: false, sound: false, text: 'Motion and sound detection off — it starts when your desktop app connects' });
    // Subscribed again, then off: on and off again.
    links.say('web', { t: 'event-notices', on: true });
    expect(last().state).toBe('notices');
    links.say('web', { t: 'event-notices', on: false });
    expect(last().state).toBe('not-asked');
    expect(media.running).toEqual({ frames: false, sound: false, clips: false });
    events.stop();
  });

  it('a viewer that subscribed while the events code loaded (held links) starts notices only once released', async () => {
    const held = new HeldLinks(links);
    links.connect('web');
    links.say('web', { t: 'event-notices', on: true });
    const events = new CameraEvents({ links: held, openOutbox: async () => outbox, media, settings: localSettingsStore(storage), timers, onStatus: (s) => statuses.push(s) });
    await events.start();
    expect(last().state).toBe('notices');
    expect(media.running).toEqual({ frames: true, sound: true, clips: false });
    events.stop();
    held.close();
  });

  it('a desktop\'s settings take over from notices only: clips and outbox as usual, and the subscriber leaving stops nothing', async () => {
    const events = cameraEvents();
    await events.start();
    links.connect('web');
    links.say('web', { t: 'event-notices', on: true });
    expect(last().state).toBe('notices');
    links.connect('desk');
    links.say('desk', withMotionOff(DEFAULT_DETECTION_SETTINGS));
    await events.idle();
    expect(media.running).toEqual({ frames: false, sound: true, clips: true });
    expect(last()).toMatchObject({ state: 'on', collecting: true, text: 'Sound detection on — events go to your desktop as they happen' });
    expect(JSON.parse(storage.getItem(DETECTION_SETTINGS_KEY)!)).toEqual(withMotionOff(DEFAULT_DETECTION_SETTINGS));
    media.onSound!({ label: 'barking-like', at: timers.now(), durationMs: 1800, levelDbfs: -18, strength: 0.7 });
    await events.idle();
    await flush();
    expect(links.take('web')).toEqual([expect.objectContaining({ kind: 'barking-like', clip: true })]);
    expect(links.take('desk')).toEqual([expect.objectContaining({ kind: 'barking-like', clip: true })]);
    expect(outbox.items).toHaveLength(1);
    links.say('web', { t: 'event-notices', on: false });
    links.end('web');
    expect(media.running).toEqual({ frames: false, sound: true, clips: true });
    expect(last().state).toBe('on');
    events.stop();
  });

  it('a motion event open when a desktop takes over from notices only ends there: its end is not kept', async () => {
    const events = cameraEvents();
    await events.start();
    links.connect('web');
    links.say('web', { t: 'event-notices', on: true });
    const random = seededRandom(7);
    for (let i = 0; i < 20; i++) {
      timers.advance(200);
      media.onFrame!(sceneFrame({ width: W, height: H, noise: 3, ...(i >= 10 ? { blob: { x: (i - 10) * 3, y: 20, size: 14, level: 230 } } : {}) }, random), W, H, timers.now());
    }
    await events.idle();
    expect(links.take('web')).toEqual([expect.objectContaining({ kind: 'motion' })]);
    links.say('web', DEFAULT_DETECTION_SETTINGS);
    await events.idle();
    await flush();
    expect(outbox.items).toEqual([]);
    expect(last()).toMatchObject({ state: 'on', collecting: true, waiting: 0 });
    events.stop();
  });

  it('a phone a desktop set up earlier stays in its usual mode when a viewer subscribes: events are kept', async () => {
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify(DEFAULT_DETECTION_SETTINGS));
    const events = cameraEvents();
    await events.start();
    links.connect('web');
    links.say('web', { t: 'event-notices', on: true });
    moveSomething();
    await events.idle();
    await flush();
    expect(last()).toMatchObject({ state: 'on', waiting: 1 });
    expect(links.take('web')).toEqual([expect.objectContaining({ kind: 'motion', clip: true })]);
    links.say('web', { t: 'event-notices', on: false });
    expect(last().state).toBe('on');
    expect(media.running).toEqual({ frames: true, sound: true, clips: true });
    events.stop();
  });

  it('the desktop\'s zones decide where motion counts: none outside the watched cells, one inside', async () => {
    const events = cameraEvents();
    await events.start();
    links.connect('desk');
    // The moving box crosses rows 1 and 2 of a 1×4 grid (y 20..34 of 60); only the top row is watched.
    const zones = (cells: string): DetectionSettings => ({ ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 0, motion: { ...DEFAULT_DETECTION_SETTINGS.motion, zones: { cols: 1, rows: 4, cells } } });
    links.say('desk', zones('1000'));
    await events.idle();
    moveSomething();
    await events.idle();
    expect(media.triggers).toHaveLength(0);
    // Changed while running (the desktop saved new zones): applied to the running detector at once.
    links.say('desk', zones('0100'));
    await events.idle();
    expect(JSON.parse(storage.getItem(DETECTION_SETTINGS_KEY)!)).toMatchObject({ motion: { zones: { cols: 1, rows: 4, cells: '0100' } } });
    moveSomething();
    await events.idle();
    expect(media.triggers).toHaveLength(1);
    events.stop();
  });

  it('a sound and its clip become an event then a clip in the outbox', async () => {
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify(DEFAULT_DETECTION_SETTINGS));
    const events = cameraEvents();
    await events.start();
    media.onSound!({ label: 'barking-like', at: timers.now(), durationMs: 1800, levelDbfs: -18, strength: 0.7 });
    await events.idle();
    const id = media.triggers[0]!;
    media.onClip!({ eventId: id, startedAt: timers.now() - 3000, endedAt: timers.now() + 5000, triggerAt: timers.now(), mimeType: 'video/webm', bytes: new Uint8Array([1, 2, 3]) });
    await events.idle();
    await flush();
    expect(outbox.items.map((i) => i.type)).toEqual(['event', 'clip']);
    expect(outbox.items[0]).toMatchObject({ kind: 'barking-like' });
    expect(last().waiting).toBe(1);
    events.stop();
  });

  it('settings turn each detector off and on; both off stops the clips too', async () => {
    const events = cameraEvents();
    await events.start();
    links.connect('desk');
    links.say('desk', withMotionOff(DEFAULT_DETECTION_SETTINGS));
    await events.idle();
    expect(media.running).toEqual({ frames: false, sound: true, clips: true });
    expect(last().text).toBe('Sound detection on — events go to your desktop as they happen');
    links.say('desk', { ...withMotionOff(DEFAULT_DETECTION_SETTINGS), sound: { enabled: false, sensitivity: 50 } });
    expect(media.running).toEqual({ frames: false, sound: false, clips: false });
    expect(last()).toMatchObject({ state: 'turned-off', text: 'Motion and sound detection off — turned off in your desktop app' });
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    expect(media.running).toEqual({ frames: true, sound: true, clips: true });
    events.stop();
  });

  it('a camera switch makes new sound and clip pieces on the new tracks', async () => {
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify(DEFAULT_DETECTION_SETTINGS));
    const events = cameraEvents();
    await events.start();
    expect(media.made).toEqual({ frames: 1, sound: 1, clips: 1 });
    events.tracksChanged();
    expect(media.made).toEqual({ frames: 1, sound: 2, clips: 2 });
    expect(media.running).toEqual({ frames: true, sound: true, clips: true });
    events.stop();
  });

  it('a browser without a recording format detects without clips and says so', async () => {
    media.recordsClips = false;
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify(DEFAULT_DETECTION_SETTINGS));
    const events = cameraEvents();
    await events.start();
    expect(last().text).toBe('Motion and sound detection on — events kept on this phone until your desktop collects them (0 waiting); this browser records no clips');
    moveSomething();
    await events.idle();
    expect(outbox.items[0]).toMatchObject({ type: 'event', message: { clip: false } });
    events.stop();
  });

  it('without storage for the outbox, detection stays off and says why', async () => {
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify(DEFAULT_DETECTION_SETTINGS));
    const events = cameraEvents(() => Promise.reject(new Error('IndexedDB unavailable')));
    await events.start();
    expect(last()).toMatchObject({ state: 'no-storage', text: 'Motion and sound detection off — this browser cannot keep events on the phone' });
    expect(media.made).toEqual({ frames: 0, sound: 0, clips: 0 });
    events.stop();
  });

  it('stopped while the outbox opens: nothing starts', async () => {
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify(DEFAULT_DETECTION_SETTINGS));
    const events = cameraEvents();
    const started = events.start();
    events.stop();
    await started;
    expect(media.made).toEqual({ frames: 0, sound: 0, clips: 0 });
  });
});

describe('localSettingsStore', () => {
  it('keeps settings and ignores what does not parse as detection settings', () => {
    const store = localSettingsStore(storage);
    expect(store.load()).toBeNull();
    store.save(DEFAULT_DETECTION_SETTINGS);
    expect(store.load()).toEqual(DEFAULT_DETECTION_SETTINGS);
    storage.setItem(DETECTION_SETTINGS_KEY, '{"t":"detection-settings","motion":true}');
    expect(store.load()).toBeNull();
    storage.setItem(DETECTION_SETTINGS_KEY, JSON.stringify({ t: 'event-ack', id: 'x' }));
    expect(store.load()).toBeNull();
    expect(localSettingsStore(null).load()).toBeNull();
    const refusing = { getItem: (): string => { throw new Error('SecurityError'); }, setItem: (): void => { throw new Error('QuotaExceededError'); } };
    expect(localSettingsStore(refusing).load()).toBeNull();
    expect(() => localSettingsStore(refusing).save(DEFAULT_DETECTION_SETTINGS)).not.toThrow();
  });
});

describe('detectionText', () => {
  it('counts events in the singular and plural', () => {
    const base = { state: 'on' as const, motion: true, sound: false, clips: true, collecting: false };
    expect(detectionText({ ...base, waiting: 2 })).toBe('Motion detection on — events kept on this phone until your desktop collects them (2 waiting)');
    expect(detectionText({ ...base, waiting: 2, collecting: true })).toBe('Motion detection on — sending 2 events to your desktop');
    expect(detectionText({ ...base, state: 'notices', waiting: 0 })).toBe('Motion detection on for notifications — nothing is recorded or kept on this phone');
  });
});
