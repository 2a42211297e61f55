import { describe, expect, it } from 'vitest';
import { THUMBNAIL_MAX_BITRATE, applyLinkMode, capStartUpHeight, limitVideo, onRemoteTrack, peerConnectionOf, replaceSentTrack, sentVideo } from './peer-media.ts';
import { FakePc, FakeSender, FakeTrack, fakePeerWith } from '../../../protocol/testing/media.ts';

describe('peer-media: the RTCPeerConnection under simple-peer', () => {
  it('finds simple-peer\'s connection, and nothing in an object without one', () => {
    const pc = new FakePc([]);
    expect(peerConnectionOf(fakePeerWith(pc))).toBe(pc);
    expect(peerConnectionOf({})).toBeNull();
    expect(peerConnectionOf({ _pc: { notAPeerConnection: true } })).toBeNull();
  });

  it('replaces the track of the sender of that kind, and says when there is none', async () => {
    const video = new FakeSender(new FakeTrack('video'));
    const audio = new FakeSender(new FakeTrack('audio'));
    const pc = new FakePc([audio, video]);
    const next = new FakeTrack('video');
    expect(await replaceSentTrack(pc.asPc, 'video', next.asTrack)).toBe(true);
    expect(video.replaced).toEqual([next]);
    expect(audio.replaced).toEqual([]);
    expect(await replaceSentTrack(new FakePc([video]).asPc, 'audio', new FakeTrack('audio').asTrack)).toBe(false);
  });

  it('caps bitrate and frame rate on every encoding; falls back to bitrate only; says when it cannot', async () => {
    const limits = { maxBitrate: 500_000, maxFramerate: 15, maxHeight: 720 };
    const sender = new FakeSender(new FakeTrack('video'));
    expect(await limitVideo(new FakePc([sender]).asPc, limits)).toBe('applied');
    expect(sender.encodings).toEqual([{ maxBitrate: 500_000, maxFramerate: 15, scaleResolutionDownBy: 1 }]);

    const old = new FakeSender(new FakeTrack('video'));
    old.refuseFramerate = true;
    expect(await limitVideo(new FakePc([old]).asPc, limits)).toBe('bitrate-only');
    expect(old.encodings).toEqual([{ maxBitrate: 500_000 }]);

    const safari = new FakeSender(new FakeTrack('video'), { setParameters: false });
    expect(await limitVideo(new FakePc([safari]).asPc, limits)).toBe('unsupported');

    const early = new FakeSender(new FakeTrack('video'));
    early.encodings = [];
    expect(await limitVideo(new FakePc([early]).asPc, limits)).toBe('not-ready');
    expect(await limitVideo(new FakePc([]).asPc, limits)).toBe('no-sender');
  });

  it('scales down in the encoder what the camera would not shrink (a 720p capture for a 360p preset)', async () => {
    const sender = new FakeSender(new FakeTrack('video', { settings: { height: 720 } }));
    await limitVideo(new FakePc([sender]).asPc, { maxBitrate: 500_000, maxFramerate: 15, maxHeight: 360 });
    expect(sender.encodings[0]!.scaleResolutionDownBy).toBe(2);
  });

  it('reads the video actually sent from outbound-rtp stats (Safari\'s mediaType too)', async () => {
    const sender = new FakeSender(new FakeTrack('video'));
    sender.stats = [
      { type: 'media-source', kind: 'video', width: 1280, height: 720 },
      { type: 'outbound-rtp', kind: 'audio' },
      { type: 'outbound-rtp', kind: 'video', frameWidth: 640, frameHeight: 360, framesPerSecond: 14.8 },
    ];
    expect(await sentVideo(new FakePc([sender]).asPc)).toEqual({ width: 640, height: 360, fps: 14.8 });
    sender.stats = [{ type: 'outbound-rtp', mediaType: 'video', frameWidth: 320, frameHeight: 240 }];
    expect(await sentVideo(new FakePc([sender]).asPc)).toEqual({ width: 320, height: 240, fps: 0 });
    sender.stats = [{ type: 'outbound-rtp', kind: 'video' }];
    expect(await sentVideo(new FakePc([sender]).asPc)).toBeNull();
  });

  it('hands over every received track, with or without a stream', () => {
    const pc = new FakePc([]);
    const got: MediaStreamTrack[] = [];
    onRemoteTrack(pc.asPc, (track) => got.push(track));
    const mic = new FakeTrack('audio');
    pc.receive(mic);
    expect(got).toEqual([mic]);
  });
});

