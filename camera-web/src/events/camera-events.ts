/**
 * The camera's events feature, running: while the camera runs (watched or not), the picture goes through the
 * motion detector and the microphone through the sound classifier; detections become events with clips in the
 * IndexedDB outbox (event-pipeline.ts); the outbox drains to the desktop that collects them (event-delivery.ts).
 *
 * Detection starts once a desktop has asked for events — sent `detection-settings` — on this phone, ever: those
 * settings are kept (localStorage), so after a reload detection runs with them at once, desktop connected or not.
 * Before any desktop asked, nothing is detected or kept: a phone watched only from web viewers, which keep no
 * events, would otherwise fill its storage with clips nobody collects, and pay the encoders' CPU for nothing.
 *
 * Notices only: on such a phone, while at least one viewer is subscribed to event notices (the web viewer's "Notify
 * me of events while this page is open"), motion and sound are detected with the default settings for those notices
 * alone — no clip recorded, nothing put in the outbox, nothing kept (nobody collects). The last subscriber leaving
 * stops detection again; a desktop's settings, once sent, take over as above.
 *
 * Browser pieces (canvas sampling, WebAudio, MediaRecorder, IndexedDB) come in through `DetectionMedia` and
 * `openOutbox`; browser-camera-events.ts builds them.
 */
import { DEFAULT_DETECTION_SETTINGS, parseEventMessage, encodeEventMessage, type DetectionSettings } from '../../../protocol/event-messages.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { Timers } from '../../../protocol/timers.ts';
import type { Clip, TriggerResult } from './clip-recorder.ts';
import { EventDelivery, type EventLinks } from './event-delivery.ts';
import { EventPipeline, applyDetectionSettings } from './event-pipeline.ts';
import { MotionDetector } from './motion-detector.ts';
import type { Outbox } from './outbox.ts';
import { LoudnessPatternClassifier, type SoundClassifier, type SoundDetection } from './sound-classifier.ts';

const log = createLogger('camera-events');

/** Samples the picture a few times a second and takes thumbnails (FrameSampler). */
export interface FramesLike {
  start(): void;
  stop(): void;
  thumbnail(): Promise<Uint8Array | null>;
}

/** Rolling clip recorders (ClipRecorder). */
export interface ClipsLike {
  start(): void;
  stop(): void;
  trigger(eventId: string): TriggerResult;
}

/** The browser's media pieces, made on the camera's current tracks each time they are asked for. */
export interface DetectionMedia {
  /** Greyscale frames of the picture; null where the browser cannot sample it (no 2D canvas). */
  frames(onFrame: (luma: Uint8ClampedArray, width: number, height: number, at: number) => void): FramesLike | null;
  /** The microphone through `classifier`; null without WebAudio or a microphone. */
  sound(classifier: SoundClassifier, onDetection: (detection: SoundDetection) => void): { start(): void; stop(): void } | null;
  /** Clip recorders; null where the browser records none of our formats. */
  clips(onClip: (clip: Clip) => void, onError: (message: string) => void): ClipsLike | null;
}

/** Where the last detection settings a desktop sent are kept. */
export interface SettingsStore {
  load(): DetectionSettings | null;
  save(settings: DetectionSettings): void;
}

/** Why detection is on or off, for the page's line. */
export type DetectionState = 'starting' | 'on' | 'notices' | 'not-asked' | 'turned-off' | 'no-storage';

/** What the page shows about detection. */
export interface DetectionStatus {
  state: DetectionState;
  motion: boolean;
  sound: boolean;
  /** Clips are recorded (this browser has a recording format). */
  clips: boolean;
  /** Events kept on this phone that no desktop has confirmed yet. */
  waiting: number;
  /** A desktop is collecting events now. */
  collecting: boolean;
  /** The line itself. */
  text: string;
}

/** Options of CameraEvents. */
export interface CameraEventsOptions {
  links: EventLinks & { release?(): void };
  openOutbox(): Promise<Outbox>;
  media: DetectionMedia;
  settings: SettingsStore;
  timers: Timers;
  onStatus(status: DetectionStatus): void;
  /** OutboxSender's ack timeout (its default when absent). */
  ackTimeoutMs?: number;
}

