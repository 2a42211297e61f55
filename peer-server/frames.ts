/**
 * What a client may send the PeerServer, checked from the raw frame before PeerServer sees it. The relay payload stays
 * opaque: it is end-to-end between camera and viewer (they parse it), and a server of another version must still
 * relay envelopes it does not know.
 *
 * This runs for every relayed frame, so it is one `JSON.parse` and a few property reads, not a schema library: the
 * relay's throughput is what a busy server has to spare (issue 16 measured valibot plus a second parse and two
 * stringifies per frame at 0.67× the stock PeerServer).
 */
import type { Parsed } from '../protocol/schema.ts';
import { isPeerId } from '../protocol/ids.ts';

/** The frame types the relay carries between peers (each with a `dst` and an object `payload`). */
export type RelayType = 'OFFER' | 'ANSWER' | 'CANDIDATE';

/**
 * Only the types a PeerJS client sends. EXPIRE is the server's own; a LEAVE without `dst` would make PeerServer drop
 * the sender's registration while its socket stays open, so LEAVE needs a destination.
 */
export type ClientFrame =
  | { type: 'HEARTBEAT' }
  | { type: RelayType; dst: string; payload: Record<string, unknown> }
  | { type: 'LEAVE'; dst: string };

/**
 * A checked frame and its text. `exact`: the JSON object has exactly the frame's own fields (no `src`, nothing
 * extra), so its original text says nothing more than `frame` and may be forwarded as it came.
 */
export interface CheckedFrame {
  frame: ClientFrame;
  text: string;
  exact: boolean;
}

const RELAY_TYPES: ReadonlySet<string> = new Set<RelayType>(['OFFER', 'ANSWER', 'CANDIDATE']);

const HEARTBEAT_TEXT = '{"type":"HEARTBEAT"}';
const HEARTBEAT_BYTES = Buffer.from(HEARTBEAT_TEXT);
const HEARTBEAT: Parsed<CheckedFrame> = Object.freeze({ ok: true, value: Object.freeze({ frame: Object.freeze({ type: 'HEARTBEAT' as const }), text: HEARTBEAT_TEXT, exact: true }) });

/** Is `type` one of the relayed types? */
export function isRelayType(type: string): type is RelayType {
  return RELAY_TYPES.has(type);
}

/** Check one WebSocket frame from a client (text, JSON, one of the client frame types), keeping its text. */
export function checkClientFrame(data: unknown, isBinary: boolean): Parsed<CheckedFrame> {
  if (isBinary) return { ok: false, error: '(root): binary frame' };
  // ws hands text frames over as a Buffer (its default binaryType), already checked to be UTF-8; anything else is not
  // ours to guess at.
  if (!Buffer.isBuffer(data)) return { ok: false, error: '(root): not a text frame' };
  // Every client sends this every few seconds: known by its bytes, it needs no parse.
  if (data.length === HEARTBEAT_BYTES.length && data.equals(HEARTBEAT_BYTES)) return HEARTBEAT;
  const text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: '(root): not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: '(root): not an object' };
  // JSON.parse makes plain data objects (no getters, no prototype set from the input: "__proto__" is an own key), so
  // reading fields cannot run code; Object.keys counts them, a "__proto__" or "src" key included.
  const o = value as Record<string, unknown>;
  const type = o['type'];
  const fields = Object.keys(o).length;
  if (type === 'HEARTBEAT') return { ok: true, value: { frame: { type }, text, exact: fields === 1 } };
  if (typeof type !== 'string') return { ok: false, error: 'type: not a string' };
  const dst = o['dst'];
  if (typeof dst !== 'string' || !isPeerId(dst)) {
    return { ok: false, error: type === 'LEAVE' || isRelayType(type) ? 'dst: not a peer ID' : `type: not a client frame type` };
  }
  if (type === 'LEAVE') return { ok: true, value: { frame: { type, dst }, text, exact: fields === 2 } };
  if (!isRelayType(type)) return { ok: false, error: 'type: not a client frame type' };
  const payload = o['payload'];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, error: 'payload: not an object' };
  return { ok: true, value: { frame: { type, dst, payload: payload as Record<string, unknown> }, text, exact: fields === 3 } };
}

/** Parse one WebSocket frame from a client into the frame alone (extra fields, a client's `src` among them, left out). */
export function parseClientFrame(data: unknown, isBinary: boolean): Parsed<ClientFrame> {
  const checked = checkClientFrame(data, isBinary);
  return checked.ok ? { ok: true, value: checked.value.frame } : checked;
}

/**
 * The text the destination receives for a relayed frame: `src` set by the server. An exact frame keeps its original
 * text with `"src"` appended as its last field (nothing is re-serialised; and a JSON parser takes the last of
 * repeated keys, so even a `src` hidden in the original could not win); any other is rebuilt from its checked fields.
 */
export function stampedText(checked: CheckedFrame, src: string): string {
  const { frame, text, exact } = checked;
  // An exact relayed frame is an object with three fields, so its text ends in '}' (and whitespace) after at least one.
  if (exact && frame.type !== 'HEARTBEAT') return `${text.slice(0, text.lastIndexOf('}'))},"src":${JSON.stringify(src)}}`;
  return JSON.stringify({ ...frame, src });
}
