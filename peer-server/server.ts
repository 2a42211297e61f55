/**
 * peer-server: the self-hosted rendezvous. One HTTP(S) server carries the PeerServer relay at `/peerjs`, the built
 * camera page at `/` and the web viewer at `/viewer/` (not with `rendezvousOnly`), `/healthz`, `POST /ice` and the
 * enrollment API. It relays envelopes and never sees media or keys. Closed by default: an ID registers only once
 * the owner enrolled it (enrollment.ts).
 */
import express, { type ErrorRequestHandler } from 'express';
import http from 'node:http';
import https from 'node:https';
import { ExpressPeerServer } from 'peer';
import { traceTimers } from './traced-timers.ts';
import type { WebSocketServer } from 'ws';
import { PawcamError } from '../protocol/errors.ts';
import { createLogger, type Logger } from '../protocol/log.ts';
import { PEER_KEY, PEER_PATH } from '../protocol/peer-options.ts';
import { loadOrCreateSelfSigned, readCertificatePair, type TlsMaterial } from './cert.ts';
import { DEFAULT_ENROLL_LIMITS, enrollRouter, fromLoopback, ownerAuthorized, type EnrollLimits } from './enroll-route.ts';
import { EnrollmentStore, type EnrollmentInfo } from './enrollment.ts';
import { DEFAULT_ICE_LIMITS, iceRouter, type IceLimits } from './ice-route.ts';
import { displayUrls, lanAddresses, loopbackUrl, unreachableFromPhone, type LanAddress } from './network.ts';
import { OnlinePeers } from './online-peers.ts';
import { clientAddress, normaliseOrigin, parseAllowedOrigins } from './origin.ts';
import { REFUSAL } from '../protocol/server-messages.ts';
import { defaultDataDir, defaultWebRoot, serverVersion } from './paths.ts';
import { Registrations, type RegistrationLimits } from './registrations.ts';
import type { RelayTransform } from './relay-transform.ts';
import { createServerPolicy, DEFAULT_RELAY_LIMITS, type RelayLimits, type ServerPolicy } from './socket-policy.ts';
import { pagesRouter, securityHeaders } from './static.ts';
import { checkIceConfig, DEFAULT_TURN_TTL_SECONDS, type IceConfig } from './turn.ts';
import { createGuardedSocketServer, type RelayCounters, type SocketPolicy } from './ws-server.ts';

/** The port the CLI and `startServer` use when none is given. */
export const DEFAULT_PORT = 8443;