/** localStorage key of the kept detection settings. */
export const DETECTION_SETTINGS_KEY = 'pawcam-detection-settings';

/** Detection settings in the page's localStorage, re-parsed on load (storage is another page's word, not ours). */
export function localSettingsStore(storage: Pick<Storage, 'getItem' | 'setItem'> | null): SettingsStore {
  return {
    load() {
      let text: string | null;
      try {
        text = storage?.getItem(DETECTION_SETTINGS_KEY) ?? null;
      } catch (error) {
        // Storage switched off after the page got hold of it: as if nothing was kept.
        log.warn('could not read the detection settings', { error: String(error) });
        return null;
      }
      if (text === null) return null;
      const parsed = parseEventMessage(text);
      if (parsed.ok && parsed.value.t === 'detection-settings') return parsed.value;
      log.warn('ignored unreadable detection settings', { error: parsed.ok ? `t=${parsed.value.t}` : parsed.error });
      return null;
    },
    save(settings) {
      try {
        storage?.setItem(DETECTION_SETTINGS_KEY, encodeEventMessage(settings));
      } catch (error) {
        log.warn('could not keep the detection settings', { error: String(error) });
      }
    },
  };
}

/** The line the camera page shows. */
export function detectionText(s: Omit<DetectionStatus, 'text'>): string {
  switch (s.state) {
    case 'starting':
      return 'Motion and sound detection starting…';
    case 'not-asked':
      return 'Motion and sound detection off — it starts when your desktop app connects';
    case 'turned-off':
      return 'Motion and sound detection off — turned off in your desktop app';
    case 'no-storage':
      return 'Motion and sound detection off — this browser cannot keep events on the phone';
    case 'notices':
      return `${detectedWhat(s)} detection on for notifications — nothing is recorded or kept on this phone`;
    case 'on': {
      const what = detectedWhat(s);
      const events = (n: number): string => `${n} event${n === 1 ? '' : 's'}`;
      const where = s.collecting
        ? s.waiting > 0
          ? `sending ${events(s.waiting)} to your desktop`
          : 'events go to your desktop as they happen'
        : `events kept on this phone until your desktop collects them (${s.waiting} waiting)`;
      return `${what} detection on — ${where}${s.clips ? '' : '; this browser records no clips'}`;
    }
  }
}

function detectedWhat(s: Pick<DetectionStatus, 'motion' | 'sound'>): string {
  return s.motion && s.sound ? 'Motion and sound' : s.motion ? 'Motion' : 'Sound';
}

/** Distinct events with something (the event, its end or its clip) not yet confirmed by a desktop. */
export function waitingEvents(outbox: Pick<Outbox, 'items'>): number {
  const ids = new Set<string>();
  for (const item of outbox.items) ids.add(item.type === 'clip' ? item.eventId : item.message.id);
  return ids.size;
}

/** Detection and delivery for one running camera; `stop()` with the camera. */
export class CameraEvents {
  readonly #o: CameraEventsOptions;
  #outbox: Outbox | null = null;
  #delivery: EventDelivery | null = null;
  /** Detections into the outbox (a desktop asked, ever). */
  #keeping: EventPipeline | null = null;
  /** Detections into notices only (notices-only mode): nothing kept. */
  #noticing: EventPipeline | null = null;
  #settings: DetectionSettings | null = null;
  /** A desktop's settings were applied (sent now or kept from before): the normal mode, never notices only. */
  #asked = false;
  /** At least one viewer is subscribed to event notices. */
  #subscribed = false;
  #state: DetectionState = 'starting';
  #frames: FramesLike | null = null;
  #sound: { start(): void; stop(): void } | null = null;
  #clips: ClipsLike | null = null;
  #clipsAvailable = true;
  #motion: { detector: MotionDetector; width: number; height: number } | null = null;
  readonly #classifier: LoudnessPatternClassifier;
  #stopped = false;
  #lastStatus = '';

