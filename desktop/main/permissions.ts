/**
 * Permission handlers: our own viewer pages (pawcam://app in one of our windows) may use the microphone/camera
 * (talk-back), fullscreen, clipboard writes and the local network (Local Network Access); everything else, and every
 * other origin, is refused. Device APIs (USB, serial, HID, Bluetooth) are refused outright.
 */
import type { Session } from 'electron';
import { createLogger } from '../../protocol/log.ts';
import { isAppUrl } from './app-scheme.ts';

const log = createLogger('permissions');

/**
 * Local Network Access (Chromium 138+, so Electron 45's Chromium 140): a page whose origin is not itself on a
 * private address must hold a permission before it fetches or opens a WebSocket to a private or loopback address.
 * Our viewer on pawcam://app talks to the embedded server on https://127.0.0.1:… and to servers on the LAN, so it
 * needs them. Chromium has used three names for it: `local-network-access` (first), then `local-network` (private
 * addresses) and `loopback-network` (127.0.0.0/8, ::1); Electron 45 can ask about each.
 */
export const LOCAL_NETWORK_PERMISSIONS: ReadonlySet<string> = new Set(['local-network-access', 'local-network', 'loopback-network']);

/** What our own pages may use. */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['media', 'fullscreen', 'clipboard-sanitized-write', ...LOCAL_NETWORK_PERMISSIONS]);

/** Facts about one permission request or check. */
export interface PermissionQuery {
  permission: string;
  /** URL (request) or origin (check) asking. */
  requestingUrl: string;
  /** The WebContents is one of our windows. */
  fromOurWindow: boolean;
  /**
   * A check Chromium makes without any WebContents (the network stack asking on behalf of a request, e.g. for Local
   * Network Access). Only the origin is known then.
   */
  noWebContents?: boolean;
  /** For 'media': which kinds. */
  mediaTypes?: readonly string[];
}

/** The policy (pure). */
export function isPermissionGranted(query: PermissionQuery): boolean {
  if (!isAppUrl(query.requestingUrl)) return false;
  if (!GRANTED_PERMISSIONS.has(query.permission)) return false;
  // Only our own code ever runs on pawcam://app (the scheme is ours and serves only dist/viewer; CSP forbids
  // frames), so a network-stack check for that origin without a WebContents is still our viewer asking.
  const frameless = query.noWebContents === true && LOCAL_NETWORK_PERMISSIONS.has(query.permission);
  if (!query.fromOurWindow && !frameless) return false;
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
      noWebContents: contents === null,
      mediaTypes: details.mediaType && details.mediaType !== 'unknown' ? [details.mediaType] : [],
    }),
  );
  deps.session.setDevicePermissionHandler(() => false);
}
