/** What this phone's browser can do beyond streaming, in words for the page (each API checked, never assumed). */
import type { AwakeMethod } from './keep-awake.ts';

/** One capability and what its absence means to the owner. */
export interface Feature {
  key: 'wake-lock' | 'battery' | 'sound' | 'torch' | 'switch' | 'bitrate';
  ok: boolean;
  text: string;
}

/** The globals the checks look at (the page passes `window`). */
export interface FeatureScope {
  navigator: object;
  AudioContext?: unknown;
  webkitAudioContext?: unknown;
  RTCRtpSender?: { prototype: object };
}

/** What the page can tell the owner; `torch` is known only once the camera runs (null before). */
export function detectFeatures(scope: FeatureScope, awake: AwakeMethod, torch: boolean | null): Feature[] {
  const nav = scope.navigator as { getBattery?: unknown; mediaDevices?: { getSupportedConstraints?: () => MediaTrackSupportedConstraints; enumerateDevices?: unknown } };
  const devices = nav.mediaDevices;
  const facing = typeof devices?.getSupportedConstraints === 'function' && devices.getSupportedConstraints().facingMode === true;
  const sound = typeof scope.AudioContext === 'function' || typeof scope.webkitAudioContext === 'function';
  const setParameters = typeof (scope.RTCRtpSender?.prototype as { setParameters?: unknown } | undefined)?.setParameters === 'function';
  const features: Feature[] = [
    {
      key: 'wake-lock',
      ok: awake === 'wake-lock',
      text:
        awake === 'wake-lock'
          ? 'Keeps the screen on by itself.'
          : awake === 'video'
            ? 'Keeps the screen on with a video trick (older iPhones): also set Auto-Lock to Never.'
            : 'Cannot keep the screen on: set the screen timeout or Auto-Lock to Never.',
    },
    { key: 'battery', ok: typeof nav.getBattery === 'function', text: typeof nav.getBattery === 'function' ? 'Tells viewers the battery level.' : 'Cannot tell viewers the battery level (only Chrome can).' },
    { key: 'sound', ok: sound, text: sound ? 'Plays the chime and shows who is talking.' : 'No chime; your voice still plays.' },
    {
      key: 'switch',
      ok: facing || typeof devices?.enumerateDevices === 'function',
      text: facing ? 'Switches between front and back camera.' : 'Switches to the next camera in the list (it does not say which way each faces).',
    },
    { key: 'bitrate', ok: setParameters, text: setParameters ? 'Quality presets limit the bitrate too.' : 'Quality presets change the picture size only, not the bitrate.' },
  ];
  if (torch !== null) features.push({ key: 'torch', ok: torch, text: torch ? 'The torch can be switched from the viewer.' : 'This camera has no torch the browser can use.' });
  return features;
}
