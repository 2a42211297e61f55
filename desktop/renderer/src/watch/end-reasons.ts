/**
 * Why a watch ends: the codes, the sentence for the user, and whether dialling again could help. A camera's hangup
 * reason (protocol/hangup.ts) maps here through one exhaustive switch.
 */
import type { AuthFailure } from '../../../../protocol/auth.ts';
import { PawcamError } from '../../../../protocol/errors.ts';
import { missingCase } from '../../../../protocol/errors.ts';
import type { HangupReason } from '../../../../protocol/hangup.ts';
import { WATCH_MESSAGES, connectionFailedMessage, relayFailureMessage } from '../messages.ts';

/** Why a watch ended. */
export type EndCode =
  /** The user stopped watching. */
  | 'stopped'
  /** The camera sent a hangup. */
  | 'camera-hung-up'
  /** The camera is answering as many viewers as it can. */
  | 'camera-busy'
  /** The server could not deliver our offer: the camera is not connected. */
  | 'camera-offline'
  /** The peer connection closed (the camera page closed, or the network went away). */
  | 'connection-closed'
  /** The connection was lost and did not come back in time. */
  | 'connection-lost'
  /** WebRTC failed (ICE, SDP, data channel, relay). */
  | 'connection-failed'
  /** No connection within the time allowed. */
  | 'timeout'
  /** The camera's answer did not verify, or the camera says our offer did not: someone changed or replayed them. */
  | 'tampered'
  /** The clocks of the two devices are too far apart for signed messages to count as fresh. */
  | 'clock-skew'
  /** This viewer has no pair key for the camera. */
  | 'not-paired'
  /** "Always relay" is on and the camera's server has no TURN relay. */
  | 'relay-unavailable';

/** The reason a watch ended, in words, and whether a re-dial might succeed. */
export interface EndReason {
  readonly code: EndCode;
  /** A human sentence for the UI. */
  readonly message: string;
  /** Dialling again could help. */
  readonly retryable: boolean;
  /** The failure behind it, for reasons that are errors. */
  readonly error?: PawcamError;
}

/** An end as a session records it: `fromCamera` when the camera ended it (its hangup), so it is not told again. */
export type SessionEnd = EndReason & { fromCamera?: boolean };

/** The camera is not connected to the server (our offer could not be delivered). */
export function cameraOffline(): SessionEnd {
  return { code: 'camera-offline', message: WATCH_MESSAGES.cameraOffline, retryable: true, error: new PawcamError('peer-unavailable', 'the camera is not connected to the server') };
}

/** No connection within `timeoutMs`. */
export function timedOut(timeoutMs: number): SessionEnd {
  return {
    code: 'timeout',
    message: WATCH_MESSAGES.timeout,
    retryable: true,
    error: new PawcamError('connection-failed', `no connection after ${Math.round(timeoutMs / 1000)} s`),
  };
}

/** This viewer holds no pair key for the camera. */
export function notPaired(): SessionEnd {
  return { code: 'not-paired', message: WATCH_MESSAGES.notPaired, retryable: false, error: new PawcamError('not-paired', WATCH_MESSAGES.notPaired) };
}

/** The peer connection closed. */
export function connectionClosed(): SessionEnd {
  return { code: 'connection-closed', message: WATCH_MESSAGES.connectionClosed, retryable: true };
}

/** ICE stayed disconnected past the grace period. */
export function connectionLost(): SessionEnd {
  return { code: 'connection-lost', message: WATCH_MESSAGES.connectionLost, retryable: true };
}

/** The RTC configuration could not be had (e.g. relay-only without TURN): dialling again would not change it. */
export function noRtcConfig(error: PawcamError): SessionEnd {
  return { code: 'connection-failed', message: error.message, retryable: false, error };
}

/** Something in WebRTC or signing failed. */
export function failed(error: PawcamError): SessionEnd {
  return { code: 'connection-failed', message: connectionFailedMessage(error.message), retryable: true, error };
}

/** "Always relay" found no way through; a TURN refusal of our credentials (`turnError`) will not change on a re-dial. */
export function relayFailure(turnError: number | null): SessionEnd {
  const message = relayFailureMessage(turnError);
  return { code: 'connection-failed', message, retryable: turnError === null, error: new PawcamError('connection-failed', message) };
}

/** A signed message did not verify: ours at the camera (`offer`, told by its hangup) or the camera's here (`answer`). */
export function refused(failure: AuthFailure, which: 'offer' | 'answer'): SessionEnd {
  const fromCamera = which === 'offer';
  if (failure === 'stale') {
    const message = which === 'offer' ? WATCH_MESSAGES.cameraClock : WATCH_MESSAGES.answerClock;
    return { code: 'clock-skew', message, retryable: false, error: new PawcamError('connection-failed', message), fromCamera };
  }
  const message = which === 'answer' ? WATCH_MESSAGES.tamperedAnswer : failure === 'replay' ? WATCH_MESSAGES.replayedOffer : WATCH_MESSAGES.tamperedOffer;
  return { code: 'tampered', message, retryable: false, error: new PawcamError('tampered', message), fromCamera };
}

/** The end a camera's hangup means; a hangup without a reason (an older camera) is a plain end of the session. */
export function fromHangup(reason: HangupReason | undefined): SessionEnd {
  const ended: SessionEnd = { code: 'camera-hung-up', message: WATCH_MESSAGES.cameraEnded, retryable: true, fromCamera: true };
  if (reason === undefined) return ended;
  switch (reason) {
    case 'refused: bad-mac':
      return refused('bad-mac', 'offer');
    case 'refused: replay':
      return refused('replay', 'offer');
    case 'refused: stale':
      return refused('stale', 'offer');
    case 'relay-unavailable':
      return { code: 'relay-unavailable', message: WATCH_MESSAGES.relayUnavailable, retryable: false, error: new PawcamError('connection-failed', WATCH_MESSAGES.relayUnavailable), fromCamera: true };
    case 'busy':
      return { code: 'camera-busy', message: WATCH_MESSAGES.cameraBusy, retryable: true, fromCamera: true };
    case 'camera stopped':
    case 'connect timeout':
    case 'connection failed':
    case 'media update failed':
    case 'other':
      return ended;
    default:
      return missingCase(reason);
  }
}
