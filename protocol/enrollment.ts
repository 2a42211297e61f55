/**
 * The client side of closed enrollment (peer-server/enroll-route.ts): a device binds its ID with an enrollment
 * credential, a short code's handle or the owner credential; the owner mints credentials for pairing links and opens
 * code enrollments for short codes. Everything the server answers is parsed from `unknown`: the rendezvous is untrusted.
 */
import * as v from 'valibot';
import { PawcamError } from './errors.ts';
import { parseWith } from './schema.ts';

/** The owner credential (128 bits as hex), as the owner link `#owner=…` carries it. */
export const OWNER_CREDENTIAL = /^[0-9a-f]{32}$/;
/** An enrollment credential, as a link's `&e=` / `#enroll=` carries it. */
export const ENROLLMENT_CREDENTIAL = /^[0-9a-f]{40}$/;

/** Minimal fetch, injectable (the browser's, Node's, or a test's). */
export type HttpLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** What lets a device enroll its ID: a credential from a link, a short code's handle, or the owner's credential. */
export type EnrollProof = { enrollment: string } | { code: string } | { owner: string } | { none: true };

/** How enrolling went: bound (or already ours), refused (no valid proof, or the ID is held), or too many tries. */
export type EnrollOutcome = 'enrolled' | 'refused' | 'rate-limited';

const base = (serverUrl: string): string => serverUrl.replace(/\/+$/, '');

async function call(http: HttpLike, url: string, init: Parameters<HttpLike>[1]): Promise<Awaited<ReturnType<HttpLike>>> {
  try {
    return await http(url, init);
  } catch (error) {
    throw new PawcamError('server-unreachable', `could not reach the server (${new URL(url).pathname})`, { cause: error });
  }
}

/** Bind `id` to `token` on the server. Throws PawcamError('server-unreachable') when it cannot be asked. */
export async function enrollDevice(serverUrl: string, id: string, token: string, proof: EnrollProof, http: HttpLike): Promise<EnrollOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const body: Record<string, string> = { id, token };
  if ('owner' in proof) headers['authorization'] = `Bearer ${proof.owner}`;
  if ('enrollment' in proof) body['enrollment'] = proof.enrollment;
  if ('code' in proof) body['code'] = proof.code.toLowerCase();
  const response = await call(http, `${base(serverUrl)}/enroll`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (response.ok) return 'enrolled';
  if (response.status === 429) return 'rate-limited';
  if (response.status === 403 || response.status === 400 || response.status === 401) return 'refused';
  throw new PawcamError('server-unreachable', `the server could not enroll this device (HTTP ${response.status})`);
}

const MintSchema = v.object({ credential: v.pipe(v.string(), v.regex(ENROLLMENT_CREDENTIAL)) });

/** Mint a single-use enrollment credential with the owner credential (for a pairing link). */
export async function mintEnrollment(serverUrl: string, owner: string, http: HttpLike, note = 'pairing link'): Promise<string> {
  const response = await call(http, `${base(serverUrl)}/enrollments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
    body: JSON.stringify({ ttlSeconds: 3600, note }),
  });
  if (response.status === 401) throw new PawcamError('not-enrolled', 'the server did not accept the owner credential');
  if (!response.ok) throw new PawcamError('server-unreachable', `the server could not mint an enrollment (HTTP ${response.status})`);
  const parsed = parseWith(MintSchema, await response.json().catch(() => null));
  if (!parsed.ok) throw new PawcamError('malformed-message', `bad enrollment from the server: ${parsed.error}`);
  return parsed.value.credential;
}

/** Open a code enrollment for a short code's handle (10 minutes, single use), with the owner credential. */
export async function openCodeEnrollment(serverUrl: string, owner: string, handle: string, http: HttpLike): Promise<void> {
  const response = await call(http, `${base(serverUrl)}/enrollments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
    body: JSON.stringify({ handle: handle.toLowerCase() }),
  });
  if (response.status === 401) throw new PawcamError('not-enrolled', 'the server did not accept the owner credential');
  if (!response.ok) throw new PawcamError('server-unreachable', `the server could not open a code enrollment (HTTP ${response.status})`);
}

/** What `/server-info` says (owner, or a caller on the server's machine). */
export const ServerInfoReplySchema = v.object({
  phoneUrls: v.pipe(v.array(v.pipe(v.string(), v.url(), v.maxLength(300))), v.maxLength(32)),
  rendezvousUrl: v.nullable(v.pipe(v.string(), v.url(), v.maxLength(300))),
  loopbackOnly: v.boolean(),
  open: v.boolean(),
  pages: v.boolean(),
});
export type ServerInfoReply = v.InferOutput<typeof ServerInfoReplySchema>;

/** Ask the server where phones can reach it; null when it will not say (not the owner, or an older server). */
export async function fetchServerInfo(serverUrl: string, owner: string | null, http: HttpLike): Promise<ServerInfoReply | null> {
  const headers: Record<string, string> = owner ? { authorization: `Bearer ${owner}` } : {};
  const response = await call(http, `${base(serverUrl)}/server-info`, { method: 'GET', headers });
  if (!response.ok) return null;
  const parsed = parseWith(ServerInfoReplySchema, await response.json().catch(() => null));
  return parsed.ok ? parsed.value : null;
}

/** The owner credential of an owner link's fragment (`#owner=…`), or null. */
export function ownerFromFragment(hash: string): string | null {
  const match = /^#owner=([0-9a-f]{32})$/.exec(hash);
  return match ? match[1]! : null;
}

/** The enrollment credential of an enrollment link's fragment (`#enroll=…`), or null. */
export function enrollmentFromFragment(hash: string): string | null {
  const match = /^#enroll=([0-9a-f]{40})$/.exec(hash);
  return match ? match[1]! : null;
}
