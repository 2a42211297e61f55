/**
 * The viewer's side of closed enrollment: with the owner credential (ViewerConfig.owner) it enrolls its own ID, mints
 * the enrollment each pairing link carries and opens a code enrollment for each short code. Without it (a viewer that
 * was never given the owner link) it can only use IDs already enrolled, or an open server.
 */
import { enrollDevice, fetchServerInfo, mintEnrollment, openCodeEnrollment, type EnrollOutcome, type HttpLike, type ServerInfoReply } from '../../../../protocol/enrollment.ts';
import { viewerBaseId } from '../../../../protocol/ids.ts';
import { createLogger } from '../../../../protocol/log.ts';
import type { ViewerConfig } from '../../../../protocol/ipc.ts';

const log = createLogger('server-enrollment');

/** The browser's fetch for the enrollment API (no cookies: requests authenticate with their body and header alone). */
export const enrollmentFetch: HttpLike = (url, init) => globalThis.fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });

/** What the viewer does at the server as its owner (or not). */
export interface ServerEnrollment {
  /** Enroll `id` (a sub-ID enrolls its base ID: sub-IDs register with the base's token). */
  enroll(id: string, token: string): Promise<EnrollOutcome>;
  /** The enrollment credential a new pairing link carries; null without the owner credential. */
  linkEnrollment(): Promise<string | null>;
  /** Let a camera that types the code with `handle` enroll (10 minutes, once). */
  openCode(handle: string): Promise<void>;
  /** Where phones reach the server, if it says (owner, or a viewer on the server's machine). */
  serverInfo(): Promise<ServerInfoReply | null>;
}

/** Build it for `config`'s server. */
export function serverEnrollment(config: Pick<ViewerConfig, 'serverUrl' | 'owner'>, http: HttpLike = enrollmentFetch): ServerEnrollment {
  const owner = config.owner ?? null;
  return {
    async enroll(id, token) {
      return enrollDevice(config.serverUrl, viewerBaseId(id), token, owner ? { owner } : { none: true }, http);
    },
    async linkEnrollment() {
      if (!owner) return null;
      try {
        return await mintEnrollment(config.serverUrl, owner, http);
      } catch (error) {
        // The link still pairs a camera that is already enrolled; say why a new phone will be refused.
        log.warn('could not mint an enrollment for the pairing link', { error: String(error) });
        return null;
      }
    },
    async openCode(handle) {
      if (!owner) return;
      await openCodeEnrollment(config.serverUrl, owner, handle, http).catch((error: unknown) => {
        log.warn('could not open a code enrollment', { error: String(error) });
      });
    },
    async serverInfo() {
      return fetchServerInfo(config.serverUrl, owner, http).catch(() => null);
    },
  };
}
