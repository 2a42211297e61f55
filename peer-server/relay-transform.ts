/**
 * TEST-ONLY: the "malicious operator" simulator. A server run by someone hostile can rewrite, drop, forge, duplicate
 * or replay anything it relays; `relayTransform` lets an e2e test be that server (rewrite the DTLS fingerprint in a
 * relayed SDP, replay a captured offer) and check that the end-to-end MACs catch it. Never set in production.
 */
import type { Logger } from '../protocol/log.ts';

/** A relayed frame as the destination would receive it: `src` already stamped by the server. */
export interface RelayedFrame {
  type: string;
  src: string;
  dst: string;
  payload: unknown;
}

/** Deliver a frame to the peer its `dst` names right now, bypassing the transform; false when that peer is not connected. */
export type InjectFrame = (frame: RelayedFrame) => boolean;

/**
 * Called for each OFFER/ANSWER/CANDIDATE the relay is about to deliver (also those PeerServer held for a peer that
 * was away), after the server stamped `src`. The frames returned are delivered instead (none: dropped), each to the
 * peer its `dst` names; `inject` delivers more later (a replay on a timer).
 */
export type RelayTransform = (frame: RelayedFrame, inject: InjectFrame) => RelayedFrame[];

const RELAYED_TYPES = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);

/** The relayed frame in `text` (what PeerServer is sending a client), or null for anything else (OPEN, EXPIRE…). */
export function relayedFrame(text: string): RelayedFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { type, src, dst, payload } = value as Record<string, unknown>;
  if (typeof type !== 'string' || !RELAYED_TYPES.has(type) || typeof src !== 'string' || typeof dst !== 'string') return null;
  return { type, src, dst, payload };
}

/** Run the transform; if it throws, log and deliver the frame unchanged (a broken test hook must not kill a socket). */
export function runTransform(transform: RelayTransform, frame: RelayedFrame, inject: InjectFrame, log: Logger): RelayedFrame[] {
  try {
    return transform(structuredClone(frame), inject);
  } catch (error) {
    log.error('relayTransform threw', { error: error instanceof Error ? error.message : String(error) });
    return [frame];
  }
}
