/**
 * The camera's own capture: which camera (front/back), at what quality, with the torch on or off, and its tracks
 * kept alive. A new track (switched camera, or one the OS ended and we opened again) goes to every session's sender
 * through `setReplacer` and into the stream itself, so sessions answered later send it too. Every capability that
 * some phones lack (facingMode, getCapabilities, torch, applyConstraints) is checked before use.
 */
import { PawcamError } from '../../../protocol/errors.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import { createLogger } from '../../../protocol/log.ts';
import { QUALITY_PRESETS, type QualityPreset } from '../../../protocol/messages.ts';
import { AUDIO_CONSTRAINTS, mediaError } from './media.ts';
import type { MediaKind } from './peer-media.ts';

const log = createLogger('local-camera');

/** What the camera captures while nobody watches live (thumbnails are 160 px, detection samples 160×120). */
export const IDLE_PRESET: QualityPreset = '360p15';

/** Which way the camera looks. */
export type Facing = 'user' | 'environment';

/** What the viewers are told about the capture. */
export interface CameraState {
  facing: Facing | null;
  quality: QualityPreset;
  /** null: this camera has no torch (or the browser cannot tell). */
  torch: boolean | null;
}

/** The capture APIs, injectable for tests. */
export interface CaptureEnv {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  /** null where the browser cannot list cameras. */
  enumerateDevices: (() => Promise<MediaDeviceInfo[]>) | null;
  /** The browser knows the facingMode constraint. */
  facingMode: boolean;
}

/** The real browser's capture APIs. */
export function browserCaptureEnv(): CaptureEnv {
  const devices = navigator.mediaDevices;
  const supported = typeof devices.getSupportedConstraints === 'function' ? devices.getSupportedConstraints() : {};
  return {
    getUserMedia: (c) => devices.getUserMedia(c),
    enumerateDevices: typeof devices.enumerateDevices === 'function' ? () => devices.enumerateDevices() : null,
    facingMode: supported.facingMode === true,
  };
}

/** Sends a new track in place of the old one on every session (set by the station). */
export type TrackReplacer = (kind: MediaKind, track: MediaStreamTrack) => Promise<void>;

/** Events of LocalCamera. */
export type LocalCameraEvents = {
  /** Facing, quality or torch changed. */
  change: (state: CameraState) => void;
  /** A track in the stream was swapped (the preview re-binds). */
  tracks: () => void;
  /** The OS ended a track (another app took the camera, the page was suspended). */
  ended: (kind: MediaKind) => void;
};

/** Width, height and frame rate constraints of a preset; `ideal`, so a phone that cannot gets the nearest. */
export function presetConstraints(preset: QualityPreset): MediaTrackConstraints {
  const p = QUALITY_PRESETS[preset];
  return { width: { ideal: p.width }, height: { ideal: p.height }, frameRate: { ideal: p.fps } };
}

function facingOf(track: MediaStreamTrack | undefined): Facing | null {
  const facing = track && typeof track.getSettings === 'function' ? track.getSettings().facingMode : undefined;
  return facing === 'user' || facing === 'environment' ? facing : null;
}

/** Whether the track's camera has a torch (Chrome on Android; never Safari, whose tracks may lack getCapabilities). */
export function hasTorch(track: MediaStreamTrack | undefined): boolean {
  if (!track || typeof track.getCapabilities !== 'function') return false;
  const torch = (track.getCapabilities() as { torch?: unknown }).torch;
  return torch === true || (Array.isArray(torch) && torch.includes(true));
}

