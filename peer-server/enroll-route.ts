/**
 * The enrollment API, and the owner-only views of the server:
 * - `POST /enroll {id, token, enrollment? | code?}` binds a device's ID to its token, with an enrollment credential,
 *   a short code's handle (a code enrollment) or the owner credential (`Authorization: Bearer …`). Any refusal is the
 *   same 403, whether the ID exists or not.
 * - `POST /enrollments`, `GET /enrollments`, `DELETE /enrollments/:id` (owner): mint, list, revoke credentials, or
 *   open a code enrollment (`{handle}`).
 * - `GET /server-info` (owner, or a caller on this machine): the URLs a phone can open and the rendezvous URL.
 * Secrets travel in bodies and headers, never URLs (URLs end up in proxy logs).
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import * as v from 'valibot';
import { isPeerId, viewerBaseId } from '../protocol/ids.ts';
import type { Logger } from '../protocol/log.ts';
import { PeerIdSchema, parseWith } from '../protocol/schema.ts';
import { REFUSAL } from '../protocol/server-messages.ts';
import { ENROLLMENT_PATTERN, HANDLE_PATTERN, OWNER_PATTERN, type EnrollmentStore } from './enrollment.ts';
import { clientAddress, normaliseOrigin, originAllowed } from './origin.ts';
import { KeyedLimiter, limitKey, throttledLogger, type BucketRate } from './rate-limit.ts';
import { TOKEN_PATTERN, type Registrations } from './registrations.ts';

/** Body of `POST /enroll`. */
export const EnrollRequestSchema = v.strictObject({
  id: PeerIdSchema,
  token: v.pipe(v.string(), v.regex(TOKEN_PATTERN)),
  enrollment: v.optional(v.pipe(v.string(), v.regex(ENROLLMENT_PATTERN))),
  code: v.optional(v.pipe(v.string(), v.toLowerCase(), v.regex(HANDLE_PATTERN))),
});

/** Body of `POST /enrollments`. */
export const MintRequestSchema = v.strictObject({
  ttlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(30 * 24 * 3600))),
  note: v.optional(v.pipe(v.string(), v.maxLength(100))),
  handle: v.optional(v.pipe(v.string(), v.toLowerCase(), v.regex(HANDLE_PATTERN))),
});

/** Rates for the enrollment API. */
export interface EnrollLimits {
  /** Any call, per client address (IPv6: per /64), before authentication. */
  perAddress: BucketRate;
  /** Code redemptions per address: a 30-bit handle must not be guessable within its 10 minutes. */
  codePerAddress: BucketRate;
}

export const DEFAULT_ENROLL_LIMITS: EnrollLimits = { perAddress: { burst: 30, perSecond: 0.5 }, codePerAddress: { burst: 5, perSecond: 1 / 60 } };

/** What the route needs. */
export interface EnrollRouteDeps {
  log: Logger;
  store: EnrollmentStore;
  registrations: Registrations;
  allowedOrigins: ReadonlySet<string>;
  trustProxy: boolean;
  limits: EnrollLimits;
  /** Open server: `/enroll` binds without a credential (what the first connect would do anyway). */
  open: boolean;
  /** What `/server-info` answers. */
  serverInfo: () => { phoneUrls: string[]; rendezvousUrl: string | null; loopbackOnly: boolean };
  now?: () => number;
}

/** Is the request from this machine (not through a proxy, whose requests all come from loopback)? */
export function fromLoopback(req: Request, trustProxy: boolean): boolean {
  if (trustProxy) return false;
  const address = req.socket.remoteAddress ?? '';
  return address === '::1' || /^(?:::ffff:)?127\./.test(address);
}

/** The owner credential of an `Authorization: Bearer …` header, checked; false without one. */
export function ownerAuthorized(req: Request, store: EnrollmentStore): boolean {
  const header = req.headers.authorization ?? '';
  const secret = /^Bearer ([0-9a-f]{32})$/.exec(header)?.[1];
  return secret !== undefined && OWNER_PATTERN.test(secret) && store.isOwner(secret);
}

/**
 * CORS for the pages that may call this server (its own, the app, `--allow-origin`s): a JSON POST or an
 * Authorization header needs a preflight. False (and 403 sent) for any other page.
 */
export function corsGate(req: Request, res: Response, deps: { allowedOrigins: ReadonlySet<string>; trustProxy: boolean; log: Logger }, methods: string): boolean {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Vary', 'Origin');
  if (!originAllowed(req, deps.allowedOrigins, deps.trustProxy)) {
    deps.log.warn('refused a call from another origin', { path: req.path, origin: String(req.headers.origin).slice(0, 200) });
    res.status(403).json({ error: 'origin not allowed' });
    return false;
  }
  const origin = normaliseOrigin(req.headers.origin ?? '');
  if (origin && deps.allowedOrigins.has(origin)) {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '');
    res.setHeader('Access-Control-Allow-Methods', methods);
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
  }
  return true;
}

