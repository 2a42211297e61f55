import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { LocalCamera, hasTorch, type CaptureEnv } from './local-camera.ts';
import { FakeStream, FakeTrack } from '../../../protocol/testing/media.ts';

beforeEach(() => configureLogging({ sink: () => undefined }));

/** getUserMedia that hands out fresh tracks (or throws what the test queued), recording the constraints. */
function env(options: { facingMode?: boolean; devices?: string[]; failures?: unknown[]; facingOfNew?: 'user' | 'environment' } = {}) {
  const asked: MediaStreamConstraints[] = [];
  const opened: FakeTrack[] = [];
  const failures = [...(options.failures ?? [])];
  const capture: CaptureEnv = {
    facingMode: options.facingMode ?? true,
    enumerateDevices: options.devices
      ? async () => options.devices!.map((deviceId) => ({ kind: 'videoinput', deviceId }) as MediaDeviceInfo)
      : null,
    async getUserMedia(constraints) {
      asked.push(constraints);
      const failure = failures.shift();
      if (failure) throw failure;
      const video = constraints.video as MediaTrackConstraints | undefined;
      const exact = (c: unknown) => (typeof c === 'object' && c !== null ? (c as { exact?: string }).exact : undefined);
      const track = video
        ? new FakeTrack('video', { settings: { facingMode: exact(video.facingMode) ?? options.facingOfNew, deviceId: exact(video.deviceId) ?? 'camera-0' } })
        : new FakeTrack('audio');
      opened.push(track);
      return new FakeStream([track]).asStream;
    },
  };
  return { capture, asked, opened };
}

function camera(settings: MediaTrackSettings = { facingMode: 'environment' }, capabilities?: Record<string, unknown> | null) {
  const video = new FakeTrack('video', { settings, capabilities: capabilities === undefined ? {} : capabilities });
  const audio = new FakeTrack('audio');
  return { video, audio, stream: new FakeStream([audio, video]) };
}

describe('LocalCamera: switching cameras', () => {
  it('opens the other facing camera, hands it to every session, swaps it into the stream and stops the old one', async () => {
    const { capture, asked } = env();
    const { video, stream } = camera();
    const local = new LocalCamera(stream.asStream, capture);
    const replaced: [string, MediaStreamTrack][] = [];
    local.setReplacer(async (kind, track) => void replaced.push([kind, track]));
    let swaps = 0;
    local.on('tracks', () => swaps++);
    await local.switchFacing();
    expect(asked[0]).toEqual({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 }, facingMode: { exact: 'user' } } });
    const next = stream.getVideoTracks()[0]!;
    expect(next).not.toBe(video);
    expect(replaced).toEqual([['video', next]]);
    expect(video.stopped).toBe(true);
    expect(stream.getAudioTracks()).toHaveLength(1);
    expect(local.state.facing).toBe('user');
    expect(swaps).toBe(1);
    await local.switchFacing();
    expect(local.state.facing).toBe('environment');
  });

  it('where facing is unknown, goes to the next camera in the list; with one camera it says so', async () => {
    const two = env({ devices: ['camera-0', 'camera-1'] });
    const local = new LocalCamera(camera({ deviceId: 'camera-0' }).stream.asStream, two.capture);
    await local.switchFacing();
    expect((two.asked[0]!.video as MediaTrackConstraints).deviceId).toEqual({ exact: 'camera-1' });
    await local.switchFacing();
    expect((two.asked[1]!.video as MediaTrackConstraints).deviceId).toEqual({ exact: 'camera-0' });

    const one = env({ devices: ['camera-0'] });
    const single = new LocalCamera(camera({ deviceId: 'camera-0' }).stream.asStream, one.capture);
    await expect(single.switchFacing()).rejects.toThrow('this phone has only one camera');
    expect(one.asked).toEqual([]);
  });

  it('a phone without a front camera keeps the back one and says why', async () => {
    const { capture } = env({ failures: [{ name: 'OverconstrainedError' }] });
    const { video, stream } = camera();
    const local = new LocalCamera(stream.asStream, capture);
    await expect(local.switchFacing()).rejects.toThrow('this phone has no front camera');
    expect(stream.getVideoTracks()).toEqual([video]);
    expect(video.stopped).toBe(false);
  });

  it('a phone that opens one camera at a time: lets go of the old one and tries again', async () => {
    const { capture, asked } = env({ failures: [{ name: 'NotReadableError' }] });
    const { video, stream } = camera();
    const local = new LocalCamera(stream.asStream, capture);
    await local.switchFacing();
    expect(asked).toHaveLength(2);
    expect(video.stopped).toBe(true);
    expect(local.state.facing).toBe('user');
  });
});

