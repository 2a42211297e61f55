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
