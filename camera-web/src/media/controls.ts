/**
 * Camera controls from the viewers (switch camera, quality, torch, chime), each answered with a `control-result` to
 * the viewer that asked, and the fan-out of media changes to every session without renegotiation.
 */
import { PawcamError, missingCase, toPawcamError } from '../../../protocol/errors.ts';
import { createLogger } from '../../../protocol/log.ts';
import { QUALITY_PRESETS, type ControlMessage, type DataMessage, type QualityPreset } from '../../../protocol/messages.ts';
import type { CameraSessions } from '../station/camera-sessions.ts';
import type { LocalCamera } from './local-camera.ts';
import { limitVideo, peerConnectionOf, replaceSentTrack, type LimitOutcome, type MediaKind } from './peer-media.ts';

const log = createLogger('controls');

/** The sessions, as the controls use them. */
export type SessionPeers = Pick<CameraSessions, 'peers' | 'drop'>;

/** What a control needs. */
export interface ControlDeps {
  camera: Pick<LocalCamera, 'switchFacing' | 'setQuality' | 'setTorch'>;
  /** Apply a preset's encoder limits to every session. */
  limit(preset: QualityPreset): Promise<void>;
  /** Play the "come here" chime on the phone's speaker. */
  chime(): Promise<void>;
  /** Answer the viewer that asked. */
  reply(viewerId: string, message: DataMessage): void;
}

/** Run one control and answer `control-result {id, ok, error?}` to the viewer that sent it. Never throws. */
export async function runControl(deps: ControlDeps, viewerId: string, control: ControlMessage): Promise<void> {
  const action = control.action;
  let error: string | null = null;
  try {
    switch (action.type) {
      case 'switch-camera':
        await deps.camera.switchFacing();
        break;
      case 'quality':
        await deps.camera.setQuality(action.preset);
        await deps.limit(action.preset);
        break;
      case 'torch':
        await deps.camera.setTorch(action.on);
        break;
      case 'chime':
        await deps.chime();
        break;
      default:
        missingCase(action);
    }
  } catch (thrown) {
    error = toPawcamError(thrown).message.slice(0, 300);
    log.warn('a control failed', { viewer: viewerId, action: action.type, error });
  }
  if (error === null) log.info('control done', { viewer: viewerId, action: action.type });
  deps.reply(viewerId, error === null ? { t: 'control-result', id: control.id, ok: true } : { t: 'control-result', id: control.id, ok: false, error });
}

/**
 * Send `track` on every session instead of the old one (RTCRtpSender.replaceTrack: no renegotiation, no dropped
 * connection). A session that cannot take it is ended, so its viewer re-dials and gets the new track.
 */
export async function replaceOnSessions(sessions: SessionPeers, kind: MediaKind, track: MediaStreamTrack): Promise<void> {
  await Promise.all(
    // A standby link keeps sending the thumbnail (painted from the new camera) and no sound; Watch switches it.
    sessions.peers().filter((s) => s.mode === 'live').map(async ({ viewerId, peer }) => {
      const pc = peerConnectionOf(peer);
      try {
        if (!pc) throw new PawcamError('unsupported-browser', 'no peer connection');
        if (!(await replaceSentTrack(pc, kind, track))) log.debug('session sends no such track', { viewer: viewerId, kind });
      } catch (error) {
        log.warn('could not switch the track of a session; ending it so the viewer re-dials', { viewer: viewerId, kind, error: String(error) });
        sessions.drop(viewerId, 'media update failed');
      }
    }),
  );
}

/** Apply the encoder limits of `preset` to every session (or to `viewerId`'s only), as far as the browser allows. */
export async function limitSessions(sessions: SessionPeers, preset: QualityPreset, viewerId?: string): Promise<void> {
  const { maxBitrate, fps, height } = QUALITY_PRESETS[preset];
  const outcomes = await Promise.all(
    sessions
      .peers()
      .filter((s) => s.connected && s.mode === 'live' && (viewerId === undefined || s.viewerId === viewerId))
      .map(async ({ viewerId: id, peer }): Promise<LimitOutcome | 'failed'> => {
        const pc = peerConnectionOf(peer);
        if (!pc) return 'unsupported';
        try {
          return await limitVideo(pc, { maxBitrate, maxFramerate: fps, maxHeight: height });
        } catch (error) {
          log.warn('could not set the encoder limits of a session', { viewer: id, error: String(error) });
          return 'failed';
        }
      }),
  );
  // Safari 14 and older engines have no RTCRtpSender.setParameters: the capture size still changes.
  if (outcomes.includes('unsupported')) log.warn('this browser cannot limit the encoder; only the capture size changes', { preset });
}
