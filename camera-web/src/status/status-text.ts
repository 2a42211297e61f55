/** The words the page shows for the server connection and the LIVE badge. */
import { missingCase, type PawcamErrorCode } from '../../../protocol/errors.ts';
import type { TransportState } from '../../../protocol/transport.ts';

/** Whole seconds until `retryAt` (never negative). */
export function secondsUntil(retryAt: number, now: number): number {
  return Math.max(0, Math.ceil((retryAt - now) / 1000));
}

/**
 * The server connection state in words; `retrying` counts down to `retryAt`; `refusal` is the code of a final
 * refusal (`id-taken` state), which says why.
 */
export function serverStateText(state: TransportState, retryAt: number | null, now: number, refusal: PawcamErrorCode | null = null): string {
  switch (state) {
    case 'connecting':
      return 'Connecting to server…';
    case 'open':
      return 'Connected';
    case 'retrying': {
      if (retryAt === null) return 'Server unreachable — retrying';
      const seconds = secondsUntil(retryAt, now);
      return seconds > 0 ? `Server unreachable — retrying in ${seconds} s` : 'Server unreachable — retrying now…';
    }
    case 'id-taken':
      if (refusal === 'not-enrolled') return 'Not enrolled on this server — scan a pairing QR code from your viewer';
      if (refusal === 'superseded') return 'This camera was opened in another tab or browser';
      return 'This camera ID is in use on another device';
    case 'closed':
      return 'Not connected';
    default:
      return missingCase(state);
  }
}

/** The LIVE badge: how many watch, or why no one can. */
/**
 * What the standby links cost the phone, in the viewers' words: each one shows this camera in a camera list with a
 * small picture every few seconds and no sound. Empty when there are none.
 */
export function standbyText(links: number, maxSessions: number | null): string {
  if (links <= 0) return '';
  const who = links === 1 ? '1 viewer has' : `${links} viewers have`;
  const cap = maxSessions !== null && links >= maxSessions ? ` — the most this camera serves (${maxSessions})` : '';
  return `${who} this camera in a list: a small picture every few seconds, no sound${cap}.`;
}

export function liveText(state: TransportState, viewers: number): string {
  if (viewers > 0) return `LIVE · ${viewers} watching`;
  return state === 'open' ? 'Ready — no one watching' : 'Not live';
}
