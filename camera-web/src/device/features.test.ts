import { describe, expect, it } from 'vitest';
import { audioContextConstructor } from '../talk/audio-unlock.ts';
import { detectFeatures } from './features.ts';

const byKey = (list: ReturnType<typeof detectFeatures>) => Object.fromEntries(list.map((f) => [f.key, f.ok]));

describe('feature detection', () => {
  it('Chrome on Android: everything but what the camera itself lacks', () => {
    class Sender {
      setParameters(): void {}
    }
    const scope = {
      navigator: { getBattery: () => undefined, mediaDevices: { getSupportedConstraints: () => ({ facingMode: true }), enumerateDevices: () => undefined } },
      AudioContext: class {},
      RTCRtpSender: Sender,
    };
    expect(byKey(detectFeatures(scope, 'wake-lock', true))).toEqual({ 'wake-lock': true, battery: true, sound: true, switch: true, bitrate: true, torch: true });
  });

  it('an iPhone on iOS 14: no wake lock, battery, torch or setParameters, prefixed WebAudio', () => {
    const scope = { navigator: { mediaDevices: { getSupportedConstraints: () => ({ facingMode: true }) } }, webkitAudioContext: class {}, RTCRtpSender: class {} };
    const features = detectFeatures(scope, 'video', false);
    expect(byKey(features)).toEqual({ 'wake-lock': false, battery: false, sound: true, switch: true, bitrate: false, torch: false });
    expect(features.find((f) => f.key === 'wake-lock')!.text).toMatch(/Auto-Lock to Never/);
    // Torch is unknown until the camera runs.
    expect(detectFeatures(scope, 'none', null).some((f) => f.key === 'torch')).toBe(false);
  });

  it('finds AudioContext or Safari 14.0\'s webkitAudioContext', () => {
    class Standard {}
    class Prefixed {}
    expect(audioContextConstructor({ AudioContext: Standard, webkitAudioContext: Prefixed })).toBe(Standard);
    expect(audioContextConstructor({ webkitAudioContext: Prefixed })).toBe(Prefixed);
    expect(audioContextConstructor({})).toBeNull();
  });
});
