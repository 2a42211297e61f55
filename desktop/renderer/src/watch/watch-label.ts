/** What a view of one watch shows: one state and one set of words for the live view and the mini window alike. */
import type { PresenceState } from '../cameras/presence.ts';
import { WATCH_LABELS, offlineSinceLabel } from '../messages.ts';
import type { LiveState } from './redial.ts';
import type { EndCode, WatchPhase } from './types.ts';

/** The state a view shows. */
export type ShownState = 'connecting' | 'reconnecting' | 'live' | 'offline' | 'ended';

/** What the label is made from: the watch (null before the first dial) and the camera's presence. */
export interface WatchLabelInput {
  watch: {
    phase: WatchPhase;
    liveState: LiveState;
    stream: MediaStream | null;
    endReason: { code: EndCode; message: string } | null;
    error: { message: string } | null;
    /** Since when the camera could not be reached (ms since the epoch), while the watch keeps dialling it. */
    offlineSince?: number | null;
  } | null;
  presence: PresenceState;
}

/** Ends that mean "the camera went away" when presence also says it is offline. */
const OFFLINE_ENDS: ReadonlySet<EndCode> = new Set<EndCode>(['connection-closed', 'connection-lost', 'camera-hung-up', 'camera-offline']);

/** The state to show. */
export function shownState({ watch, presence }: WatchLabelInput): ShownState {
  if (!watch) return presence === 'offline' ? 'offline' : 'connecting';
  if (watch.liveState === 'reconnecting') return 'reconnecting';
  if (watch.phase === 'connecting' || watch.phase === 'idle') return 'connecting';
  if (watch.phase === 'live') return 'live';
  const code = watch.endReason?.code;
  return presence === 'offline' && (code === undefined || OFFLINE_ENDS.has(code)) ? 'offline' : 'ended';
}

/** The short words for the state (an ended watch gives its reason's full sentence). */
export function watchLabel(input: WatchLabelInput): string {
  const shown = shownState(input);
  switch (shown) {
    case 'connecting':
      return WATCH_LABELS.connecting;
    case 'reconnecting': {
      const since = input.watch?.offlineSince ?? null;
      return input.presence === 'offline' || since !== null ? offlineSinceLabel(since, true) : WATCH_LABELS.reconnecting;
    }
    case 'live':
      return input.watch?.stream ? WATCH_LABELS.live : WATCH_LABELS.waitingForPicture;
    case 'offline':
      return offlineSinceLabel(input.watch?.offlineSince ?? null, false);
    case 'ended':
      return input.watch?.error?.message ?? input.watch?.endReason?.message ?? WATCH_LABELS.notConnected;
  }
}
