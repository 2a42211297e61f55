import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { TalkBack, type RemoteAudioPlayer, type Talker } from './talk-back.ts';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';
import { FakeTrack } from '../../../protocol/testing/media.ts';

beforeEach(() => configureLogging({ sink: () => undefined }));

class FakePlayer implements RemoteAudioPlayer {
  static made: FakePlayer[] = [];
  loud = 0;
  plays = 0;
  refuse = false;
  closed = false;
  constructor(readonly track: MediaStreamTrack) {
    FakePlayer.made.push(this);
  }
  async play(): Promise<void> {
    this.plays++;
    if (this.refuse) throw new Error('NotAllowedError');
  }
  level(): number {
    return this.loud;
  }
  close(): void {
    this.closed = true;
  }
}

function setup() {
  FakePlayer.made = [];
  const timers = new FakeTimers();
  const names: Record<string, string> = { 'viewer-a': 'Office PC', 'viewer-b': 'Laptop' };
  const talk = new TalkBack({ createPlayer: (track) => new FakePlayer(track), nameOf: (id) => names[id] ?? 'Your viewer', timers });
  const shown: Talker[][] = [];
  talk.on('change', (list) => shown.push(list));
  return { timers, talk, shown };
}

describe('TalkBack', () => {
  it('plays each viewer\'s audio track; talk messages show who is talking, by name', async () => {
    const { talk, shown } = setup();
    talk.add('viewer-a', new FakeTrack('audio').asTrack);
    talk.add('viewer-b', new FakeTrack('audio').asTrack);
    talk.add('viewer-b', new FakeTrack('video').asTrack);
    await flush();
    expect(FakePlayer.made.map((p) => p.plays)).toEqual([1, 1]);
    talk.setTalk('viewer-a', true);
    talk.setTalk('viewer-b', true);
    talk.setTalk('viewer-a', false);
    expect(shown).toEqual([
      [{ viewerId: 'viewer-a', name: 'Office PC' }],
      [
        { viewerId: 'viewer-a', name: 'Office PC' },
        { viewerId: 'viewer-b', name: 'Laptop' },
      ],
      [{ viewerId: 'viewer-b', name: 'Laptop' }],
    ]);
  });

  it('audible sound counts as talking too, for a moment after it stops', () => {
    const { timers, talk } = setup();
    talk.add('viewer-a', new FakeTrack('audio').asTrack);
    const player = FakePlayer.made[0]!;
    timers.advance(500);
    expect(talk.talkers).toEqual([]);
    player.loud = 0.2;
    timers.advance(150);
    expect(talk.talkers).toEqual([{ viewerId: 'viewer-a', name: 'Office PC' }]);
    player.loud = 0.001;
    timers.advance(600);
    expect(talk.talkers).toHaveLength(1);
    timers.advance(600);
    expect(talk.talkers).toEqual([]);
  });

  it('a viewer that leaves (or dials again) stops playing; nothing is left behind', () => {
    const { timers, talk, shown } = setup();
    talk.add('viewer-a', new FakeTrack('audio').asTrack);
    talk.add('viewer-a', new FakeTrack('audio').asTrack);
    const [old, current] = FakePlayer.made as [FakePlayer, FakePlayer];
    expect(old.closed).toBe(true);
    talk.setTalk('viewer-a', true);
    talk.remove('viewer-a');
    expect(current.closed).toBe(true);
    expect(shown.at(-1)).toEqual([]);
    timers.advance(1_000);
    expect(timers.pending.size).toBe(0);
  });

  it('says when the browser blocks the sound, and plays again after a tap', async () => {
    const refused = new FakePlayer(new FakeTrack('audio').asTrack);
    refused.refuse = true;
    const talk = new TalkBack({ createPlayer: () => refused, nameOf: () => 'Office PC', timers: new FakeTimers() });
    const blocked: boolean[] = [];
    talk.on('blocked', (b) => blocked.push(b));
    talk.add('viewer-a', new FakeTrack('audio').asTrack);
    await flush();
    expect(blocked).toEqual([true]);
    expect(talk.blocked).toBe(true);
    refused.refuse = false;
    talk.unblock();
    await flush();
    expect(blocked).toEqual([true, false]);
    expect(refused.plays).toBe(2);
  });
});
