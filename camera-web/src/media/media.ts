/** Camera and microphone capture, and the browser checks that decide what the page can do. */
import { PawcamError, type PawcamErrorCode } from '../../../protocol/errors.ts';
import { createLogger } from '../../../protocol/log.ts';

const log = createLogger('media');

/** Back camera preferred, 720p30 if the phone can; `ideal` never fails on a phone that cannot. */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  facingMode: { ideal: 'environment' },
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

/** The phone's processing keeps the pet audible and, later, talk-back from echoing. */
export const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** What the page needs from the browser, injectable for tests. */
export interface MediaEnvironment {
  isSecureContext: boolean;
  getUserMedia: ((constraints: MediaStreamConstraints) => Promise<MediaStream>) | null;
  hasPeerConnection: boolean;
}

/** The real browser's environment. */
export function browserEnvironment(): MediaEnvironment {
  const devices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  return {
    // Older engines lack isSecureContext; treat them as secure and let getUserMedia's presence decide.
    isSecureContext: typeof window === 'undefined' || window.isSecureContext !== false,
    getUserMedia: devices && typeof devices.getUserMedia === 'function' ? (c) => devices.getUserMedia(c) : null,
    hasPeerConnection: typeof RTCPeerConnection === 'function',
  };
}

/** Why this page cannot capture at all (checked before the user taps Start), or null. */
export function captureProblem(env: MediaEnvironment): PawcamError | null {
  // Browsers hide navigator.mediaDevices on plain-HTTP pages other than localhost.
  if (!env.isSecureContext || !env.getUserMedia) {
    return env.isSecureContext
      ? new PawcamError('unsupported-browser', 'this browser has no camera API (navigator.mediaDevices)')
      : new PawcamError('insecure-context', 'camera access needs a secure (https://) page');
  }
  return null;
}

/** Why this browser can capture but not stream, or null. */
export function streamProblem(env: MediaEnvironment): PawcamError | null {
  return env.hasPeerConnection ? null : new PawcamError('unsupported-browser', 'this browser has no RTCPeerConnection');
}

const CODES: Record<string, PawcamErrorCode> = {
  NotAllowedError: 'permission-denied',
  SecurityError: 'permission-denied',
  PermissionDeniedError: 'permission-denied',
  NotFoundError: 'no-camera',
  DevicesNotFoundError: 'no-camera',
  OverconstrainedError: 'no-camera',
  ConstraintNotSatisfiedError: 'no-camera',
  NotReadableError: 'camera-busy',
  TrackStartError: 'camera-busy',
  AbortError: 'camera-busy',
};

/** Map a getUserMedia rejection (a DOMException, by name; older engines used other names) to a PawcamError. */
export function mediaError(error: unknown): PawcamError {
  if (error instanceof PawcamError) return error;
  // Not `instanceof DOMException`: older Safari's DOMException is not an Error, and tests pass plain objects.
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const code = typeof name === 'string' && Object.prototype.hasOwnProperty.call(CODES, name) ? CODES[name] : undefined;
  const text = `getUserMedia failed: ${String(name ?? 'Error')}${typeof message === 'string' && message ? ` (${message})` : ''}`;
  return new PawcamError(code ?? 'unknown', text, { cause: error });
}

/**
 * Ask for camera + microphone. When the preferred constraints find no device (an old phone's odd camera, or no
 * microphone), fall back to any camera, then to video alone. Throws a PawcamError.
 */
export async function openCameraStream(env: MediaEnvironment): Promise<MediaStream> {
  const problem = captureProblem(env);
  if (problem) throw problem;
  const getUserMedia = env.getUserMedia!;
  const attempts: MediaStreamConstraints[] = [
    { video: VIDEO_CONSTRAINTS, audio: AUDIO_CONSTRAINTS },
    { video: true, audio: AUDIO_CONSTRAINTS },
    { video: true, audio: false },
  ];
  let last: PawcamError | null = null;
  for (const constraints of attempts) {
    try {
      const stream = await getUserMedia(constraints);
      if (last) log.warn('camera opened with fallback constraints', { constraints, after: last.message });
      return stream;
    } catch (error) {
      last = mediaError(error);
      // Only a missing device is worth another try; a refusal or a busy camera will not change.
      if (last.code !== 'no-camera') throw last;
    }
  }
  throw last ?? new PawcamError('no-camera', 'no camera found');
}

/** Stop every track (releases the camera light). */
export function stopStream(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