describe('peer-media: standby and live on the same lines', () => {
  const setup = () => {
    const camera = { video: new FakeTrack('video'), audio: new FakeTrack('audio'), thumbnail: new FakeTrack('video') };
    const video = new FakeSender(camera.thumbnail);
    const audio = new FakeSender(camera.audio);
    const tracks = { video: camera.video.asTrack, audio: camera.audio.asTrack, thumbnail: camera.thumbnail.asTrack };
    return { camera, video, audio, tracks, pc: new FakePc([audio, video]).asPc };
  };

  it('standby sends the thumbnail, capped, and pauses the sound; live sends the camera and its sound', async () => {
    const { camera, video, audio, tracks, pc } = setup();
    video.encodings = [{ maxBitrate: 1_800_000, maxFramerate: 30, scaleResolutionDownBy: 2 }];
    await applyLinkMode(pc, 'standby', tracks);
    expect(video.track).toBe(camera.thumbnail);
    expect(video.replaced).toEqual([]);
    expect(video.encodings).toEqual([{ maxBitrate: THUMBNAIL_MAX_BITRATE, scaleResolutionDownBy: 1 }]);
    expect(audio.encodings).toEqual([{ active: false }]);

    await applyLinkMode(pc, 'live', tracks);
    expect(video.track).toBe(camera.video);
    expect(audio.encodings).toEqual([{ active: true }]);
    expect(audio.track).toBe(camera.audio);

    await applyLinkMode(pc, 'standby', tracks);
    expect(video.replaced).toEqual([camera.video, camera.thumbnail]);
  });

  it('an engine that cannot pause a sender gets a silent copy of the sound in standby, and the real one back when live', async () => {
    const { camera, audio, tracks, pc } = setup();
    audio.refuseActive = true;
    await applyLinkMode(pc, 'standby', tracks);
    const silent = audio.track!;
    expect(silent).not.toBe(camera.audio);
    expect({ from: silent.clonedFrom, enabled: silent.enabled, original: camera.audio.enabled }).toEqual({ from: camera.audio, enabled: false, original: true });
    await applyLinkMode(pc, 'live', tracks);
    expect(audio.track).toBe(camera.audio);
    await applyLinkMode(pc, 'standby', tracks);
    expect(audio.track).toBe(silent);
  });

  it('before negotiation (no encodings yet) it still swaps the picture and silences the sound', async () => {
    const { camera, video, audio, tracks, pc } = setup();
    video.track = camera.video;
    video.encodings = [];
    audio.encodings = [];
    await applyLinkMode(pc, 'standby', tracks);
    expect(video.track).toBe(camera.thumbnail);
    expect(audio.track!.enabled).toBe(false);
  });
});

describe('peer-media: small first frames', () => {
  it('caps the sent height for the start-up, keeping a larger scale and the other limits; nothing to do for a small capture', async () => {
    const video = new FakeSender(new FakeTrack('video', { settings: { height: 720 } }));
    video.encodings = [{ maxBitrate: 1_800_000, maxFramerate: 30, scaleResolutionDownBy: 1 }];
    expect(await capStartUpHeight(new FakePc([video]).asPc, 180)).toBe(true);
    expect(video.encodings).toEqual([{ maxBitrate: 1_800_000, maxFramerate: 30, scaleResolutionDownBy: 4 }]);
    const small = new FakeSender(new FakeTrack('video', { settings: { height: 144 } }));
    expect(await capStartUpHeight(new FakePc([small]).asPc, 180)).toBe(false);
    expect(small.parameterCalls).toEqual([]);
    const unready = new FakeSender(new FakeTrack('video'));
    unready.encodings = [];
    expect(await capStartUpHeight(new FakePc([unready]).asPc)).toBe(false);
  });
});
