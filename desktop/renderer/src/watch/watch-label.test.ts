import { describe, expect, it } from 'vitest';
import { shownState, watchLabel, type WatchLabelInput } from './watch-label.ts';

const stream = {} as MediaStream;
type W = NonNullable<WatchLabelInput['watch']>;
const watch = (over: Partial<W>): W => ({ phase: 'connecting', liveState: 'connecting', stream: null, endReason: null, error: null, ...over });

describe('the watch label both views show', () => {
  it('connecting before the first dial, or offline when presence says so', () => {
    expect(watchLabel({ watch: null, presence: 'unknown' })).toBe('Connecting…');
    expect(shownState({ watch: null, presence: 'offline' })).toBe('offline');
    expect(watchLabel({ watch: null, presence: 'offline' })).toBe('Camera offline');
  });

  it('live, or connected while the picture has not come yet', () => {
    expect(watchLabel({ watch: watch({ phase: 'live', liveState: 'live', stream }), presence: 'online' })).toBe('Live');
    expect(watchLabel({ watch: watch({ phase: 'live', liveState: 'live' }), presence: 'online' })).toBe('Connected — waiting for the picture…');
  });

  it('reconnecting, saying so when the camera is offline and since when', () => {
    const healing = watch({ phase: 'live', liveState: 'reconnecting' });
    expect(watchLabel({ watch: healing, presence: 'online' })).toBe('Reconnecting…');
    expect(watchLabel({ watch: healing, presence: 'offline' })).toBe('Camera offline — reconnecting…');
    const since = new Date(2026, 0, 2, 14, 5).getTime();
    expect(watchLabel({ watch: { ...healing, offlineSince: since }, presence: 'unknown' })).toMatch(/^Camera offline since .*05.* — reconnecting…$/);
  });

  it('an end the camera going away explains is "offline"; other ends give their sentence', () => {
    const lost = watch({ phase: 'ended', liveState: 'ended', endReason: { code: 'connection-lost', message: 'The connection to the camera was lost.' } });
    expect(shownState({ watch: lost, presence: 'offline' })).toBe('offline');
    expect(shownState({ watch: lost, presence: 'online' })).toBe('ended');
    expect(watchLabel({ watch: lost, presence: 'online' })).toBe('The connection to the camera was lost.');
    const tampered = watch({ phase: 'ended', liveState: 'ended', endReason: { code: 'tampered', message: 'x' }, error: { message: 'Altered in transit.' } });
    expect(shownState({ watch: tampered, presence: 'offline' })).toBe('ended');
    expect(watchLabel({ watch: tampered, presence: 'offline' })).toBe('Altered in transit.');
  });
});
