/** Schema helpers over valibot (chosen over zod: tree-shakes to ~1–2 KB per page, which the camera page's weight budget needs). */
import * as v from 'valibot';

/** The result of parsing untrusted input: the value, or which field is wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parse `input` from `unknown` against `schema`; never throws. The error names the first wrong field. */
export function parseWith<S extends v.GenericSchema>(schema: S, input: unknown): Parsed<v.InferOutput<S>> {
  let result: v.SafeParseResult<S>;
  try {
    result = v.safeParse(schema, input);
  } catch (error) {
    // A getter or proxy in hostile input can throw while being read.
    return { ok: false, error: `unreadable input: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? '(root)';
  return { ok: false, error: `${path}: ${issue.message}` };
}

/** Parse a JSON text from `unknown` (a WebSocket frame or data-channel message) and then against `schema`. */
export function parseJsonWith<S extends v.GenericSchema>(schema: S, text: unknown): Parsed<v.InferOutput<S>> {
  if (typeof text !== 'string') return { ok: false, error: '(root): not a text frame' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: '(root): not JSON' };
  }
  return parseWith(schema, data);
}

/** A peer ID as the PeerServer accepts it. */
export const PeerIdSchema = v.pipe(v.string(), v.maxLength(64), v.regex(/^[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*$/));

/** A short hex ID (session IDs, nonces). */
export const HexIdSchema = v.pipe(v.string(), v.minLength(8), v.maxLength(64), v.regex(/^[0-9a-f]+$/));

/** A human name (camera or viewer), bounded and free of control characters. */
export const NameSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(60),
  v.regex(/^[^\u0000-\u001f\u007f]*$/),
);