/** The camera stream and what the viewers can change about it. */
export class LocalCamera extends TypedEmitter<LocalCameraEvents> {
  readonly stream: MediaStream;
  readonly #env: CaptureEnv;
  #replacer: TrackReplacer = async () => undefined;
  #quality: QualityPreset;
  /** Nobody watches live: capture small (standby thumbnails and detection need no more). */
  #idle = false;
  #facing: Facing | null;
  #torch = false;
  #busy: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(stream: MediaStream, env: CaptureEnv, quality: QualityPreset = '720p30') {
    super();
    this.stream = stream;
    this.#env = env;
    this.#quality = quality;
    this.#facing = facingOf(this.#track('video'));
    for (const track of stream.getTracks()) this.#watch(track);
  }

  get state(): CameraState {
    return { facing: this.#facing, quality: this.#quality, torch: hasTorch(this.#track('video')) ? this.#torch : null };
  }

  /** What the camera captures now (the fallback when the browser gives no sender stats). */
  captureSize(): { width: number; height: number; fps: number } | null {
    const track = this.#track('video');
    if (!track || typeof track.getSettings !== 'function') return null;
    const { width, height, frameRate } = track.getSettings();
    return width && height ? { width, height, fps: frameRate ?? 0 } : null;
  }

  setReplacer(replacer: TrackReplacer): void {
    this.#replacer = replacer;
  }

  /** Switch between front and back camera (or, where the browser does not tell facing, to the next camera). */
  switchFacing(): Promise<void> {
    return this.#serial(() => this.#switch());
  }

  /**
   * Nobody watches live (`idle`): capture at IDLE_PRESET, which is all the standby thumbnails and detection use, and
   * costs the phone far less than 720p30; someone watches again: back to the chosen quality. The quality the viewers
   * see and set is unchanged.
   */
  setIdle(idle: boolean): Promise<void> {
    return this.#serial(async () => {
      if (this.#idle === idle) return;
      this.#idle = idle;
      const track = this.#track('video');
      if (!track || typeof track.applyConstraints !== 'function') return;
      await track.applyConstraints(this.#videoConstraints(this.#capturing())).catch((error: unknown) => {
        log.warn('the camera did not change its capture size', { idle, error: String(error) });
      });
    });
  }

  /** The preset the camera captures at now. */
  #capturing(): QualityPreset {
    return this.#idle ? IDLE_PRESET : this.#quality;
  }

  /** Capture at `preset` (the encoder limits are the sessions' part); while idle, from the next live watch on. */
  setQuality(preset: QualityPreset): Promise<void> {
    return this.#serial(async () => {
      const track = this.#track('video');
      if (!track) throw new PawcamError('no-camera', 'the camera is not running');
      if (this.#idle) {
        this.#quality = preset;
        this.#changed();
        return;
      }
      if (typeof track.applyConstraints === 'function') {
        await track.applyConstraints(this.#videoConstraints(preset)).catch((error: unknown) => {
          throw new PawcamError('control-unsupported', `this camera did not accept ${preset}`, { cause: error });
        });
      } else {
        log.warn('this browser cannot change the capture size; only the encoder limits apply');
      }
      this.#quality = preset;
      this.#changed();
    });
  }

  /** Torch on or off; refused where the camera has none. */
  setTorch(on: boolean): Promise<void> {
    return this.#serial(async () => {
      const track = this.#track('video');
      if (!hasTorch(track)) throw new PawcamError('control-unsupported', 'this camera has no torch');
      await track!.applyConstraints(this.#videoConstraints(this.#capturing(), on)).catch((error: unknown) => {
        throw new PawcamError('control-failed', 'the torch did not respond', { cause: error });
      });
      this.#torch = on;
      this.#changed();
    });
  }

  /** Open again every track the OS ended (after the page was suspended); the kinds that were reopened. */
  recapture(): Promise<MediaKind[]> {
    return this.#serial(async () => {
      const reopened: MediaKind[] = [];
      for (const track of this.stream.getTracks()) {
        if (track.readyState !== 'ended') continue;
        const kind = track.kind as MediaKind;
        log.info('the OS ended a track; opening it again', { kind });
        const constraints: MediaStreamConstraints =
          kind === 'video' ? { video: this.#videoConstraints(this.#capturing(), undefined, this.#facing) } : { audio: AUDIO_CONSTRAINTS };
        await this.#install(kind, await this.#open(kind, constraints));
        reopened.push(kind);
      }
      return reopened;
    });
  }

  /** Stop every track (the camera light goes off). */
  stop(): void {
    this.#stopped = true;
    for (const track of this.stream.getTracks()) track.stop();
  }

  async #switch(): Promise<void> {
    const old = this.#track('video');
    if (!old) throw new PawcamError('no-camera', 'the camera is not running');
    const target = this.#facing === 'user' ? 'environment' : this.#facing === 'environment' ? 'user' : null;
    let choice: MediaTrackConstraints;
    if (target && this.#env.facingMode) {
      choice = { facingMode: { exact: target } };
    } else {
      // Facing unknown (desktop webcams, some Android phones): go to the next camera in the list instead.
      const cameras = this.#env.enumerateDevices ? (await this.#env.enumerateDevices()).filter((d) => d.kind === 'videoinput') : [];
      const current = typeof old.getSettings === 'function' ? old.getSettings().deviceId : undefined;
      const index = cameras.findIndex((d) => d.deviceId === current);
      const next = cameras[(index + 1) % Math.max(1, cameras.length)];
      if (cameras.length < 2 || !next || next.deviceId === current) throw new PawcamError('no-camera', 'this phone has only one camera');
      choice = { deviceId: { exact: next.deviceId } };
    }
    const constraints = { video: { ...this.#videoConstraints(this.#capturing()), ...choice } };
    let track: MediaStreamTrack;
    try {
      track = await this.#open('video', constraints);
    } catch (error) {
      const problem = mediaError(error);
      if (problem.code === 'no-camera') throw new PawcamError('no-camera', target ? `this phone has no ${target === 'user' ? 'front' : 'back'} camera` : 'the other camera is not available', { cause: error });
      if (problem.code !== 'camera-busy') throw problem;
      // Many Android phones open one camera at a time: let go of this one, then try again.
      old.stop();
      try {
        track = await this.#open('video', constraints);
      } catch (again) {
        log.warn('could not open the other camera; going back', { error: String(again) });
        await this.#install('video', await this.#open('video', { video: this.#videoConstraints(this.#capturing(), undefined, this.#facing) }));
        throw new PawcamError('camera-busy', 'the other camera could not be opened', { cause: again });
      }
    }
    await this.#install('video', track, target);
  }

  #videoConstraints(preset: QualityPreset, torch?: boolean, facing?: Facing | null): MediaTrackConstraints {
    const constraints: MediaTrackConstraints = presetConstraints(preset);
    if (facing && this.#env.facingMode) constraints.facingMode = { ideal: facing };
    if (torch !== undefined) constraints.advanced = [{ torch } as MediaTrackConstraintSet];
    return constraints;
  }

  async #open(kind: MediaKind, constraints: MediaStreamConstraints): Promise<MediaStreamTrack> {
    const stream = await this.#env.getUserMedia(constraints);
    const track = stream.getTracks().find((t) => t.kind === kind);
    for (const extra of stream.getTracks()) if (extra !== track) extra.stop();
    if (!track) throw new PawcamError('no-camera', `no ${kind} track`);
    if (this.#stopped) {
      track.stop();
      throw new PawcamError('no-camera', 'the camera was stopped');
    }
    return track;
  }

  /** Put `track` in place of the stream's `kind` track: on every session first, then in the stream. */
  async #install(kind: MediaKind, track: MediaStreamTrack, facing: Facing | null = null): Promise<void> {
    const old = this.#track(kind);
    try {
      await this.#replacer(kind, track);
    } catch (error) {
      log.warn('could not hand the new track to every session', { kind, error: String(error) });
    }
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    this.stream.addTrack(track);
    this.#watch(track);
    if (kind === 'video') {
      this.#facing = facingOf(track) ?? facing ?? this.#facing;
      this.#torch = false;
    }
    this.emit('tracks');
    this.#changed();
  }

  #watch(track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      if (this.#stopped || !this.stream.getTracks().includes(track)) return;
      log.warn('a track ended', { kind: track.kind });
      this.emit('ended', track.kind as MediaKind);
    });
  }

  #track(kind: MediaKind): MediaStreamTrack | undefined {
    return this.stream.getTracks().find((t) => t.kind === kind);
  }

  /** One change at a time: a quality change must not interleave with a camera switch. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(work, work);
    this.#busy = run.catch(() => undefined);
    return run;
  }

  #changed(): void {
    this.emit('change', this.state);
  }
}
