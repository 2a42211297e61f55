/**
 * peer-server: the self-hosted rendezvous. One HTTP(S) server carries the PeerServer relay at `/peerjs`, the built
 * camera page at `/`, the web viewer at `/viewer/`, `/healthz` and `POST /ice`. It relays envelopes and never sees
 * media or keys.
 */
import express, { type ErrorRequestHandler } from 'express';
import http from 'node:http';
import https from 'node:https';
import { ExpressPeerServer } from 'peer';
import type { WebSocketServer } from 'ws';
import { PawcamError } from '../protocol/errors.ts';
import { createLogger, type Logger } from '../protocol/log.ts';
import { PEER_KEY, PEER_PATH } from '../protocol/peer-options.ts';
import { loadOrCreateSelfSigned, readCertificatePair, type TlsMaterial } from './cert.ts';
import { DEFAULT_ICE_LIMITS, iceRouter, type IceLimits } from './ice-route.ts';
import { loopbackUrl } from './network.ts';
import { OnlinePeers } from './online-peers.ts';
import { clientAddress, parseAllowedOrigins } from './origin.ts';
import { defaultDataDir, defaultWebRoot, serverVersion } from './paths.ts';
import { Registrations, type RegistrationLimits } from './registrations.ts';
import type { RelayTransform } from './relay-transform.ts';
import { createServerPolicy, DEFAULT_RELAY_LIMITS, type RelayLimits, type ServerPolicy } from './socket-policy.ts';
import { pagesRouter, securityHeaders } from './static.ts';
import { checkIceConfig, DEFAULT_TURN_TTL_SECONDS, type IceConfig } from './turn.ts';
import { createGuardedSocketServer, type SocketPolicy } from './ws-server.ts';

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
  limits?: { relay?: Partial<RelayLimits>; ice?: Partial<IceLimits>; registrations?: Partial<RegistrationLimits> };
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
}

/** A started server. */
export interface RunningServer {
  /** Base URL for reaching it from this machine (e.g. `https://127.0.0.1:8443`). */
  url: string;
  /** The port actually bound. */
  port: number;
  /** SHA-256 fingerprint of the TLS certificate; null over plain HTTP. */
  certFingerprint: string | null;
  /** Close every socket and stop listening. */
  close(): Promise<void>;
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
/** How often unused ID registrations are forgotten. */
const SWEEP_REGISTRATIONS_MS = 60 * 60 * 1000;

/** Start the server; resolves once it is listening. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger('peer-server');
  const host = options.host ?? '0.0.0.0';
  const secure = !options.http;
  const dataDir = options.dataDir ?? defaultDataDir();
  const trustProxy = options.trustProxy ?? false;
  const { allowedOrigins, ice } = checkOptions(options);
  const tls = secure ? await loadTls(options, dataDir, log) : null;
  const registrations = await Registrations.open(dataDir, log, options.limits?.registrations);

  const app = express();
  app.disable('x-powered-by');
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, app) : http.createServer(app);
  server.on('tlsClientError', (error: Error) => log.debug('TLS handshake failed', { error: error.message }));
  await listen(server, options.port ?? DEFAULT_PORT, host);
  server.on('error', (error) => log.error('server error', { error: error.message }));

  // Routes are mounted only once listening: mounting PeerServer starts its timers, which it never stops.
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
        relay: relayTransform ? { transform: relayTransform, socketOf: (id) => online.socketOf(id) } : undefined,
      });
      // Runs before PeerServer's listener. When a client reclaims its ID while the server still holds its old socket
      // (a phone that changed networks), PeerServer swaps sockets without sending OPEN, and the PeerJS client would
      // wait for it until the old socket times out (alive_timeout, 90 s). Tell it.
      wss.on('connection', (socket, request) => {
        const query = new URL(request.url ?? '/', 'https://pawcam.invalid').searchParams;
        const id = query.get('id');
        const token = query.get('token');
        if (id && token && query.get('key') === PEER_KEY && online.holds(id, token)) socket.send(JSON.stringify({ type: 'OPEN' }));
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

  app.use(securityHeaders(secure));
  app.use(PEER_PATH, peerServer);
  app.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, version: serverVersion, peersOnline: online.count });
  });
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
  app.use(pagesRouter(options.webRoot ?? defaultWebRoot()));
  app.use(errorHandler(log));

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  const url = loopbackUrl(secure ? 'https' : 'http', host, port);
  log.info('listening', {
    url,
    host,
    port,
    tls: tls ? (tls.selfSigned ? 'self-signed' : 'provided') : 'off',
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
    log.info('closed', { url });
  };

  return {
    url,
    port,
    certFingerprint: tls?.fingerprint ?? null,
    close: () => (closing ??= shutdown()),
  };
}

async function loadTls(options: ServerOptions, dataDir: string, log: Logger): Promise<TlsMaterial> {
  if (options.cert && options.key) return readCertificatePair(options.cert, options.key);
  if (options.cert || options.key) throw new PawcamError('unknown', 'give both a certificate and a key (--cert and --key), or neither');
  return loadOrCreateSelfSigned({ dataDir, log });
}

/** Check the origin and ICE options before anything starts. */
function checkOptions(options: ServerOptions): { allowedOrigins: Set<string>; ice: IceConfig } {
  const ice: IceConfig = {
    stunUrls: options.stunUrls ?? [],
    turnUrls: options.turnUrls ?? [],
    turnSecret: options.turnSecret,
    ttlSeconds: options.turnTtlSeconds ?? DEFAULT_TURN_TTL_SECONDS,
  };
  try {
    checkIceConfig(ice);
    return { allowedOrigins: parseAllowedOrigins(options.allowedOrigins ?? []), ice };
  } catch (error) {
    throw new PawcamError('unknown', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new PawcamError('unknown', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
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
