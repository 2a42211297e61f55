import { describe, expect, it } from 'vitest';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';
import { ClipRecorder, pickClipMimeType, type Clip, type ClipRecorderOptions, type RecorderLike } from './clip-recorder.ts';

/**
 * A MediaRecorder stand-in: its first chunk is a header `H<id>`, then one `<id>:<ms>` chunk per timeslice naming
 * the recorder and the fake time, so a test can read from the clip's bytes which recorder made it and what it covers.
 */
class FakeRecorder implements RecorderLike {
  static all: FakeRecorder[] = [];
  readonly mimeType = 'video/webm;codecs=vp8,opus';
  readonly id: number;
  state: 'inactive' | 'recording' = 'inactive';
  failStart = false;
  ondataavailable: ((event: { data: Blob }) => void) | null = null;
  onstop: (() => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  #timer: unknown = null;
  #sentHeader = false;

  constructor(readonly timers: FakeTimers) {
    this.id = FakeRecorder.all.length + 1;
    FakeRecorder.all.push(this);
  }
  start(timeslice = 1000): void {
    this.state = 'recording';
    const tick = (): void => {
      this.#emit();
      this.#timer = this.timers.setTimeout(tick, timeslice);
    };
    this.#timer = this.timers.setTimeout(tick, timeslice);
  }
  stop(): void {
    if (this.state === 'inactive') throw new Error('InvalidStateError');
    this.state = 'inactive';
    this.timers.clearTimeout(this.#timer);
    // Like the browser: the last chunk, then `stop`, a task later.
    this.timers.setTimeout(() => {
      this.#emit();
      this.onstop?.();
    }, 0);
  }
  fail(): void {
    this.state = 'inactive';
    this.timers.clearTimeout(this.#timer);
    this.onerror?.({ error: new Error('encoder crashed') });
  }
  #emit(): void {
    const text = this.#sentHeader ? `${this.id}:${this.timers.now()}|` : `H${this.id}|${this.id}:${this.timers.now()}|`;
    this.#sentHeader = true;
    this.ondataavailable?.({ data: new Blob([text]) });
  }
}

function setup(options: Partial<ClipRecorderOptions> = {}) {
  FakeRecorder.all = [];
  const timers = new FakeTimers(0);
  const clips: Clip[] = [];
  const errors: string[] = [];
  let maxRecording = 0;
  let encoderMs = 0;
  const recorder = new ClipRecorder({
    timers,
    createRecorder: () => new FakeRecorder(timers),
    onClip: (clip) => clips.push(clip),
    onError: (message) => errors.push(message),
    ...options,
  });
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 100) {
      const step = Math.min(100, ms - t);
      timers.advance(step);
      const recording = FakeRecorder.all.filter((r) => r.state === 'recording').length;
      maxRecording = Math.max(maxRecording, recording);
      encoderMs += recording * step;
    }
    await flush();
  };
  return { timers, clips, errors, recorder, advance, maxRecording: () => maxRecording, encoderMs: () => encoderMs };
}

const text = (clip: Clip): string => new TextDecoder().decode(clip.bytes);
/** The recorder ids and times named in a clip's chunks. */
const chunks = (clip: Clip): { id: number; at: number }[] =>
  text(clip)
    .split('|')
    .filter((p) => p.includes(':'))
    .map((p) => ({ id: Number(p.split(':')[0]), at: Number(p.split(':')[1]) }));

