/**
 * What a client may send the PeerServer, parsed from the raw frame before PeerServer sees it. The relay payload stays
 * opaque: it is end-to-end between camera and viewer (they parse it), and a server of another version must still
 * relay envelopes it does not know.
 */
import * as v from 'valibot';
import { PeerIdSchema, parseJsonWith, type Parsed } from '../protocol/schema.ts';

const RelayFrameSchema = v.object({
  type: v.picklist(['OFFER', 'ANSWER', 'CANDIDATE']),
  dst: PeerIdSchema,
  payload: v.looseObject({}),
});

/**
 * Only the types a PeerJS client sends. EXPIRE is the server's own; a LEAVE without `dst` would make PeerServer drop
 * the sender's registration while its socket stays open, so LEAVE needs a destination.
 */
export const ClientFrameSchema = v.variant('type', [
  v.object({ type: v.literal('HEARTBEAT') }),
  RelayFrameSchema,
  v.object({ type: v.literal('LEAVE'), dst: PeerIdSchema }),
]);
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;

/** Parse one WebSocket frame from a client (text, JSON, one of the client frame types). */
export function parseClientFrame(data: unknown, isBinary: boolean): Parsed<ClientFrame> {
  if (isBinary) return { ok: false, error: '(root): binary frame' };
  // ws hands text frames over as a Buffer (its default binaryType); anything else is not ours to guess at.
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : data;
  return parseJsonWith(ClientFrameSchema, text);
}
