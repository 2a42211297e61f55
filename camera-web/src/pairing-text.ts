/** What the page says about a pairing: in progress, done, or why it failed. */
import { missingCase, type PawcamErrorCode } from '../../protocol/errors.ts';

/** Why a pairing failed. */
export type PairingFailure =
  /** The invitation's time ran out (seen locally, or the viewer said so). */
  | 'expired'
  /** The viewer says the invitation was already used. */
  | 'used'
  /** The viewer refused the request (wrong code, or it no longer knows the invitation). */
  | 'invalid'
  /** The viewer's answer did not verify: another secret, or someone in between changed it. */
  | 'bad-accept'
  /** No answer from the viewer in time. */
  | 'timeout'
  /** The server says the viewer is not connected. */
  | 'unreachable'
  /** The pawcam server could not be reached. */
  | 'no-server'
  /** The browser could not keep the key or do the cryptography. */
  | 'internal'
  /** The link in the address bar is not a pairing link. */
  | 'bad-link';

/** The state of pairing the page shows. */
export type PairingStatus =
  | { state: 'waiting' }
  | { state: 'pairing' }
  | { state: 'paired'; viewerName: string }
  | { state: 'failed'; failure: PairingFailure };

/** The error code the page exposes for a failure (data-code). */
export function pairingFailureCode(failure: PairingFailure): PawcamErrorCode {
  switch (failure) {
    case 'expired':
      return 'pairing-expired';
    case 'used':
      return 'pairing-used';
    case 'invalid':
    case 'bad-accept':
    case 'timeout':
    case 'unreachable':
    case 'no-server':
    case 'internal':
    case 'bad-link':
      return 'pairing-failed';
    default:
      return missingCase(failure);
  }
}

/** A failure in words: what happened and what to do. */
export function pairingFailureText(failure: PairingFailure): string {
  switch (failure) {
    case 'expired':
      return 'This pairing link has expired — make a new one in the viewer.';
    case 'used':
      return 'This pairing link was already used — make a new one in the viewer.';
    case 'invalid':
      return 'The viewer refused this pairing — check the code, or make a new link or code in the viewer.';
    case 'bad-accept':
      return 'Pairing failed: the viewer’s reply could not be verified, so nothing was saved. Make a new link in the viewer and try again.';
    case 'timeout':
      return 'The viewer did not answer — keep its pairing screen open and try again.';
    case 'unreachable':
      return 'The viewer is not connected — keep its pairing screen open and try again.';
    case 'no-server':
      return 'Could not reach the pawcam server to pair — check the connection and try again.';
    case 'internal':
      return 'This browser could not complete the pairing — try again, or use another browser.';
    case 'bad-link':
      return 'This pairing link is damaged — scan the QR code again or type the short code.';
    default:
      return missingCase(failure);
  }
}

/** The status line: in progress or done. */
export function pairingStatusText(status: PairingStatus): string {
  switch (status.state) {
    case 'waiting':
      return 'Ready to pair with your viewer — tap Start camera.';
    case 'pairing':
      return 'Pairing with your viewer…';
    case 'paired':
      return `Paired with ${status.viewerName}`;
    case 'failed':
      return pairingFailureText(status.failure);
    default:
      return missingCase(status);
  }
}
