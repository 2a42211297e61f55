/**
 * `POST /ice` with JSON `{id, token}` → `{iceServers, ttl}`: the ICE servers for one connection attempt, TURN
 * credentials freshly minted. Only for a peer registered right now with that token, so the relay is not open to the
 * internet; the token travels in the body, never the URL (URLs end up in proxy logs).
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import * as v from 'valibot';
import type { Logger } from '../protocol/log.ts';
import { PeerIdSchema, parseWith } from '../protocol/schema.ts';
import { clientAddress, normaliseOrigin, originAllowed } from './origin.ts';
import { KeyedLimiter, limitKey, throttledLogger, type BucketRate } from './rate-limit.ts';
import { TOKEN_PATTERN } from './registrations.ts';
import { iceServersFor, type IceConfig } from './turn.ts';

/** The request body. */
export const IceRequestSchema = v.object({ id: PeerIdSchema, token: v.pipe(v.string(), v.regex(TOKEN_PATTERN)) });

/** Rates for `/ice`. */
export interface IceLimits {
  /** Per authenticated peer ID (default a burst of 20, then one every 3 s: a camera answers several viewers). */
  perId: BucketRate;
  /** Per client address (IPv6: per /64), counted before authentication (default a burst of 60, then one a second). */
  perAddress: BucketRate;
}

export const DEFAULT_ICE_LIMITS: IceLimits = { perId: { burst: 20, perSecond: 1 / 3 }, perAddress: { burst: 60, perSecond: 1 } };

/** What the route needs. */
export interface IceRouteDeps {
  log: Logger;
  config: IceConfig;
  /** Is `id` registered right now by the holder of `token`? */
  holds: (id: string, token: string) => boolean;
  allowedOrigins: ReadonlySet<string>;
  trustProxy: boolean;
  limits: IceLimits;
  now?: () => number;
}

/** The router serving `/ice`. */
export function iceRouter(deps: IceRouteDeps): Router {
  const log = throttledLogger(deps.log);
  const now = deps.now ?? Date.now;
  const perId = new KeyedLimiter(deps.limits.perId);
  const perAddress = new KeyedLimiter(deps.limits.perAddress);
  const router = express.Router();

  const fail = (res: Response, status: number, error: string): void => {
    res.status(status).json({ error });
  };

  // The Electron app (pawcam://app) and listed origins call cross-origin; a JSON POST needs a CORS preflight.
  const cors = (req: Request, res: Response): boolean => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Origin');
    if (!originAllowed(req, deps.allowedOrigins, deps.trustProxy)) {
      log.warn('refused /ice from another origin', { origin: String(req.headers.origin).slice(0, 200) });
      fail(res, 403, 'origin not allowed');
      return false;
    }
    const origin = normaliseOrigin(req.headers.origin ?? '');
    if (origin && deps.allowedOrigins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '');
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    return true;
  };

  router.options('/ice', (req, res) => {
    if (cors(req, res)) res.status(204).end();
  });

  router.post(
    '/ice',
    (req, res, next) => {
      if (!cors(req, res)) return;
      const address = limitKey(clientAddress(req, deps.trustProxy));
      if (!perAddress.take(address, now())) {
        res.setHeader('Retry-After', String(perAddress.retryAfter(address, now())));
        log.warn('/ice rate exceeded for an address', { remote: address });
        return fail(res, 429, 'too many requests');
      }
      next();
    },
    express.json({ limit: '1kb', strict: true, type: 'application/json' }),
    (req, res) => {
      const body = parseWith(IceRequestSchema, req.body);
      if (!body.ok) return fail(res, 400, `expected JSON {id, token}: ${body.error}`);
      const { id, token } = body.value;
      if (!deps.holds(id, token)) {
        log.warn('refused /ice: not a registered peer with that token', { id, remote: clientAddress(req, deps.trustProxy) });
        return fail(res, 401, 'not registered: connect to the relay with this ID and token first');
      }
      // Counted per ID only once authenticated, so a stranger cannot use up a camera's allowance.
      if (!perId.take(id, now())) {
        res.setHeader('Retry-After', String(perId.retryAfter(id, now())));
        log.warn('/ice rate exceeded for a peer', { id });
        return fail(res, 429, 'too many requests');
      }
      res.json({ iceServers: iceServersFor(deps.config, id, now()), ttl: deps.config.ttlSeconds });
    },
  );

  // A body that is not JSON or too large is the caller's mistake (400/413), not a server error.
  const bodyErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
    if (typeof status !== 'number' || status < 400 || status >= 500 || res.headersSent) return next(error);
    fail(res, status, 'malformed request body');
  };
  router.use('/ice', bodyErrors);
  return router;
}