describe('ClipRecorder', () => {
  it('a clip starts with its recorder header, at least 3 s before the trigger, and runs the post-roll', async () => {
    const { clips, recorder, advance, timers } = setup({ preRollMs: 3000, postRollMs: 5000 });
    recorder.start();
    await advance(20_150);
    const triggerAt = timers.now();
    expect(recorder.trigger('ev1')).toMatchObject({ kind: 'recording', eventId: 'ev1' });
    await advance(6000);
    expect(clips).toHaveLength(1);
    const clip = clips[0]!;
    expect(clip).toMatchObject({ eventId: 'ev1', triggerAt, mimeType: 'video/webm;codecs=vp8,opus' });
    expect(triggerAt - clip.startedAt).toBeGreaterThanOrEqual(3000);
    expect(triggerAt - clip.startedAt).toBeLessThanOrEqual(3000 + 10_000);
    expect(clip.endedAt - triggerAt).toBe(5000);
    // One recorder's whole file: its header first, then every chunk it made, in order, with nothing from others.
    const parts = chunks(clip);
    expect(text(clip).startsWith(`H${parts[0]!.id}|`)).toBe(true);
    expect(new Set(parts.map((p) => p.id)).size).toBe(1);
    expect(parts[0]!.at - clip.startedAt).toBe(1000);
    expect(parts.at(-1)!.at).toBe(clip.endedAt);
  });

  it('while idle, two encoders overlap only during the pre-roll of each segment (1.3 on average), however long it runs', async () => {
    const { recorder, advance, maxRecording, encoderMs } = setup({ preRollMs: 3000, segmentMs: 10_000 });
    recorder.start();
    await advance(120_000);
    expect(maxRecording()).toBe(2);
    expect(recorder.maxConcurrentRecorders).toBe(2);
    expect(encoderMs() / 120_000).toBeCloseTo(1.3, 1);
    recorder.stop();
    await advance(100);
    expect(FakeRecorder.all.every((r) => r.state === 'inactive')).toBe(true);
  });

  it('triggers during a clip lengthen it, never beyond 30 s; the next trigger gets a new clip with pre-roll', async () => {
    const { clips, recorder, advance, timers } = setup({ preRollMs: 3000, postRollMs: 5000, maxClipMs: 30_000 });
    recorder.start();
    await advance(10_000);
    const results = [];
    for (let i = 0; i < 12; i++) {
      results.push(recorder.trigger(`ev${i}`));
      await advance(4000);
    }
    expect(results[0]!.kind).toBe('recording');
    expect(results[1]).toEqual({ kind: 'extended', eventId: 'ev0' });
    await advance(40_000);
    expect(clips.length).toBeGreaterThanOrEqual(2);
    for (const clip of clips) expect(clip.endedAt - clip.startedAt).toBeLessThanOrEqual(30_000);
    expect(clips[0]!.endedAt - clips[0]!.startedAt).toBe(30_000);
    const second = clips[1]!;
    expect(second.triggerAt - second.startedAt).toBeGreaterThanOrEqual(3000);
    expect(timers.now()).toBeGreaterThan(second.endedAt);
  });

  it('a trigger right after start gets the pre-roll there is, and says how much', async () => {
    const { clips, recorder, advance } = setup();
    recorder.start();
    await advance(1200);
    expect(recorder.trigger('early')).toEqual({ kind: 'recording', eventId: 'early', preRollMs: 1200 });
    await advance(6000);
    expect(clips.map((c) => c.eventId)).toEqual(['early']);
  });

  it('no recorder running: no clip; a recorder failing mid-clip is reported and rolling goes on', async () => {
    const { clips, errors, recorder, advance } = setup();
    expect(recorder.trigger('x')).toEqual({ kind: 'unavailable' });
    recorder.start();
    await advance(8000);
    expect(recorder.trigger('lost').kind).toBe('recording');
    // The only recorder yet (segments are 10 s): the one the clip is in.
    expect(FakeRecorder.all).toHaveLength(1);
    const capturing = FakeRecorder.all[0]!;
    capturing.fail();
    expect(errors).toEqual(['the clip for event lost was lost: the recorder failed']);
    await advance(10_000);
    expect(recorder.trigger('next').kind).toBe('recording');
    await advance(6000);
    expect(clips.map((c) => c.eventId)).toEqual(['next']);
  });

  it('stop finishes a clip being recorded', async () => {
    const { clips, recorder, advance } = setup();
    recorder.start();
    await advance(5000);
    recorder.trigger('ev');
    await advance(1000);
    recorder.stop();
    await advance(100);
    expect(clips.map((c) => c.eventId)).toEqual(['ev']);
  });
});

describe('pickClipMimeType', () => {
  it('prefers WebM VP8/Opus, takes MP4 H.264/AAC on Safari, and says when there is none', () => {
    const chrome = new Set(['video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4']);
    const safari = new Set(['video/mp4;codecs=avc1.42E01E,mp4a.40.2', 'video/mp4']);
    expect(pickClipMimeType((t) => chrome.has(t))).toBe('video/webm;codecs=vp8,opus');
    expect(pickClipMimeType((t) => safari.has(t))).toBe('video/mp4;codecs=avc1.42E01E,mp4a.40.2');
    expect(
      pickClipMimeType(() => {
        throw new Error('old WebKit');
      }),
    ).toBeNull();
    expect(pickClipMimeType(() => false)).toBeNull();
  });
});
