/** Messages the PeerServer sends to its clients, parsed from `unknown` (the server, or whoever runs it, is untrusted). */
import * as v from 'valibot';
import { PeerIdSchema, parseWith, type Parsed } from './schema.ts';

const MsgPayload = v.optional(v.object({ msg: v.optional(v.pipe(v.string(), v.maxLength(500))) }));

/** A PeerServer → client message. Relay payloads stay `unknown` here; the envelope parser checks them. */
export const ServerMessageSchema = v.variant('type', [
  v.object({ type: v.literal('OPEN') }),
  v.object({ type: v.literal('HEARTBEAT') }),
  v.object({ type: v.literal('ID-TAKEN'), payload: MsgPayload }),
  v.object({ type: v.literal('ERROR'), payload: MsgPayload }),
  v.object({ type: v.literal('EXPIRE'), src: PeerIdSchema }),
  v.object({ type: v.literal('LEAVE'), src: PeerIdSchema }),
  v.object({ type: v.picklist(['OFFER', 'ANSWER', 'CANDIDATE']), src: PeerIdSchema, payload: v.unknown() }),
]);
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;

/** Parse one message from the server. */
export function parseServerMessage(input: unknown): Parsed<ServerMessage> {
  return parseWith(ServerMessageSchema, input);
}

/**
 * Why the server refused or ended a registration, as the `msg` of a PeerServer ERROR (a reason that crosses the wire
 * is a member of this union, never free text): `not-enrolled` — this ID is not enrolled on this server with this
 * token (the same answer whether or not the ID exists); `superseded` — the same ID connected again from another
 * tab or device, and this older socket was closed.
 */
export type ServerRefusal = 'not-enrolled' | 'superseded';

/** The members of ServerRefusal by name. */
export const REFUSAL = { notEnrolled: 'not-enrolled', superseded: 'superseded' } as const satisfies Record<string, ServerRefusal>;

/** A PeerServer error text that is one of our refusals, or null. */
export function serverRefusal(msg: unknown): ServerRefusal | null {
  return msg === REFUSAL.notEnrolled || msg === REFUSAL.superseded ? msg : null;
}
