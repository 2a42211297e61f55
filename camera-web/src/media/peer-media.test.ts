import { describe, expect, it } from 'vitest';
import { limitVideo, onRemoteTrack, peerConnectionOf, replaceSentTrack, sentVideo } from './peer-media.ts';
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
