/**
 * How main's IPC gate answers the preload: a value, or an error reduced to a code and a human message (never a
 * stack or an internal path). Shared by the gate and the preload, which turns `ok: false` back into a thrown
 * error; it lives in protocol/ because both sides import it (the preload may not import main), and it is pure, so
 * the sandboxed preload bundle can include it.
 */
import type { PawcamErrorCode } from './errors.ts';

/** A reply on an `ipcContract` channel. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: { code: PawcamErrorCode; message: string } };

/** Is `input` a well-formed reply? (The preload checks before unwrapping.) */
export function isIpcReply(input: unknown): input is IpcReply {
  if (typeof input !== 'object' || input === null) return false;
  const r = input as Record<string, unknown>;
  if (r['ok'] === true) return 'value' in r;
  if (r['ok'] !== false) return false;
  const e = r['error'] as Record<string, unknown> | null | undefined;
  return typeof e === 'object' && e !== null && typeof e['code'] === 'string' && typeof e['message'] === 'string';
}