/** The router serving the enrollment API and `/server-info`. */
export function enrollRouter(deps: EnrollRouteDeps): Router {
  const log = throttledLogger(deps.log);
  const now = deps.now ?? Date.now;
  const perAddress = new KeyedLimiter(deps.limits.perAddress);
  const codes = new KeyedLimiter(deps.limits.codePerAddress);
  const router = express.Router();
  const json = express.json({ limit: '1kb', strict: true, type: 'application/json' });
  const fail = (res: Response, status: number, error: string): void => {
    res.status(status).json({ error });
  };
  const gate =
    (methods: string) =>
    (req: Request, res: Response, next: () => void): void => {
      if (!corsGate(req, res, { ...deps, log }, methods)) return;
      if (req.method === 'OPTIONS') return void res.status(204).end();
      const key = limitKey(clientAddress(req, deps.trustProxy));
      if (!perAddress.take(key, now())) {
        res.setHeader('Retry-After', String(perAddress.retryAfter(key, now())));
        log.warn('enrollment API rate exceeded for an address', { remote: key });
        return fail(res, 429, 'too many requests');
      }
      next();
    };
  const ownerOnly = (req: Request, res: Response, next: () => void): void => {
    if (ownerAuthorized(req, deps.store)) return next();
    log.warn('refused an owner call without the owner credential', { path: req.path, remote: clientAddress(req, deps.trustProxy) });
    fail(res, 401, 'owner credential required');
  };

  router.options(['/enroll', '/enrollments', '/enrollments/:id', '/server-info'], gate('GET, POST, DELETE'));

  router.post('/enroll', gate('POST'), json, async (req, res) => {
    const body = parseWith(EnrollRequestSchema, req.body);
    if (!body.ok) return fail(res, 400, `expected JSON {id, token, enrollment?, code?}: ${body.error}`);
    const { id, token, enrollment, code } = body.value;
    if (!isPeerId(id) || viewerBaseId(id) !== id) return fail(res, 400, 'a sub-ID (<id>_<tag>) is not enrolled: it registers with its base ID’s token');
    const at = now();
    // Already ours: nothing to spend (a device re-enrolls after a reload without knowing whether it had).
    if (deps.registrations.matches(id, token, at)) return void res.json({ enrolled: true });
    let allowed = deps.open || ownerAuthorized(req, deps.store);
    if (!allowed && enrollment) allowed = (await deps.store.redeem(enrollment, at)) === 'ok';
    if (!allowed && code) {
      const key = limitKey(clientAddress(req, deps.trustProxy));
      if (!codes.take(key, at)) {
        res.setHeader('Retry-After', String(codes.retryAfter(key, at)));
        log.warn('code enrollment attempts exceeded for an address', { remote: key });
        return fail(res, 429, 'too many code attempts; wait a minute');
      }
      allowed = deps.store.redeemCode(code, at) === 'ok';
    }
    const result = allowed ? deps.registrations.bind(id, token, at) : 'refused';
    switch (result) {
      case 'bound':
      case 'owner':
        log.info('enrolled an ID', { id, via: enrollment ? 'credential' : code ? 'code' : deps.open ? 'open server' : 'owner' });
        return void res.json({ enrolled: true });
      case 'full':
        log.error('registration table is full; refusing new IDs', { id });
        return fail(res, 503, 'server has reached its registration limit');
      default:
        // One answer for a bad, used, expired or revoked credential and for an ID held by another token.
        log.warn('refused an enrollment', { id, why: result === 'taken' ? 'ID bound to another token' : 'no valid credential', remote: clientAddress(req, deps.trustProxy) });
        return fail(res, 403, REFUSAL.notEnrolled);
    }
  });

  router.post('/enrollments', gate('POST'), ownerOnly, json, async (req, res) => {
    const body = parseWith(MintRequestSchema, req.body ?? {});
    if (!body.ok) return fail(res, 400, `expected JSON {ttlSeconds?, note?, handle?}: ${body.error}`);
    if (body.value.handle) {
      const { expiresAt } = deps.store.openCode(body.value.handle, now());
      return void res.json({ handle: body.value.handle, expiresAt });
    }
    const { credential, info } = await deps.store.mint(now(), body.value.ttlSeconds !== undefined ? body.value.ttlSeconds * 1000 : undefined, body.value.note);
    log.info('minted an enrollment credential', { id: info.id, expiresAt: info.expiresAt });
    res.json({ credential, ...info });
  });

  router.get('/enrollments', gate('GET'), ownerOnly, (_req, res) => {
    res.json({ enrollments: deps.store.list(now()) });
  });

  router.delete('/enrollments/:id', gate('DELETE'), ownerOnly, async (req, res) => {
    const id = String(req.params['id']);
    if (!/^[0-9a-f]{8}$/.test(id)) return fail(res, 400, 'expected the credential’s 8-digit name');
    if (!(await deps.store.revoke(id))) return fail(res, 404, 'no such unredeemed credential');
    log.info('revoked an enrollment credential', { id });
    res.json({ revoked: id });
  });

  router.get('/server-info', gate('GET'), (req, res) => {
    if (!fromLoopback(req, deps.trustProxy) && !ownerAuthorized(req, deps.store)) return fail(res, 401, 'owner credential required');
    res.json(deps.serverInfo());
  });

  const bodyErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
    if (typeof status !== 'number' || status < 400 || status >= 500 || res.headersSent) return next(error);
    fail(res, status, 'malformed request body');
  };
  router.use(['/enroll', '/enrollments'], bodyErrors);
  return router;
}
