/** What the page says about a pairing: in progress, done, or why it failed. */
import { missingCase, type PawcamErrorCode } from '../../../protocol/errors.ts';

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
  /**
   * A typed code's rendezvous ID is held by no one: a mistyped code, a code the viewer already replaced or withdrew,
   * or a viewer that is gone. The camera cannot tell which, so the words do not pick one.
   */
  | 'no-such-code'
  /** The pawcam server could not be reached. */
  | 'no-server'
  /** The browser could not keep the key or do the cryptography. */
  | 'internal'
  /** The link in the address bar is not a pairing link. */
  | 'bad-link'
  /** This phone already tried this link or code once (right or wrong): each is good for one attempt. */
  | 'tried'
  /** Typed codes are paused after too many failed attempts in a row. */
  | 'codes-paused'
  /** A typed code's viewer names a viewer already paired: a code cannot replace a paired viewer's key. */
  | 'already-paired';

/** The state of pairing the page shows. */
export type PairingStatus =
  | { state: 'waiting' }
  /** A link arrived while the camera runs: pairing waits for the person at the phone to say yes. */
  | { state: 'confirm' }
  | { state: 'pairing' }
  | { state: 'paired'; viewerName: string }
  | { state: 'failed'; failure: PairingFailure };

const FAILURE_TEXT: Record<PairingFailure, string> = {
  expired: 'This pairing link has expired — make a new one in the viewer.',
  used: 'This pairing link was already used — make a new one in the viewer.',
  invalid: 'The viewer refused this pairing — check the code, or make a new link or code in the viewer.',
  'bad-accept': 'Pairing failed: the viewer’s reply could not be verified, so nothing was saved. Make a new link in the viewer and try again.',
  timeout: 'The viewer did not answer — keep its pairing screen open and try again.',
  unreachable: 'The viewer is not connected — keep its pairing screen open and try again.',
  'no-such-code': 'No viewer is showing this code right now — check the code, or make a new one in the viewer.',
  'no-server': 'Could not reach the pawcam server to pair — check the connection and try again.',
  internal: 'This browser could not complete the pairing — try again, or use another browser.',
  'bad-link': 'This pairing link is damaged — scan the QR code again or type the short code.',
  tried: 'This phone already tried this link or code once — each works for one try. Make a new one in the viewer.',
  'codes-paused': 'Typed codes are paused: the last 3 tries failed, so someone may be guessing. Use the QR code, or allow typed codes again.',
  'already-paired': 'That viewer is already paired with this camera. To pair it again with a code, revoke it below first.',
};

/** The error code the page exposes for a failure (data-code). */
export function pairingFailureCode(failure: PairingFailure): PawcamErrorCode {
  return failure === 'expired' ? 'pairing-expired' : failure === 'used' || failure === 'tried' ? 'pairing-used' : 'pairing-failed';
}

/** A failure in words: what happened and what to do. */
export function pairingFailureText(failure: PairingFailure): string {
  return FAILURE_TEXT[failure];
}

const CODE_LENGTH = 14;
const EXAMPLE_CODE = 'ABC123-DEFG-HJK4';

/**
 * What is wrong with a typed text that is not a pairing code, in one sentence for the form: too short, too long, or a
 * character a code never has. Spaces and dashes are ignored, as parseShortCode ignores them.
 */
export function typedCodeProblem(text: string): string {
  const chars = [...text.replace(/[\s-]/g, '')];
  if (chars.length === 0) return `Type the code the viewer shows: ${CODE_LENGTH} letters and digits, like ${EXAMPLE_CODE}.`;
  if (chars.some((c) => !/^[0-9a-z]$/i.test(c) || /u/i.test(c))) {
    return `That is not a pairing code: a code has only letters and digits (never U), like ${EXAMPLE_CODE}.`;
  }
  if (chars.length < CODE_LENGTH) {
    return `That is not a pairing code yet: it has ${chars.length} of the ${CODE_LENGTH} letters and digits. Type all of the code the viewer shows, like ${EXAMPLE_CODE}.`;
  }
  return `That is not a pairing code: it has ${chars.length} letters and digits, and a code has ${CODE_LENGTH}, like ${EXAMPLE_CODE}.`;
}

/** The status line: in progress or done. */
export function pairingStatusText(status: PairingStatus): string {
  switch (status.state) {
    case 'waiting':
      return 'Ready to pair with your viewer — tap Start camera.';
    case 'confirm':
      return 'A pairing link was opened on this phone. Pair this camera with that viewer? Only say yes if you opened it.';
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