  constructor(options: CameraEventsOptions) {
    this.#o = options;
    this.#classifier = new LoudnessPatternClassifier({ sensitivity: 50, cooldownMs: 60_000 });
  }

  /** Open the outbox, start delivering, and detect with the kept settings (if a desktop ever sent some). */
  async start(): Promise<void> {
    this.#status();
    let outbox: Outbox;
    try {
      outbox = await this.#o.openOutbox();
    } catch (error) {
      log.warn('no outbox: detection stays off', { error: String(error) });
      if (this.#stopped) return;
      this.#state = 'no-storage';
      this.#o.links.release?.();
      this.#status();
      return;
    }
    if (this.#stopped) return;
    this.#outbox = outbox;
    const thumbnail = (): Promise<Uint8Array | null> => this.#frames?.thumbnail() ?? Promise.resolve(null);
    this.#keeping = new EventPipeline({
      outbox: {
        // A new event goes to the outbox (for the collector) and, as a notice, to the viewers that asked for one.
        addEvent: (message) => {
          this.#delivery?.notice(message);
          return outbox.addEvent(message);
        },
        addEventEnd: (message, event) => outbox.addEventEnd(message, event),
        addClip: (clip) => outbox.addClip(clip),
      },
      clips: { trigger: (eventId) => this.#clips?.trigger(eventId) ?? { kind: 'unavailable' } },
      thumbnail,
    });
    // Notices only: each new event goes to the subscribers and nowhere else; no clips (each event says so).
    this.#noticing = new EventPipeline({
      outbox: {
        addEvent: (message) => Promise.resolve(this.#delivery?.notice(message)),
        addEventEnd: () => Promise.resolve(),
        addClip: () => Promise.resolve(),
      },
      clips: null,
      thumbnail,
    });
    this.#delivery = new EventDelivery({
      links: this.#o.links,
      outbox,
      timers: this.#o.timers,
      onSettings: (settings) => this.#applySettings(settings, true),
      onChange: () => this.#status(),
      onNotices: (subscribed) => {
        this.#subscribed = subscribed;
        this.#noticesOnly();
      },
      ...(this.#o.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: this.#o.ackTimeoutMs }),
    });
    const kept = this.#o.settings.load();
    if (kept) this.#applySettings(kept, false);
    else this.#state = 'not-asked';
    this.#status();
    // Links that connected while this code loaded: their settings arrive now, in order.
    this.#o.links.release?.();
  }

  /** The camera's tracks changed (camera switched, or reopened after the OS ended them): follow the new ones. */
  tracksChanged(): void {
    if (this.#stopped || (this.#state !== 'on' && this.#state !== 'notices')) return;
    this.#motion?.detector.reset();
    this.#stopSound();
    this.#stopClips();
    this.#run();
  }

  /** The viewer the outbox drains to now (tests, logs). */
  get collector(): string | null {
    return this.#delivery?.collector ?? null;
  }

  /** Every detection so far is in the outbox and every delivery step done (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#keeping?.idle();
    await this.#noticing?.idle();
    await this.#delivery?.idle();
  }

  /** Stop detecting and delivering; clips being recorded are finished into the outbox. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopMotion();
    this.#stopSound();
    this.#stopClips();
    this.#delivery?.close();
  }

  #applySettings(settings: DetectionSettings, fromDesktop: boolean): void {
    if (fromDesktop) this.#o.settings.save(settings);
    // Out of notices only: an open motion event ends there (its end is not kept), so the next one starts afresh.
    if (this.#state === 'notices') this.#motion?.detector.reset();
    this.#asked = true;
    this.#settings = settings;
    const on = applyDetectionSettings(settings, this.#motion?.detector ?? null, this.#classifier);
    this.#state = on.motion || on.sound ? 'on' : 'turned-off';
    this.#run();
    this.#status();
  }

  /** Notices only while someone is subscribed and no desktop ever asked; off again when the last one leaves. */
  #noticesOnly(): void {
    if (this.#stopped || this.#asked) return;
    if (this.#subscribed && this.#state === 'not-asked') {
      log.info('detecting for event notices only (no desktop ever asked): nothing is kept');
      this.#settings = DEFAULT_DETECTION_SETTINGS;
      applyDetectionSettings(DEFAULT_DETECTION_SETTINGS, this.#motion?.detector ?? null, this.#classifier);
      this.#state = 'notices';
    } else if (!this.#subscribed && this.#state === 'notices') {
      log.info('no viewer wants event notices any more: detection off');
      this.#state = 'not-asked';
      this.#settings = null;
    } else return;
    this.#run();
    this.#status();
  }

  /** The pipeline detections go through in the current mode. */
  #pipeline(): EventPipeline | null {
    return this.#state === 'notices' ? this.#noticing : this.#keeping;
  }

  /** Start what the settings turn on, stop what they turn off. */
  #run(): void {
    if (this.#stopped) return;
    const settings = this.#settings;
    const detecting = this.#state === 'on' || this.#state === 'notices';
    const motion = detecting && settings?.motion.enabled === true;
    const sound = detecting && settings?.sound.enabled === true;
    // Clips only where they are kept: never in notices only.
    const clips = this.#state === 'on' && (motion || sound);
    if (motion && !this.#frames) {
      this.#frames = this.#o.media.frames((luma, width, height, at) => this.#frame(luma, width, height, at));
      this.#frames?.start();
    } else if (!motion) this.#stopMotion();
    if (sound && !this.#sound) {
      this.#sound = this.#o.media.sound(this.#classifier, (detection) => this.#track(this.#pipeline()?.sound(detection)));
      this.#sound?.start();
    } else if (!sound) this.#stopSound();
    if (clips && !this.#clips) {
      this.#clips = this.#o.media.clips(
        (clip) => this.#track(this.#keeping?.clip(clip)),
        (message) => log.warn('clip recorder', { message }),
      );
      this.#clipsAvailable = this.#clips !== null;
      this.#clips?.start();
    } else if (!clips) this.#stopClips();
  }

  #frame(luma: Uint8ClampedArray, width: number, height: number, at: number): void {
    let motion = this.#motion;
    if (!motion || motion.width !== width || motion.height !== height) {
      // A new size (camera switched, rotated): a new background at that size; an open event ends.
      motion?.detector.reset();
      const settings = this.#settings;
      if (!settings) return;
      const detector = new MotionDetector({
        width,
        height,
        sensitivity: settings.motion.sensitivity,
        minDurationMs: settings.motion.minDurationMs,
        cooldownMs: settings.cooldownSec * 1000,
        zones: settings.motion.zones,
      });
      detector.on('start', (start) => this.#track(this.#pipeline()?.motionStarted(start)));
      detector.on('end', (end) => this.#track(this.#pipeline()?.motionEnded(end)));
      motion = { detector, width, height };
      this.#motion = motion;
    }
    motion.detector.push(luma, at);
  }

  #stopMotion(): void {
    this.#frames?.stop();
    this.#frames = null;
    // An event in progress ends now, so its duration is kept.
    this.#motion?.detector.reset();
    this.#motion = null;
  }

  #stopSound(): void {
    this.#sound?.stop();
    this.#sound = null;
  }

  #stopClips(): void {
    this.#clips?.stop();
    this.#clips = null;
  }

  /** An outbox write in flight: the waiting count changes when it lands. */
  #track(work: Promise<void> | undefined): void {
    void work?.then(() => this.#status());
  }

  #status(): void {
    if (this.#stopped) return;
    const outbox = this.#outbox;
    const settings = this.#settings;
    const on = this.#state === 'on' || this.#state === 'notices';
    const status: Omit<DetectionStatus, 'text'> = {
      state: this.#state,
      motion: on && settings?.motion.enabled === true,
      sound: on && settings?.sound.enabled === true,
      clips: this.#clipsAvailable,
      waiting: outbox ? waitingEvents(outbox) : 0,
      collecting: this.#delivery?.collector != null,
    };
    const text = detectionText(status);
    const key = JSON.stringify(status);
    if (key === this.#lastStatus) return;
    this.#lastStatus = key;
    this.#o.onStatus({ ...status, text });
  }
}
