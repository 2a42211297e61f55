/**
 * A camera's event preferences as the desktop's settings UI reads and saves them: main keeps them (settings.json),
 * and a save sends the new detection settings to the camera at once over its open link, so the phone detects with
 * them now instead of at its next connection. Desktop only: the web viewer keeps no events and has none of this.
 */
import type { EventPrefs, PawcamApi } from '../../../../protocol/ipc.ts';
import type { EventMessage } from '../../../../protocol/event-messages.ts';
import { createEventBridge } from '../api/event-bridge.ts';

/** Reads and saves one camera's event preferences. */
export interface EventSettingsAccess {
  load(cameraId: string): Promise<EventPrefs>;
  /** Save; `sent`: the camera got the new detection settings over its open link (else it gets them when it connects). */
  save(cameraId: string, prefs: EventPrefs): Promise<{ prefs: EventPrefs; sent: boolean }>;
}

/** The access over the desktop's API, or null where the shell has no event preferences (the web viewer). */
export function createEventSettings(
  api: Pick<PawcamApi, 'getEventPrefs' | 'setEventPrefs' | 'getDetectionSettings' | 'handleEventMessage'>,
  send: (cameraId: string, message: EventMessage) => boolean,
): EventSettingsAccess | null {
  const { getEventPrefs, setEventPrefs } = api;
  const bridge = createEventBridge(api);
  if (!getEventPrefs || !setEventPrefs || !bridge) return null;
  return {
    load: (cameraId) => getEventPrefs(cameraId),
    async save(cameraId, prefs) {
      const saved = await setEventPrefs(cameraId, prefs);
      const sent = await bridge.settingsChanged(cameraId, (message) => send(cameraId, message));
      return { prefs: saved, sent };
    },
  };
}