/** How to run the server. */
export interface ServerOptions {
  /** TCP port (default 8443); 0 picks a free one. */
  port?: number;
  /** Address to bind (default '0.0.0.0': every IPv4 interface, so phones on the LAN can reach it). */
  host?: string;
  /** Plain HTTP, for running behind a TLS-terminating proxy. */
  http?: boolean;
  /** PEM certificate (chain) path; with `key`. Without both, a self-signed certificate is used. */
  cert?: string;
  /** PEM private key path; with `cert`. */
  key?: string;
  /** Where the self-signed certificate and the ID registrations are kept (default `~/.pawcam-server`). */
  dataDir?: string;
  /** Folder holding the built `camera-web/` and `viewer/` (default: this package's `dist/`). */
  webRoot?: string;
  /** How long PeerServer holds messages for an absent peer before answering EXPIRE (default 3000 ms). */
  expireTimeoutMs?: number;
  /** A client silent for this long is dropped (default 90 s; see ALIVE_TIMEOUT_MS). */
  aliveTimeoutMs?: number;
  /** Most registered peers at once (PeerServer's own default, 5000, is below what a small VPS can hold). */
  maxPeers?: number;
  /** Where this server's log records go (default: the 'peer-server' logger). */
  logger?: Logger;
  /**
   * Origins besides our own pages and the app (`pawcam://app`) whose pages may use the relay and `/ice`, as
   * `scheme://host[:port]` (e.g. a viewer hosted on another domain).
   */
  allowedOrigins?: string[];
  /**
   * Behind a reverse proxy: count clients by the last X-Forwarded-For entry and compare origins with
   * X-Forwarded-Host. Only when every request comes through that proxy (else clients can claim any address).
   */
  trustProxy?: boolean;
  /** STUN URLs handed to clients (`stun:host[:port]`); none by default: no third-party servers. */
  stunUrls?: string[];
  /** TURN URLs handed to clients with minted credentials (`turn:host[:port][?transport=…]`, `turns:…`). */
  turnUrls?: string[];
  /** coturn's `static-auth-secret` (use-auth-secret); required with `turnUrls`. */
  turnSecret?: string;
  /** Lifetime of minted TURN credentials in seconds (default 600). */
  turnTtlSeconds?: number;
  /** Abuse limits, for tuning and tests (defaults in DEFAULT_RELAY_LIMITS, DEFAULT_ICE_LIMITS, registrations.ts). */
  limits?: { relay?: Partial<RelayLimits>; ice?: Partial<IceLimits>; registrations?: Partial<RegistrationLimits>; enroll?: Partial<EnrollLimits> };
  /**
   * OPEN MODE (`--open`): anyone may register a new ID (the first registration binds it), and with it get TURN
   * credentials. Off by default: IDs register only once enrolled by the owner.
   */
  open?: boolean;
  /** Serve no pages: only signaling, ICE and enrollment (the pages come from an origin the owner trusts). */
  rendezvousOnly?: boolean;
  /** The URL phones reach this server at from anywhere (e.g. `https://pawcam.example.org`); listed first for the QR. */
  publicUrl?: string;
  /**
   * Rendezvous servers (besides this one) that the pages served here may connect to: they join the pages'
   * `connect-src` (as `https:` and `wss:` origins). For a page host whose pages use a `--rendezvous-only` server.
   */
  connectUrls?: string[];
  /** The machine's LAN addresses (default: read from the OS); tests pass their own. */
  lanAddresses?: () => LanAddress[];
  /**
   * Replaces the built-in socket policy (registration binding, origin check, rate limits, queue caps). Tests only:
   * without the built-in policy anyone can take a registered ID while its owner is away.
   */
  socketPolicy?: SocketPolicy;
  /**
   * TEST-ONLY, default absent: the "malicious operator" simulator. Rewrites, drops, duplicates or replays relayed
   * OFFER/ANSWER/CANDIDATE frames after the server stamped `src` (see relay-transform.ts), so e2e tests can prove the
   * end-to-end MACs catch a tampering relay.
   */
  relayTransform?: RelayTransform;
  /** Counts relayed frames by the way they took through the guard (tests and the bench). */
  relayCounters?: RelayCounters;
}

/** A started server. */
export interface RunningServer {
  /** Base URL for reaching it from this machine (e.g. `https://127.0.0.1:8443`). */
  url: string;
  /** The port actually bound. */
  port: number;
  /** SHA-256 fingerprint of the TLS certificate; null over plain HTTP. */
  certFingerprint: string | null;
  /**
   * The owner secret, only on the start that made it (first start, or after the file was lost): show it once as
   * the owner link `<url>/viewer/#owner=<secret>`. Only its hash is kept.
   */
  newOwnerSecret: string | null;
  /** The owner's in-process rights (the desktop app's embedded server needs no owner secret). */
  owner: OwnerActions;
  /** URLs a phone may open (public URL first, then LAN addresses); empty when only loopback is known. */
  phoneUrls(): string[];
  /** Close every socket and stop listening. */
  close(): Promise<void>;
}

/** What the owner may do. */
export interface OwnerActions {
  /** Mint a single-use enrollment credential. */
  mint(options?: { ttlMs?: number; note?: string }): Promise<{ credential: string; info: EnrollmentInfo }>;
  /** Open a code enrollment for a short code's handle (10 minutes, single use). */
  openCode(handle: string): { expiresAt: number };
  /** Bind `id` to `token` directly (the owner's own devices); false when the ID is held by another token. */
  enroll(id: string, token: string): boolean;
  /** Unredeemed credentials. */
  list(): EnrollmentInfo[];
  /** Revoke a credential by its 8-digit name. */
  revoke(id: string): Promise<boolean>;
  /** Replace the owner credential and return it (the embedded server's app takes a fresh one each start). */
  resetOwner(): Promise<string>;
}

