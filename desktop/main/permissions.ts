/**
 * Permission handlers: our own viewer pages (pawcam://app in one of our windows) may use the microphone/camera
 * (talk-back), fullscreen and clipboard writes; everything else, and every other origin, is refused. Device APIs
 * (USB, serial, HID, Bluetooth) are refused outright.
 */
import type { Session } from 'electron';
import { createLogger } from '../../protocol/log.ts';
import { isAppUrl } from './app-scheme.ts';

const log = createLogger('permissions');

/** What our own pages may use. */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['media', 'fullscreen', 'clipboard-sanitized-write']);

/** Facts about one permission request or check. */
export interface PermissionQuery {
  permission: string;
  /** URL (request) or origin (check) asking. */
  requestingUrl: string;
  /** The WebContents is one of our windows. */
  fromOurWindow: boolean;
  /** For 'media': which kinds. */
  mediaTypes?: readonly string[];
}

/** The policy (pure). */
export function isPermissionGranted(query: PermissionQuery): boolean {
  if (!query.fromOurWindow || !isAppUrl(query.requestingUrl)) return false;
  if (!GRANTED_PERMISSIONS.has(query.permission)) return false;
  if (query.permission === 'media') return (query.mediaTypes ?? []).every((t) => t === 'audio' || t === 'video');
  return true;
}

/** Install the handlers on the session our windows use. */
export function setupPermissions(deps: {
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>;
  isOurWebContents(id: number): boolean;
}): void {
  deps.session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    const granted = isPermissionGranted({ permission, requestingUrl: details.requestingUrl, fromOurWindow: deps.isOurWebContents(contents.id), mediaTypes });
    if (!granted) log.info('refused a permission request', { permission, url: details.requestingUrl.slice(0, 200) });
    callback(granted);
  });
  deps.session.setPermissionCheckHandler((contents, permission, requestingOrigin, details) =>
    isPermissionGranted({
      permission,
      requestingUrl: requestingOrigin,
      fromOurWindow: contents !== null && deps.isOurWebContents(contents.id),
      mediaTypes: details.mediaType && details.mediaType !== 'unknown' ? [details.mediaType] : [],
    }),
  );
  deps.session.setDevicePermissionHandler(() => false);
}
