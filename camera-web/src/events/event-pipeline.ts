/**
 * Turns detections into events in the outbox: a motion start or a sound detection becomes an event at once (so
 * the desktop can alert within seconds), with a thumbnail and a clip started around it; a motion end follows as an
 * `event-end` carrying the duration; a finished clip follows as its own outbox item. Also applies the detection
 * settings the viewer sends. Browser pieces (recorder, thumbnail, detectors) are handed in.
 */
import { MAX_THUMBNAIL_CHARS, encodeBase64, type CameraEventKind, type CameraEventMessage, type DetectionSettings } from '../../../protocol/event-messages.ts';
import { randomHex } from '../../../protocol/ids.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { Clip, TriggerResult } from './clip-recorder.ts';
import type { MotionDetector, MotionEnd, MotionStart } from './motion-detector.ts';
import type { Outbox } from './outbox.ts';
import type { SoundClassifier, SoundDetection } from './sound-classifier.ts';

const log = createLogger('event-pipeline');

/** Collaborators of the pipeline. */
export interface EventPipelineOptions {
  outbox: Pick<Outbox, 'addEvent' | 'addEventEnd' | 'addClip'>;
  /** Starts or lengthens a clip (null: this browser records no clips). */
  clips: { trigger(eventId: string): TriggerResult } | null;
  /** A small JPEG of the picture now. */
  thumbnail(): Promise<Uint8Array | null>;
  newId?(): string;
}

/** What the detectors should do, from the viewer's settings. */
export interface DetectorSwitches {
  motion: boolean;
  sound: boolean;
}

/** Apply detection settings to the detectors; returns which detectors should run. */
export function applyDetectionSettings(settings: DetectionSettings, motion: MotionDetector | null, sound: SoundClassifier | null): DetectorSwitches {
  const cooldownMs = settings.cooldownSec * 1000;
  motion?.configure({ sensitivity: settings.motion.sensitivity, minDurationMs: settings.motion.minDurationMs, cooldownMs, zones: settings.motion.zones });
  sound?.configure({ sensitivity: settings.sound.sensitivity, cooldownMs });
  return { motion: settings.motion.enabled, sound: settings.sound.enabled };
}

/** Detections in, outbox items out. */
export class EventPipeline {
  readonly #o: EventPipelineOptions;
  #motion: { id: string; at: number } | null = null;
  readonly #kinds = new Map<string, { kind: CameraEventKind; at: number }>();

  constructor(options: EventPipelineOptions) {
    this.#o = options;
  }

  /** A motion event began (detectors call this synchronously; the work is queued in order). */
  motionStarted(start: MotionStart): Promise<void> {
    const id = this.#newId();
    this.#motion = { id, at: start.at };
    const trigger = this.#trigger(id, 'motion', start.at);
    return this.#serial(() => this.#event(id, trigger, 'motion', start.at, 0, start.strength, null));
  }

  /** The motion event ended: its duration follows the event. */
  motionEnded(end: MotionEnd): Promise<void> {
    const open = this.#motion;
    if (!open) return Promise.resolve();
    this.#motion = null;
    return this.#serial(() => this.#o.outbox.addEventEnd({ t: 'event-end', id: open.id, durationMs: Math.round(end.durationMs) }, { kind: 'motion', at: open.at }));
  }

  /** A sound pattern was heard. */
  sound(detection: SoundDetection): Promise<void> {
    const id = this.#newId();
    const trigger = this.#trigger(id, detection.label, detection.at);
    return this.#serial(() => this.#event(id, trigger, detection.label, detection.at, detection.durationMs, detection.strength, detection.levelDbfs));
  }

  /** A clip is finished. */
  clip(clip: Clip): Promise<void> {
    return this.#serial(() => this.#clip(clip));
  }

  /** Everything detected so far is in the outbox. */
  idle(): Promise<void> {
    return this.#queue;
  }

  #queue: Promise<void> = Promise.resolve();
  /** Outbox writes in detection order: an event's end never overtakes the event. */
  #serial(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op).catch((error: unknown) => log.error('could not keep an event', { error: String(error) }));
    this.#queue = run;
    return run;
  }

  #newId(): string {
    return this.#o.newId?.() ?? randomHex(8);
  }

  /** Start the clip now, at the moment of detection (not after the thumbnail): pre-roll is measured from here. */
  #trigger(id: string, kind: CameraEventKind, at: number): TriggerResult {
    const trigger = this.#o.clips?.trigger(id) ?? { kind: 'unavailable' as const };
    // An event inside another event's clip adds no clip of its own (that clip was lengthened to cover it).
    if (trigger.kind === 'recording') this.#kinds.set(id, { kind, at });
    return trigger;
  }

  async #clip(clip: Clip): Promise<void> {
    const meta = this.#kinds.get(clip.eventId);
    this.#kinds.delete(clip.eventId);
    if (!meta) {
      log.warn('a clip for an event this page does not know; dropped', { eventId: clip.eventId });
      return;
    }
    await this.#o.outbox.addClip({ eventId: clip.eventId, kind: meta.kind, at: meta.at, mimeType: clip.mimeType, startedAt: clip.startedAt, bytes: clip.bytes });
  }

  async #event(id: string, trigger: TriggerResult, kind: CameraEventKind, at: number, durationMs: number, strength: number, levelDbfs: number | null): Promise<void> {
    let thumbnail: string | null = null;
    try {
      const jpeg = await this.#o.thumbnail();
      const text = jpeg ? encodeBase64(jpeg) : null;
      thumbnail = text && text.length <= MAX_THUMBNAIL_CHARS ? text : null;
      if (text && !thumbnail) log.info('thumbnail too large; event sent without it', { chars: text.length });
    } catch (error) {
      log.info('no thumbnail', { error: String(error) });
    }
    const message: CameraEventMessage = {
      t: 'event',
      id,
      kind,
      at: Math.round(at),
      durationMs: Math.round(Math.max(0, durationMs)),
      strength: Math.min(1, Math.max(0, strength)),
      levelDbfs: levelDbfs === null ? null : Math.max(-200, Math.min(0, levelDbfs)),
      thumbnail,
      clip: trigger.kind === 'recording',
    };
    await this.#o.outbox.addEvent(message);
  }
}
