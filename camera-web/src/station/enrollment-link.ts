/**
 * How the camera page gets onto a closed server: the enrollment credential a pairing link (`&e=`) or an enrollment
 * link (`#enroll=`) carries, or a typed code's handle; and which server it talks to: the rendezvous URL a link names
 * (`&r=`, when the page is served from elsewhere), remembered so a reload still knows it.
 */
import { enrollDevice, enrollmentFromFragment, ENROLLMENT_CREDENTIAL, type EnrollOutcome, type EnrollProof, type HttpLike } from '../../../protocol/enrollment.ts';
import { createLogger } from '../../../protocol/log.ts';
import { parseRendezvousUrl } from '../../../protocol/pairing.ts';
import type { AddressBar } from '../pairing/invitation-url.ts';
import type { KeyValueStore } from '../pairing/camera-id.ts';

const log = createLogger('enrollment');

/** Storage keys. The credential is kept only until it is redeemed (a reload in between must not lose it). */
export const ENROLL_KEYS = { rendezvous: 'pawcam.camera.v1.rendezvous', enrollment: 'pawcam.camera.v1.enrollment' } as const;

/** The server the page talks to: the remembered rendezvous, else the page's own origin. */
export function rendezvousUrl(store: KeyValueStore, pageOrigin: string): string {
  const stored = store.getItem(ENROLL_KEYS.rendezvous);
  // Storage is shared with every script of this origin: use only what still parses as a rendezvous URL.
  const parsed = stored === null ? null : parseRendezvousUrl(stored);
  return (parsed ?? pageOrigin).replace(/\/+$/, '');
}

/** Remember what a pairing link carried for the server: its rendezvous URL and enrollment credential. */
export function rememberLinkExtras(store: KeyValueStore, extras: { rendezvous?: string; enrollment?: string }): void {
  if (extras.rendezvous) store.setItem(ENROLL_KEYS.rendezvous, extras.rendezvous);
  if (extras.enrollment && ENROLLMENT_CREDENTIAL.test(extras.enrollment)) store.setItem(ENROLL_KEYS.enrollment, extras.enrollment);
}

/** Take an enrollment link (`#enroll=<credential>`, printed by `npm run server -- enroll`) out of the address. */
export function takeEnrollmentLink(bar: AddressBar, store: KeyValueStore): 'taken' | 'damaged' | null {
  const hash = bar.location.hash;
  if (!hash.startsWith('#enroll=')) return null;
  bar.history.replaceState(bar.history.state, '', `${bar.location.pathname}${bar.location.search}`);
  const credential = enrollmentFromFragment(hash);
  if (!credential) return 'damaged';
  store.setItem(ENROLL_KEYS.enrollment, credential);
  return 'taken';
}

/** What the page can prove: a stored credential first, else a typed code's handle, else nothing. */
export function enrollProof(store: KeyValueStore, codeHandle: string | null): EnrollProof {
  const credential = store.getItem(ENROLL_KEYS.enrollment);
  if (credential !== null && ENROLLMENT_CREDENTIAL.test(credential)) return { enrollment: credential };
  if (codeHandle) return { code: codeHandle };
  return { none: true };
}

/**
 * Enroll this camera's ID with what it has. A credential is single use: it is forgotten once it worked, and once the
 * server refused it (used, expired or revoked: keeping it would only repeat the refusal).
 */
export async function enrollCamera(options: { serverUrl: string; id: string; token: string; store: KeyValueStore; codeHandle: string | null; http: HttpLike }): Promise<EnrollOutcome> {
  const proof = enrollProof(options.store, options.codeHandle);
  if ('none' in proof) return 'refused';
  const outcome = await enrollDevice(options.serverUrl, options.id, options.token, proof, options.http);
  log.info('enrollment', { outcome, via: 'enrollment' in proof ? 'link' : 'code' });
  if ('enrollment' in proof && outcome !== 'rate-limited') options.store.setItem(ENROLL_KEYS.enrollment, '');
  return outcome;
}
