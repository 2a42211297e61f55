import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, parseEventMessage, type EventMessage } from '../../../protocol/event-messages.ts';
import type { TriggerResult } from './clip-recorder.ts';
import { EventPipeline, applyDetectionSettings } from './event-pipeline.ts';
import { MotionDetector } from './motion-detector.ts';
import type { NewClip } from './outbox.ts';
import { LoudnessPatternClassifier } from './sound-classifier.ts';
import { sceneFrame, seededRandom } from './testing/synthetic.ts';

const AT = 1_800_000_000_000;

function setup(options: { trigger?: (id: string) => TriggerResult; thumbnail?: Uint8Array | null } = {}) {
  const sent: EventMessage[] = [];
  const clips: NewClip[] = [];
  let n = 0;
  const pipeline = new EventPipeline({
    outbox: {
      addEvent: async (m) => void sent.push(m),
      addEventEnd: async (m) => void sent.push(m),
      addClip: async (c) => void clips.push(c),
    },
    clips: { trigger: options.trigger ?? ((eventId) => ({ kind: 'recording', eventId, preRollMs: 3000 })) },
    thumbnail: async () => (options.thumbnail === undefined ? new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) : options.thumbnail),
    newId: () => (++n).toString(16).padStart(16, '0'),
  });
  return { pipeline, sent, clips };
}

describe('EventPipeline', () => {
  it('a moving object becomes one valid motion event at once, its end with the duration, then its clip', async () => {
    const { pipeline, sent, clips } = setup();
    const detector = new MotionDetector({ width: 80, height: 60, sensitivity: 50, minDurationMs: 500, cooldownMs: 60_000, zones: null });
    detector.on('start', (s) => void pipeline.motionStarted(s));
    detector.on('end', (e) => void pipeline.motionEnded(e));
    const random = seededRandom(3);
    for (let i = 0; i < 60; i++) {
      const t = AT + i * 200;
      const moving = i >= 10 && i < 30;
      detector.push(sceneFrame({ width: 80, height: 60, noise: 3, ...(moving ? { blob: { x: (i - 10) * 3, y: 20, size: 14, level: 230 } } : {}) }, random), t);
    }
    await pipeline.idle();
    expect(sent.map((m) => m.t)).toEqual(['event', 'event-end']);
    const [start, end] = sent as [Extract<EventMessage, { t: 'event' }>, Extract<EventMessage, { t: 'event-end' }>];
    // What goes on the wire parses on the other side.
    expect(parseEventMessage(JSON.stringify(start))).toEqual({ ok: true, value: start });
    expect(start).toMatchObject({ kind: 'motion', clip: true, thumbnail: '/9j/2Q==' });
    expect(start.at - (AT + 10 * 200)).toBeLessThanOrEqual(2000);
    expect(end).toEqual({ t: 'event-end', id: start.id, durationMs: expect.any(Number) });
    expect(end.durationMs).toBeGreaterThan(2000);

    await pipeline.clip({ eventId: start.id, startedAt: start.at - 3000, endedAt: start.at + 5000, triggerAt: start.at, mimeType: 'video/webm', bytes: new Uint8Array([1, 2, 3]) });
    expect(clips).toEqual([{ eventId: start.id, kind: 'motion', at: start.at, mimeType: 'video/webm', startedAt: start.at - 3000, bytes: new Uint8Array([1, 2, 3]) }]);
  });

  it('a sound detection is an event with its level; one inside another clip says it has no clip of its own', async () => {
    const { pipeline, sent } = setup({ trigger: () => ({ kind: 'extended', eventId: 'other' }), thumbnail: null });
    await pipeline.sound({ label: 'barking-like', at: AT, durationMs: 1800, levelDbfs: -18.5, strength: 0.7 });
    expect(sent).toEqual([{ t: 'event', id: '0000000000000001', kind: 'barking-like', at: AT, durationMs: 1800, strength: 0.7, levelDbfs: -18.5, thumbnail: null, clip: false }]);
  });

  it('an oversized thumbnail is left out rather than breaking the message bound', async () => {
    const { pipeline, sent } = setup({ thumbnail: new Uint8Array(20_000) });
    await pipeline.sound({ label: 'loud-sound', at: AT, durationMs: 100, levelDbfs: -10, strength: 1 });
    expect((sent[0] as { thumbnail: unknown }).thumbnail).toBeNull();
  });
});

describe('applyDetectionSettings', () => {
  it('configures both detectors and says which run', () => {
    const motion = new MotionDetector({ width: 16, height: 16, sensitivity: 50, minDurationMs: 0, cooldownMs: 0, zones: null });
    const sound = new LoudnessPatternClassifier({ sensitivity: 50, cooldownMs: 0 });
    const settings = { ...DEFAULT_DETECTION_SETTINGS, motion: { ...DEFAULT_DETECTION_SETTINGS.motion, enabled: false }, cooldownSec: 5 };
    expect(applyDetectionSettings(settings, motion, sound)).toEqual({ motion: false, sound: true });
  });
});