describe('LocalCamera: quality and torch', () => {
  it('applies a preset to the capture without a new track', async () => {
    const { capture, asked } = env();
    const { video, stream } = camera();
    const local = new LocalCamera(stream.asStream, capture);
    await local.setQuality('360p15');
    expect(video.applied).toEqual([{ width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } }]);
    expect(asked).toEqual([]);
    expect(local.state.quality).toBe('360p15');
    expect(local.captureSize()).toEqual({ width: 640, height: 360, fps: 15 });
  });

  it('idle (nobody watching live) captures at 360p15; a quality chosen meanwhile applies when someone watches again', async () => {
    const { capture, asked } = env();
    const { video, stream } = camera();
    const local = new LocalCamera(stream.asStream, capture);
    await local.setIdle(true);
    expect(local.captureSize()).toEqual({ width: 640, height: 360, fps: 15 });
    expect(local.state.quality).toBe('720p30');
    await local.setIdle(true);
    expect(video.applied).toHaveLength(1);
    await local.setQuality('1080p30');
    expect(local.captureSize()).toEqual({ width: 640, height: 360, fps: 15 });
    expect(local.state.quality).toBe('1080p30');
    await local.setIdle(false);
    expect(local.captureSize()).toEqual({ width: 1920, height: 1080, fps: 30 });
    // A camera switch while idle opens the new camera small too.
    await local.setIdle(true);
    await local.switchFacing();
    expect((asked.at(-1)!.video as MediaTrackConstraints).height).toEqual({ ideal: 360 });
  });

  it('torch: refused where the camera has none (or the browser cannot tell); applied where it has one', async () => {
    const { capture } = env();
    const plain = new LocalCamera(camera().stream.asStream, capture);
    expect(plain.state.torch).toBeNull();
    await expect(plain.setTorch(true)).rejects.toThrow('this camera has no torch');
    // Safari 14: some tracks have no getCapabilities at all.
    const safari = new LocalCamera(camera({}, null).stream.asStream, capture);
    await expect(safari.setTorch(true)).rejects.toThrow('this camera has no torch');

    const { video, stream } = camera({ facingMode: 'environment' }, { torch: true });
    const lit = new LocalCamera(stream.asStream, capture);
    expect(lit.state.torch).toBe(false);
    await lit.setTorch(true);
    expect(video.applied.at(-1)).toMatchObject({ advanced: [{ torch: true }], width: { ideal: 1280 } });
    expect(lit.state.torch).toBe(true);
  });

  it('hasTorch reads boolean and list capabilities', () => {
    expect(hasTorch(new FakeTrack('video', { capabilities: { torch: true } }).asTrack)).toBe(true);
    expect(hasTorch(new FakeTrack('video', { capabilities: { torch: [false, true] } }).asTrack)).toBe(true);
    expect(hasTorch(new FakeTrack('video', { capabilities: { torch: false } }).asTrack)).toBe(false);
    expect(hasTorch(undefined)).toBe(false);
  });
});

describe('LocalCamera: tracks the OS ended', () => {
  it('reports an ended track and opens it again with the same quality and facing', async () => {
    const { capture, asked } = env({ facingOfNew: 'environment' });
    const { video, audio, stream } = camera();
    const local = new LocalCamera(stream.asStream, capture);
    await local.setQuality('360p15');
    const ended: string[] = [];
    local.on('ended', (kind) => ended.push(kind));
    const replaced: string[] = [];
    local.setReplacer(async (kind) => void replaced.push(kind));
    video.end();
    audio.end();
    expect(ended).toEqual(['video', 'audio']);
    expect(await local.recapture()).toEqual(['audio', 'video']);
    expect(asked.map((c) => Object.keys(c)[0])).toEqual(['audio', 'video']);
    expect(asked[1]!.video).toMatchObject({ width: { ideal: 640 }, facingMode: { ideal: 'environment' } });
    expect(replaced).toEqual(['audio', 'video']);
    expect(stream.getTracks().every((t) => t.readyState === 'live')).toBe(true);
    expect(await local.recapture()).toEqual([]);
  });

  it('stop() ends every track without reporting them as ended by the OS', () => {
    const { capture } = env();
    const { stream } = camera();
    const local = new LocalCamera(stream.asStream, capture);
    const ended: string[] = [];
    local.on('ended', (kind) => ended.push(kind));
    local.stop();
    expect(stream.getTracks().every((t) => t.stopped)).toBe(true);
    expect(ended).toEqual([]);
  });
});
