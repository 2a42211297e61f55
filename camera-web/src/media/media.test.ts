import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { PawcamError } from '../../../protocol/errors.ts';
import { AUDIO_CONSTRAINTS, VIDEO_CONSTRAINTS, captureProblem, mediaError, openCameraStream, streamProblem, type MediaEnvironment } from './media.ts';

beforeEach(() => configureLogging({ sink: () => undefined }));

const domError = (name: string) => Object.assign(new Error(`${name} message`), { name });
const fakeStream = { id: 'stream' } as unknown as MediaStream;

function env(overrides: Partial<MediaEnvironment> = {}): MediaEnvironment {
  return { isSecureContext: true, getUserMedia: async () => fakeStream, hasPeerConnection: true, ...overrides };
}

describe('mediaError', () => {
  it.each([
    ['NotAllowedError', 'permission-denied'],
    ['SecurityError', 'permission-denied'],
    ['NotFoundError', 'no-camera'],
    ['OverconstrainedError', 'no-camera'],
    ['NotReadableError', 'camera-busy'],
    ['AbortError', 'camera-busy'],
    ['TypeError', 'unknown'],
    ['toString', 'unknown'],
  ])('%s → %s', (name, code) => {
    const error = mediaError(domError(name));
    expect(error).toBeInstanceOf(PawcamError);
    expect(error.code).toBe(code);
    expect(error.message).toContain(name);
  });

  it('handles things that are not errors at all', () => {
    expect(mediaError(undefined).code).toBe('unknown');
    expect(mediaError('boom').code).toBe('unknown');
    expect(mediaError({ name: 42 }).code).toBe('unknown');
  });
});

describe('browser checks', () => {
  it('an insecure page (no navigator.mediaDevices) is insecure-context', () => {
    expect(captureProblem(env({ isSecureContext: false, getUserMedia: null }))?.code).toBe('insecure-context');
  });

  it('a secure page without a camera API is an unsupported browser', () => {
    expect(captureProblem(env({ getUserMedia: null }))?.code).toBe('unsupported-browser');
  });

  it('no RTCPeerConnection is an unsupported browser for streaming, not for capture', () => {
    const noRtc = env({ hasPeerConnection: false });
    expect(captureProblem(noRtc)).toBeNull();
    expect(streamProblem(noRtc)?.code).toBe('unsupported-browser');
  });
});

describe('openCameraStream', () => {
  it('asks for the back camera at 720p30 with processed audio', async () => {
    const asked: MediaStreamConstraints[] = [];
    const stream = await openCameraStream(env({ getUserMedia: async (c) => (asked.push(c), fakeStream) }));
    expect(stream).toBe(fakeStream);
    expect(asked).toEqual([{ video: VIDEO_CONSTRAINTS, audio: AUDIO_CONSTRAINTS }]);
    expect(VIDEO_CONSTRAINTS.facingMode).toEqual({ ideal: 'environment' });
    expect(AUDIO_CONSTRAINTS).toEqual({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });
  });

  it('falls back to any camera, then video alone, when no device matches', async () => {
    const asked: MediaStreamConstraints[] = [];
    const getUserMedia = async (c: MediaStreamConstraints) => {
      asked.push(c);
      if (c.audio !== false) throw domError('NotFoundError');
      return fakeStream;
    };
    await expect(openCameraStream(env({ getUserMedia }))).resolves.toBe(fakeStream);
    expect(asked.map((c) => c.audio === false)).toEqual([false, false, true]);
  });

  it('does not retry a refusal', async () => {
    let calls = 0;
    const getUserMedia = async () => {
      calls++;
      throw domError('NotAllowedError');
    };
    await expect(openCameraStream(env({ getUserMedia }))).rejects.toMatchObject({ code: 'permission-denied' });
    expect(calls).toBe(1);
  });

  it('reports no-camera when every attempt finds nothing', async () => {
    const getUserMedia = async () => {
      throw domError('NotFoundError');
    };
    await expect(openCameraStream(env({ getUserMedia }))).rejects.toMatchObject({ code: 'no-camera' });
  });

  it('refuses before asking on an insecure page', async () => {
    await expect(openCameraStream(env({ isSecureContext: false, getUserMedia: null }))).rejects.toMatchObject({ code: 'insecure-context' });
  });
});
