/** Error taxonomy shared by every part: errors carry a code and a cause, and unknown errors are normalised before they cross a wire. */
export type PawcamErrorCode =
  | 'insecure-context'
  | 'permission-denied'
  | 'no-camera'
  | 'camera-busy'
  | 'unsupported-browser'
  | 'server-unreachable'
  | 'id-taken'
  /** The server is closed and this ID is not enrolled with this token (or the enrollment was refused). */
  | 'not-enrolled'
  /** The same ID connected again from another tab or device; this connection was closed by the server. */
  | 'superseded'
  | 'peer-unavailable'
  | 'malformed-message'
  | 'connection-failed'
  | 'not-paired'
  | 'tampered'
  | 'pairing-expired'
  | 'pairing-used'
  | 'pairing-failed'
  /** There is no picture to take a snapshot of yet. */
  | 'no-picture'
  /** A snapshot could not be encoded or kept. */
  | 'snapshot-failed'
  /** The camera hardware cannot do what a control asked (a quality it refuses, no torch). */
  | 'control-unsupported'
  /** The camera hardware did not respond to a control it supports. */
  | 'control-failed'
  /** The browser blocks sound until the user taps the page. */
  | 'sound-blocked'
  /** The camera list has no room for another camera. */
  | 'list-full'
  /** The browser or the app refused to store something (storage full, disabled, or failing). */
  | 'storage-failed'
  /** A window of the app could not be opened. */
  | 'window-failed'
  /** An action that needs a live watch of that camera, without one. */
  | 'not-watching'
  /** A call the shell does not offer (the web viewer has no desktop-only API). */
  | 'wrong-shell'
  /** A global shortcut could not be registered (another app may hold it). */
  | 'shortcut-taken'
  /** The system refused to turn start at login on or off. */
  | 'login-item-failed'
  /** A TLS certificate or key could not be read, or they do not belong together. */
  | 'bad-certificate'
  /** A start-up option is invalid (a lone --cert or --key, a bad URL or ICE setting). */
  | 'bad-option'
  /** A server could not listen on its address (port in use, no permission). */
  | 'listen-failed'
  /** A condition nobody has named yet; prefer a code above. */
  | 'unknown';

/** An error with a stable code a UI can map to a human message. */
export class PawcamError extends Error {
  readonly code: PawcamErrorCode;
  constructor(code: PawcamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PawcamError';
    this.code = code;
  }
}

/** Normalise anything thrown into a PawcamError (keeping the original as its cause). */
export function toPawcamError(error: unknown, fallback: PawcamErrorCode = 'unknown'): PawcamError {
  if (error instanceof PawcamError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PawcamError(fallback, message, { cause: error });
}

/** For exhaustive switches: the compiler proves this is unreachable. */
export function missingCase(value: never): never {
  throw new Error(`missing case: ${JSON.stringify(value)}`);
}
