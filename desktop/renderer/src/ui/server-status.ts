/** The words for the server connection: the same as the camera page shows, so both ends read alike. */
import { missingCase } from '../../../../protocol/errors.ts';
import type { TransportState } from '../../../../protocol/transport.ts';

/** A label and the tone it is shown in. */
export interface ServerStatusText {
  readonly text: string;
  readonly tone: 'ok' | 'busy' | 'bad';
}

/** Connecting / connected / unreachable — retrying in N s (N counted down to `retryAt`). */
export function serverStatusText(state: TransportState, retryAt: number | null, now: number): ServerStatusText {
  switch (state) {
    case 'connecting':
      return { text: 'Connecting to server…', tone: 'busy' };
    case 'open':
      return { text: 'Connected', tone: 'ok' };
    case 'retrying': {
      if (retryAt === null) return { text: 'Server unreachable — retrying', tone: 'bad' };
      const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
      return { text: seconds > 0 ? `Server unreachable — retrying in ${seconds} s` : 'Server unreachable — retrying now…', tone: 'bad' };
    }
    case 'id-taken':
      return { text: 'This viewer is open elsewhere', tone: 'bad' };
    case 'closed':
      return { text: 'Not connected', tone: 'bad' };
    default:
      return missingCase(state);
  }
}
