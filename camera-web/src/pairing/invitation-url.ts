/** The pairing link's way in: `https://<server>/#pair=<rendezvousId>.<secret>.<expiry>` opened by the phone. */
import { parseInvitation, type Invitation } from '../../../protocol/pairing.ts';
import type { Parsed } from '../../../protocol/schema.ts';

/** The parts of `window` this needs (tests hand in fakes). */
export interface AddressBar {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
}

/**
 * Take a pairing invitation out of the address: parse `#pair=…` and remove the fragment at once, so the one-time
 * secret stays in memory only and not in the history, a bookmark or a shared screenshot of the address bar.
 * Null when the address holds no pairing link; a failed parse when it holds a damaged one (removed too).
 */
export function takeInvitation(bar: AddressBar): Parsed<Invitation> | null {
  const hash = bar.location.hash;
  if (!hash.startsWith('#pair=')) return null;
  bar.history.replaceState(bar.history.state, '', `${bar.location.pathname}${bar.location.search}`);
  return parseInvitation(hash);
}
