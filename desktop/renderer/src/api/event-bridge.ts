/**
 * The cameras' events between their links and the desktop's events store (in main): each event message a camera
 * sends goes to main, and main's replies (acks, which come only after the store committed) go back to that camera, in
 * order; when a link to a camera opens, the camera gets its detection settings — which is what makes it deliver the
 * events it kept to this viewer. Only a shell with the events API has a bridge: the web viewer has none, so it sends
 * no detection settings and never drains a camera's stored events (the desktop app gets them).
 */
import type { EventMessage } from '../../../../protocol/event-messages.ts';
import type { PawcamApi } from '../../../../protocol/ipc.ts';
import { createLogger } from '../../../../protocol/log.ts';

const log = createLogger('event-bridge');

/** Sends one event message to a camera over a link; false when the link is not open. */
export type EventSend = (message: EventMessage) => boolean;

/** What the viewer does with the cameras' events. */
export interface EventBridge {
  /** A camera sent `message` over its link: store it in main, then send main's replies with `send`. */
  forward(cameraId: string, message: EventMessage, send: EventSend): Promise<void>;
  /** A link to a camera opened (its hello): send the camera its detection settings over that link. */
  linkOpened(cameraId: string, send: EventSend): Promise<void>;
  /**
   * The owner saved new detection settings for a camera: send them over its open link at once (a camera without an
   * open link gets them when its link next opens). True when they went out.
   */
  settingsChanged(cameraId: string, send: EventSend): Promise<boolean>;
}

/** The bridge over the shell's API, or null where the shell keeps no events (the web viewer). */
export function createEventBridge(api: Pick<PawcamApi, 'handleEventMessage' | 'getDetectionSettings'>): EventBridge | null {
  const { handleEventMessage, getDetectionSettings } = api;
  if (!handleEventMessage || !getDetectionSettings) return null;
  const sendSettings = async (cameraId: string, send: EventSend): Promise<boolean> => {
    try {
      const settings = await getDetectionSettings(cameraId);
      if (send(settings)) return true;
      log.debug('no open link for the detection settings; they go out when it opens', { cameraId });
    } catch (error) {
      log.warn('no detection settings for a camera', { cameraId, error: String(error) });
    }
    return false;
  };
  return {
    async forward(cameraId, message, send) {
      let replies: EventMessage[];
      try {
        replies = await handleEventMessage(cameraId, message);
      } catch (error) {
        // No reply: the camera keeps the item and offers it again later.
        log.warn('main did not take an event message', { cameraId, t: message.t, error: String(error) });
        return;
      }
      for (const reply of replies) {
        if (!send(reply)) log.debug('the link closed before a reply went out; the camera will send again', { cameraId, t: reply.t });
      }
    },
    async linkOpened(cameraId, send) {
      await sendSettings(cameraId, send);
    },
    settingsChanged: (cameraId, send) => sendSettings(cameraId, send),
  };
}
