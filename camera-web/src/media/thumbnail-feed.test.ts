import { describe, expect, it } from 'vitest';
import { FakeTrack, FakePc, FakeSender, fakePeerWith } from '../../../protocol/testing/media.ts';
import { FakeTimers } from '../../../protocol/testing/timers.ts';
import { ThumbnailFeed, type ThumbnailPainter } from './thumbnail-feed.ts';
import { cameraLinkMedia } from '../station/link-media.ts';
import type { AnsweringPeer } from '../station/camera-sessions.ts';

/** Records what it painted; `ready: false` = the camera's picture is not there yet. */
class FakePainter implements ThumbnailPainter {
  readonly track = new FakeTrack('video').asTrack;
  readonly painted: MediaStreamTrack[] = [];
  rested = 0;
  closed = false;
  ready = true;
  paint(source: MediaStreamTrack): boolean {
    if (!this.ready) return false;
    this.painted.push(source);
    return true;
  }
  rest(): void {
    this.rested++;
  }
  close(): void {
    this.closed = true;
  }
}

function setup() {
  const timers = new FakeTimers();
  const painter = new FakePainter();
  let camera: FakeTrack | null = new FakeTrack('video');
  const feed = new ThumbnailFeed({ source: () => camera?.asTrack ?? null, painter, intervalMs: 3000, timers });
  return { timers, painter, feed, setCamera: (t: FakeTrack | null) => (camera = t), camera: () => camera };
}

describe('ThumbnailFeed', () => {
  it('paints nothing until a standby link holds it, then at once and every interval, following a switched camera', () => {
    const { timers, painter, feed, setCamera } = setup();
    timers.advance(10_000);
    expect(painter.painted).toHaveLength(0);
    feed.hold('viewer-a');
    expect(painter.painted).toHaveLength(1);
    timers.advance(2999);
    expect(painter.painted).toHaveLength(1);
    timers.advance(1);
    expect(painter.painted).toHaveLength(2);
    const front = new FakeTrack('video');
    setCamera(front);
    timers.advance(3000);
    expect(painter.painted.at(-1)).toBe(front);
    expect(feed.frames).toBe(3);
  });

  it('a second link gets a picture at once without doubling the rate; painting stops when the last one lets go', () => {
    const { timers, painter, feed } = setup();
    feed.hold('viewer-a');
    timers.advance(1000);
    feed.hold('viewer-b');
    expect(painter.painted).toHaveLength(2);
    timers.advance(9000);
    expect(painter.painted).toHaveLength(5);
    feed.release('viewer-a');
    expect(feed.running).toBe(true);
    feed.release('viewer-b');
    expect({ running: feed.running, rested: painter.rested }).toEqual({ running: false, rested: 1 });
    timers.advance(30_000);
    expect(painter.painted).toHaveLength(5);
  });

  it('skips frames while the camera has no picture or no track, and stops for good on close', () => {
    const { timers, painter, feed, setCamera } = setup();
    painter.ready = false;
    feed.hold('viewer-a');
    expect(feed.frames).toBe(0);
    setCamera(null);
    painter.ready = true;
    timers.advance(3000);
    expect(feed.frames).toBe(0);
    setCamera(new FakeTrack('video'));
    timers.advance(3000);
    expect(feed.frames).toBe(1);
    feed.close();
    feed.hold('viewer-b');
    timers.advance(9000);
    expect({ frames: feed.frames, closed: painter.closed, pending: timers.pending.size }).toEqual({ frames: 1, closed: true, pending: 0 });
  });
});

describe('cameraLinkMedia', () => {
  it('standby: the session sends the thumbnail and the feed paints for it; live: the camera track, limits, and the feed lets go', async () => {
    const { painter, feed, timers } = setup();
    const cameraVideo = new FakeTrack('video');
    const cameraAudio = new FakeTrack('audio');
    const stream = { getVideoTracks: () => [cameraVideo], getAudioTracks: () => [cameraAudio] } as unknown as MediaStream;
    const limited: string[] = [];
    const made: MediaStreamTrack[][] = [];
    const media = cameraLinkMedia({
      stream,
      feed: () => feed,
      makeStream: (tracks) => (made.push(tracks), { tracks } as unknown as MediaStream),
      limit: async (viewerId) => void limited.push(viewerId),
      timers,
      startUpMs: 1500,
    });
    media.standbyStream();
    expect(made).toEqual([[painter.track, cameraAudio]]);
    const video = new FakeSender(new FakeTrack('video'));
    const peer = fakePeerWith(new FakePc([new FakeSender(cameraAudio), video])) as AnsweringPeer;
    await media.apply('viewer-a', peer, 'standby');
    expect(video.track).toBe(painter.track);
    expect(feed.running).toBe(true);
    await media.apply('viewer-a', peer, 'live');
    expect(video.track).toBe(cameraVideo);
    expect({ running: feed.running, limited }).toEqual({ running: false, limited: ['viewer-a'] });
    // The first live frames are small (720 lines sent as 180), then the quality limits apply again.
    expect(video.encodings[0]!.scaleResolutionDownBy).toBe(4);
    timers.advance(1500);
    expect(limited).toEqual(['viewer-a', 'viewer-a']);
    await media.apply('viewer-a', peer, 'standby');
    media.ended('viewer-a');
    expect(feed.running).toBe(false);
    await expect(media.apply('viewer-b', {} as AnsweringPeer, 'live')).rejects.toThrow(/peer connection/);
  });
});
