import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import type { ControlMessage, DataMessage, LinkMode } from '../../../protocol/messages.ts';
import type { AnsweringPeer } from '../station/camera-sessions.ts';
import { limitSessions, replaceOnSessions, runControl, type ControlDeps, type SessionPeers } from './controls.ts';
import { LocalCamera, type CaptureEnv } from './local-camera.ts';
import { FakePc, FakeSender, FakeStream, FakeTrack } from '../../../protocol/testing/media.ts';

beforeEach(() => configureLogging({ sink: () => undefined }));

/** Sessions whose peers are simple-peer-like objects holding fake RTCPeerConnections. */
class FakeSessions implements SessionPeers {
  readonly list: { viewerId: string; pc: FakePc; connected: boolean; mode: LinkMode }[] = [];
  readonly dropped: [string, string][] = [];
  add(viewerId: string, track: FakeTrack, connected = true, mode: LinkMode = 'live'): FakeSender {
    const video = new FakeSender(track);
    this.list.push({ viewerId, pc: new FakePc([new FakeSender(new FakeTrack('audio')), video]), connected, mode });
    return video;
  }
  peers() {
    return this.list.map((s) => ({ viewerId: s.viewerId, peer: { _pc: s.pc } as unknown as AnsweringPeer, connected: s.connected, mode: s.mode }));
  }
  drop(viewerId: string, reason: string): void {
    this.dropped.push([viewerId, reason]);
  }
}

const capture: CaptureEnv = {
  facingMode: true,
  enumerateDevices: null,
  getUserMedia: async (c) => {
    const facing = ((c.video as MediaTrackConstraints).facingMode as { exact: string }).exact;
    return new FakeStream([new FakeTrack('video', { settings: { facingMode: facing } })]).asStream;
  },
};

function setup() {
  const video = new FakeTrack('video', { settings: { facingMode: 'environment' } });
  const camera = new LocalCamera(new FakeStream([new FakeTrack('audio'), video]).asStream, capture);
  const sessions = new FakeSessions();
  camera.setReplacer((kind, track) => replaceOnSessions(sessions, kind, track));
  const replies: [string, DataMessage][] = [];
  const chimes: number[] = [];
  const deps: ControlDeps = {
    camera,
    limit: (preset) => limitSessions(sessions, preset),
    chime: async () => void chimes.push(1),
    reply: (viewerId, message) => void replies.push([viewerId, message]),
  };
  const control = (id: number, action: ControlMessage['action']): ControlMessage => ({ t: 'control', id, action });
  return { video, camera, sessions, replies, chimes, deps, control };
}

describe('camera controls', () => {
  it('switch camera: the new track replaces the old on every session (connected or still connecting), no renegotiation', async () => {
    const { video, camera, sessions, replies, deps, control } = setup();
    const a = sessions.add('viewer-a', video);
    const b = sessions.add('viewer-b', video);
    const c = sessions.add('viewer-c', video, false);
    await runControl(deps, 'viewer-a', control(7, { type: 'switch-camera' }));
    const next = camera.stream.getVideoTracks()[0] as unknown as FakeTrack;
    expect(next.settings.facingMode).toBe('user');
    expect([a.replaced, b.replaced, c.replaced]).toEqual([[next], [next], [next]]);
    expect(video.stopped).toBe(true);
    expect(sessions.dropped).toEqual([]);
    expect(replies).toEqual([['viewer-a', { t: 'control-result', id: 7, ok: true }]]);
  });

  it('switch camera and quality leave standby links alone: they keep sending the thumbnail, unlimited by the preset', async () => {
    const { video, sessions, deps, control } = setup();
    const live = sessions.add('viewer-a', video);
    const standby = sessions.add('viewer-b', new FakeTrack('video'), true, 'standby');
    await runControl(deps, 'viewer-a', control(8, { type: 'switch-camera' }));
    await runControl(deps, 'viewer-a', control(9, { type: 'quality', preset: '360p15' }));
    expect(live.replaced).toHaveLength(1);
    expect(live.encodings[0]!.maxBitrate).toBe(500_000);
    expect(standby.replaced).toEqual([]);
    expect(standby.parameterCalls).toEqual([]);
  });

  it('switch camera: a session that cannot take the new track is ended so its viewer re-dials', async () => {
    const { video, sessions, replies, deps, control } = setup();
    sessions.add('viewer-a', video);
    sessions.add('viewer-b', video).replaceError = new Error('InvalidStateError');
    await runControl(deps, 'viewer-a', control(1, { type: 'switch-camera' }));
    expect(sessions.dropped).toEqual([['viewer-b', 'media update failed']]);
    expect(replies[0]![1]).toEqual({ t: 'control-result', id: 1, ok: true });
  });

  it('quality: new capture constraints and encoder limits on every connected session', async () => {
    const { video, sessions, replies, deps, control } = setup();
    const a = sessions.add('viewer-a', video);
    const b = sessions.add('viewer-b', video);
    await runControl(deps, 'viewer-b', control(2, { type: 'quality', preset: '360p15' }));
    expect(video.applied).toEqual([{ width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } }]);
    const limits = { maxBitrate: 500_000, maxFramerate: 15, scaleResolutionDownBy: 1 };
    expect(a.encodings).toEqual([limits]);
    expect(b.encodings).toEqual([limits]);
    expect(a.replaced).toEqual([]);
    expect(replies).toEqual([['viewer-b', { t: 'control-result', id: 2, ok: true }]]);
    // A viewer that connects later gets the same limits.
    const late = sessions.add('viewer-c', video);
    await limitSessions(sessions, '360p15', 'viewer-c');
    expect(late.encodings).toEqual([limits]);
  });

  it('quality on a camera that keeps its capture size: the encoder scales the picture down instead', async () => {
    const { video, sessions, deps, control } = setup();
    video.applyConstraints = async () => undefined;
    const a = sessions.add('viewer-a', video);
    await runControl(deps, 'viewer-a', control(6, { type: 'quality', preset: '360p15' }));
    expect(a.encodings[0]!.scaleResolutionDownBy).toBe(2);
  });

  it('torch on a camera without one: ok false with a reason the viewer can show', async () => {
    const { replies, deps, control } = setup();
    await runControl(deps, 'viewer-a', control(3, { type: 'torch', on: true }));
    expect(replies).toEqual([['viewer-a', { t: 'control-result', id: 3, ok: false, error: 'this camera has no torch' }]]);
  });

  it('chime: played, and answered', async () => {
    const { replies, chimes, deps, control } = setup();
    await runControl(deps, 'viewer-a', control(4, { type: 'chime' }));
    expect(chimes).toEqual([1]);
    expect(replies).toEqual([['viewer-a', { t: 'control-result', id: 4, ok: true }]]);
    deps.chime = async () => {
      throw new Error('sound is blocked on the phone: tap the camera page once');
    };
    await runControl(deps, 'viewer-a', control(5, { type: 'chime' }));
    expect(replies[1]).toEqual(['viewer-a', { t: 'control-result', id: 5, ok: false, error: 'sound is blocked on the phone: tap the camera page once' }]);
  });
});