/** Default cap on registered peers: 20k sockets fit in ~250 MB of RSS (see npm run bench). */
export const MAX_PEERS = 20_000;

/** PeerServer's expiry sweep period: with expire_timeout 3 s, a viewer learns a camera is offline within ~4 s. */
const CLEANUP_OUT_MSGS_MS = 1000;
/**
 * Clients heartbeat every 5 s, but Chrome's intensive throttling runs a hidden page's timers once a minute, so a
 * shorter timeout would keep dropping backgrounded viewers and cameras.
 */
const ALIVE_TIMEOUT_MS = 90_000;
/** How long close() waits for sockets to finish their closing handshake before cutting them. */
const CLOSE_GRACE_MS = 2000;
/** WebSocket close code for a socket whose ID connected again elsewhere (4000–4999: for applications). */
export const SUPERSEDED_CLOSE_CODE = 4409;
/** How often unused ID registrations are forgotten. */
const SWEEP_REGISTRATIONS_MS = 60 * 60 * 1000;

/** Start the server; resolves once it is listening. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger('peer-server');
  const host = options.host ?? '0.0.0.0';
  const secure = !options.http;
  const dataDir = options.dataDir ?? defaultDataDir();
  const trustProxy = options.trustProxy ?? false;
  const { allowedOrigins, ice, publicUrl, connectUrls } = checkOptions(options);
  const open = options.open ?? false;
  const tls = secure ? await loadTls(options, dataDir, log) : null;
  const registrations = await Registrations.open(dataDir, log, options.limits?.registrations);
  const { store: enrollment, newOwnerSecret } = await EnrollmentStore.open(dataDir, log);
  if (open) log.warn('OPEN MODE: anyone who can reach this server may register IDs and get TURN credentials (--open)');

  const app = express();
  app.disable('x-powered-by');
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, app) : http.createServer(app);
  server.on('tlsClientError', (error: Error) => log.debug('TLS handshake failed', { error: error.message }));
  await listen(server, options.port ?? DEFAULT_PORT, host);
  server.on('error', (error) => log.error('server error', { error: error.message }));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  const supersede = (old: { send(text: string): void; close(code: number, reason: string): void }, id: string): void => {
    log.info('closed the superseded socket of a reclaimed ID', { id });
    try {
      old.send(JSON.stringify({ type: 'ERROR', payload: { msg: REFUSAL.superseded } }));
      old.close(SUPERSEDED_CLOSE_CODE, REFUSAL.superseded);
    } catch (error) {
      log.debug('could not close a superseded socket', { id, error: String(error) });
    }
  };

  // Routes are mounted only once listening: mounting PeerServer starts its timer loops (cleared on close).
  const online = new OnlinePeers();
  const expireTimeoutMs = options.expireTimeoutMs ?? 3000;
  const builtIn: ServerPolicy | null = options.socketPolicy
    ? null
    : createServerPolicy({
        log,
        registrations,
        isOnline: (id) => online.has(id),
        allowedOrigins,
        trustProxy,
        open,
        limits: { ...DEFAULT_RELAY_LIMITS, ...options.limits?.relay },
        // PeerServer drops a held message at the first sweep after expire_timeout; allow for a late timer.
        queueHoldMs: expireTimeoutMs + 2 * CLEANUP_OUT_MSGS_MS + 1000,
      });
  const policy = options.socketPolicy ?? builtIn!;
  const relayTransform = options.relayTransform;
  if (relayTransform) log.warn('relayTransform is set: relayed frames are being rewritten (test servers only)');
  let wss: WebSocketServer | null = null;
  const peerServer = ExpressPeerServer(server, {
    key: PEER_KEY,
    path: '/',
    allow_discovery: false,
    expire_timeout: expireTimeoutMs,
    alive_timeout: options.aliveTimeoutMs ?? ALIVE_TIMEOUT_MS,
    concurrent_limit: options.maxPeers ?? MAX_PEERS,
    cleanup_out_msgs: CLEANUP_OUT_MSGS_MS,
    // Our pages are same-origin and clients never use PeerServer's HTTP API cross-origin.
    corsOptions: { origin: false },
    createWebSocketServer: (wsOptions) => {
      wss = createGuardedSocketServer(wsOptions, {
        log,
        policy,
        clientAddress: (request) => clientAddress(request, trustProxy),
        peers: online,
        counters: options.relayCounters,
        relay: relayTransform ? { transform: relayTransform, socketOf: (id) => online.socketOf(id) } : undefined,
      });
      // Runs before PeerServer's listener. When a client reclaims its ID while the server still holds its old socket
      // (a phone that changed networks), PeerServer swaps sockets without sending OPEN, and the PeerJS client would
      // wait for it until the old socket times out (alive_timeout, 90 s). Tell it.
      // The old socket stays open after the swap (PeerServer forgets it), so the client on it believes it is still
      // registered and never hears another message (a second viewer tab used to break the first silently). Close
      // it with a reason its client shows, and that stops it from reclaiming the ID in turn.
      wss.on('connection', (socket, request) => {
        const query = new URL(request.url ?? '/', 'https://pawcam.invalid').searchParams;
        const id = query.get('id');
        const token = query.get('token');
        if (!id || !token || query.get('key') !== PEER_KEY || !online.holds(id, token)) return;
        const old = online.socketOf(id);
        socket.send(JSON.stringify({ type: 'OPEN' }));
        if (old && old !== socket) supersede(old as { send(text: string): void; close(code: number, reason: string): void }, id);
      });
      return wss;
    },
  });
  // Without an 'error' listener PeerServer's EventEmitter throws, and one bad frame would take the process down.
  peerServer.on('error', (error: unknown) => log.warn('peer server error', { error: error instanceof Error ? error.message : String(error) }));
  peerServer.on('connection', (client) => {
    online.add(client);
    builtIn?.peerConnected(client.getId());
    log.debug('peer registered', { id: client.getId(), peersOnline: online.count });
  });
  peerServer.on('disconnect', (client) => {
    online.remove(client);
    log.debug('peer left', { id: client.getId(), peersOnline: online.count });
  });

  const readLan = options.lanAddresses ?? lanAddresses;
  const phoneUrls = (): string[] => {
    const lan = displayUrls(secure ? 'https' : 'http', host, port, readLan())
      .filter((u) => !unreachableFromPhone(new URL(u).hostname))
      .map((u) => `${u}/`);
    return [...(publicUrl ? [publicUrl] : []), ...lan.filter((u) => u !== publicUrl)].slice(0, 32);
  };
  const serverInfo = (): { phoneUrls: string[]; rendezvousUrl: string | null; loopbackOnly: boolean; open: boolean; pages: boolean } => {
    const urls = phoneUrls();
    return { phoneUrls: urls, rendezvousUrl: publicUrl ?? null, loopbackOnly: urls.length === 0, open, pages: !options.rendezvousOnly };
  };

  app.use(securityHeaders(secure, connectUrls));
  // Mounting starts PeerServer's two timer loops, which it never stops: traced so close() can (traced-timers.ts).
  const peerTimers = traceTimers(() => app.use(PEER_PATH, peerServer));
  // Health for anyone; how many peers are online only for the owner or a caller on this machine.
  app.get('/healthz', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (fromLoopback(req, trustProxy) || ownerAuthorized(req, enrollment)) {
      return void res.json({ ok: true, version: serverVersion, peersOnline: online.count, registrations: registrations.size });
    }
    res.json({ ok: true });
  });
  app.use(
    enrollRouter({
      log,
      store: enrollment,
      registrations,
      allowedOrigins,
      trustProxy,
      open,
      limits: { ...DEFAULT_ENROLL_LIMITS, ...options.limits?.enroll },
      serverInfo,
    }),
  );
  app.use(
    iceRouter({
      log,
      config: ice,
      holds: (id, token) => online.holds(id, token),
      allowedOrigins,
      trustProxy,
      limits: { ...DEFAULT_ICE_LIMITS, ...options.limits?.ice },
    }),
  );
  if (options.rendezvousOnly) {
    app.use((_req, res) => {
      res.status(404).type('text/plain').send('Not found: this is a rendezvous-only pawcam server (no pages).\n');
    });
  } else {
    app.use(pagesRouter(options.webRoot ?? defaultWebRoot()));
  }
  app.use(errorHandler(log));

  const url = loopbackUrl(secure ? 'https' : 'http', host, port);
  log.info('listening', {
    url,
    host,
    port,
    tls: tls ? (tls.selfSigned ? 'self-signed' : 'provided') : 'off',
    mode: open ? 'open' : 'closed',
    pages: !options.rendezvousOnly,
    publicUrl,
    fingerprint: tls?.fingerprint,
    stun: ice.stunUrls.length,
    turn: ice.turnUrls.length,
    allowedOrigins: [...allowedOrigins],
    trustProxy,
  });
  const sweep = setInterval(() => registrations.sweep(Date.now(), (id) => online.has(id)), SWEEP_REGISTRATIONS_MS);
  sweep.unref();

  let closing: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    clearInterval(sweep);
    peerTimers.clear();
    const sockets = wss ? [...wss.clients] : [];
    for (const socket of sockets) socket.close(1001, 'server shutting down');
    wss?.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => {
      for (const socket of sockets) socket.terminate();
      server.closeAllConnections();
    }, CLOSE_GRACE_MS);
    await closed;
    clearTimeout(force);
    online.clear();
    await registrations.flush();
    await enrollment.flush();
    log.info('closed', { url });
  };

  return {
    url,
    port,
    certFingerprint: tls?.fingerprint ?? null,
    newOwnerSecret,
    owner: {
      mint: (o = {}) => enrollment.mint(Date.now(), o.ttlMs, o.note),
      openCode: (handle) => enrollment.openCode(handle, Date.now()),
      enroll: (id, token) => {
        const r = registrations.bind(id, token, Date.now());
        return r === 'bound' || r === 'owner';
      },
      list: () => enrollment.list(Date.now()),
      revoke: (id) => enrollment.revoke(id),
      resetOwner: () => enrollment.resetOwner(),
    },
    phoneUrls,
    close: () => (closing ??= shutdown()),
  };
}

async function loadTls(options: ServerOptions, dataDir: string, log: Logger): Promise<TlsMaterial> {
  if (options.cert && options.key) return readCertificatePair(options.cert, options.key);
  if (options.cert || options.key) throw new PawcamError('bad-option', 'give both a certificate and a key (--cert and --key), or neither');
  return loadOrCreateSelfSigned({ dataDir, log });
}

/** Check the origin, URL and ICE options before anything starts. */
function checkOptions(options: ServerOptions): { allowedOrigins: Set<string>; ice: IceConfig; publicUrl: string | undefined; connectUrls: string[] } {
  const ice: IceConfig = {
    stunUrls: options.stunUrls ?? [],
    turnUrls: options.turnUrls ?? [],
    turnSecret: options.turnSecret,
    ttlSeconds: options.turnTtlSeconds ?? DEFAULT_TURN_TTL_SECONDS,
  };
  try {
    checkIceConfig(ice);
    const publicUrl = options.publicUrl === undefined ? undefined : pageUrl(options.publicUrl, '--public-url');
    const connectUrls = (options.connectUrls ?? []).map((u) => pageUrl(u, 'a rendezvous URL'));
    return { allowedOrigins: parseAllowedOrigins(options.allowedOrigins ?? []), ice, publicUrl, connectUrls };
  } catch (error) {
    throw new PawcamError('bad-option', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new PawcamError('listen-failed', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Log and answer 500 without a stack trace (express's default handler would print it to the client). */
function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    log.error('request failed', { path: req.path, error: error instanceof Error ? error.message : String(error) });
    if (res.headersSent) return next(error);
    res.status(500).type('text/plain').send('Internal error.\n');
  };
}

/** An https:// (or http://) server URL as a page address with one trailing slash; throws on anything else. */
export function pageUrl(text: string, what: string): string {
  const origin = normaliseOrigin(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${what} is not a URL: ${text}`);
  }
  if (!origin || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new Error(`${what} must be an http(s) URL without query or fragment: ${text}`);
  }
  return `${origin}${url.pathname.replace(/\/+$/, '')}/`;
}
