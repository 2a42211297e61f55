import { afterEach, describe, expect, it, vi } from 'vitest';
import { playChime } from './chime.ts';

/** An AudioContext that records the notes scheduled on it. */
function fakeContext(state: 'running' | 'suspended', resumes: 'start' | 'never') {
  const started: number[] = [];
  const node = () => ({ gain: { value: 0, setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined }, connect: () => undefined, disconnect: () => undefined });
  const context = {
    state,
    currentTime: 10,
    destination: {},
    resume: () => (resumes === 'start' ? ((context.state = 'running'), Promise.resolve()) : new Promise<void>(() => undefined)),
    createGain: node,
    createOscillator: () => ({ type: '', frequency: { setValueAtTime: () => undefined }, connect: () => undefined, start: (at: number) => started.push(at), stop: () => undefined }),
  };
  return { context: context as unknown as AudioContext, started };
}

afterEach(() => vi.useRealTimers());

describe('chime', () => {
  it('schedules three notes over about a second on a running (or resumable) context', async () => {
    const { context, started } = fakeContext('suspended', 'start');
    await playChime(context);
    expect(started).toHaveLength(3);
    expect(started.at(-1)! - started[0]!).toBeCloseTo(0.6);
  });

  it('gives up, with a reason, when the context never starts (blocked or no audio device) instead of hanging', async () => {
    vi.useFakeTimers();
    const { context, started } = fakeContext('suspended', 'never');
    const outcome = playChime(context).then(
      () => 'played',
      (error: Error) => error.message,
    );
    await vi.advanceTimersByTimeAsync(1_600);
    expect(await outcome).toBe('sound is blocked on the phone: tap the camera page once');
    expect(started).toEqual([]);
  });
});
