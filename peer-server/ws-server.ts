/**
 * The WebSocket server PeerServer runs on (through its `createWebSocketServer` hook), built so that only checked
 * requests and frames reach PeerServer. `SocketPolicy` is the seam for registration protection and hardening:
 * token binding, origin and per-host checks in `admit`, rate limits and queue caps in `inspect`.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import type { Logger } from '../protocol/log.ts';
import { checkClientFrame, isRelayType, stampedText, type CheckedFrame, type ClientFrame } from './frames.ts';
import { throttledLogger } from './rate-limit.ts';
import { relayedFrame, runTransform, type InjectFrame, type RelayTransform } from './relay-transform.ts';

/** Largest frame a client may send; ours are a few KB (an SDP offer is the biggest). */
export const MAX_FRAME_BYTES = 64 * 1024;

/** How many dropped frames per socket are logged before the rest are only counted. */
const LOGGED_DROPS_PER_SOCKET = 5;

/**
 * A refusal told to the client as a PeerServer message on a completed upgrade. Browsers hide the HTTP status of a
 * refused upgrade (PeerJS only sees the socket close and reports 'network', then our transport retries forever);
 * an ID-TAKEN message becomes PeerJS error 'unavailable-id' and an ERROR message 'server-error'.
 */
export interface PeerRefusal {
  type: 'ID-TAKEN' | 'ERROR';
  msg: string;
}

/**
 * Whether a WebSocket upgrade may go ahead. A refusal is answered with its HTTP status before any socket exists, or,
 * with `peerMessage`, by that message on the upgraded socket, which is then closed without reaching PeerServer.
 * `reason` is sent to the client; `details` only go to the log.
 */
export type Admission =
  | { ok: true }
  | { ok: false; status: number; reason: string; peerMessage?: PeerRefusal; details?: Record<string, unknown> };

/** What happens to one well-formed frame: relay it, drop it, or close the socket (policy violation). */
export type FrameVerdict = 'pass' | 'drop' | 'close';

/** A client socket as a policy sees it (stable per socket, so a policy can key its own state on it). */
export interface SocketInfo {
  /** The `id` the client asked to register, if any. */
  readonly id: string | null;
  /** The client's address (with a trusted proxy, the one it reported). */
  readonly remoteAddress: string | undefined;
}

/** Decides who may open a socket and which frames reach PeerServer. */
export interface SocketPolicy {
  admit(request: IncomingMessage): Admission;
  inspect(frame: ClientFrame, socket: SocketInfo): FrameVerdict;
  /** An admitted socket is open (called before PeerServer sees it). */
  opened?(socket: SocketInfo): void;
  /** An admitted socket closed. */
  closed?(socket: SocketInfo): void;
}

/** Admits every upgrade and passes every well-formed frame (no policy: the plain relay). */
export const openPolicy: SocketPolicy = {
  admit: () => ({ ok: true }),
  inspect: () => 'pass',
};

/** What the guarded server needs. */
export interface SocketServerDeps {
  log: Logger;
  policy: SocketPolicy;
  /** The address a request is counted against (default: the TCP peer). */
  clientAddress?: (request: IncomingMessage) => string;
  /**
   * The socket PeerServer has registered under an ID right now, if any (OnlinePeers.socketOf). With it, a relayed
   * frame from a registered socket to one that is connected is delivered here, without PeerServer; without it every
   * frame goes through PeerServer.
   */
  peers?: { socketOf: (id: string) => unknown };
  /** TEST-ONLY relay rewriting (see relay-transform.ts), with the way to reach a connected peer's socket. */
  relay?: { transform: RelayTransform; socketOf: (id: string) => unknown };
  /** Counts frames by the way they took (for the bench's breakdown; absent in production). */
  counters?: RelayCounters;
}

/** How many client frames took each way through the guard. */
export interface RelayCounters {
  /** Relayed straight to a connected destination. */
  direct: number;
  /** Handed to PeerServer (heartbeats, LEAVE, destinations not connected, frames from sockets it has not registered). */
  viaPeerServer: number;
  dropped: number;
}

/** Build the WebSocket server for PeerServer's `createWebSocketServer` option. */
export function createGuardedSocketServer(options: ServerOptions, deps: SocketServerDeps): WebSocketServer {
  const { log, policy } = deps;
  // Refusals come as fast as a client can make requests; the log must not grow as fast.
  const refusalLog = throttledLogger(log);
  const refusals = new WeakMap<IncomingMessage, PeerRefusal>();
  const addressOf = deps.clientAddress ?? ((request: IncomingMessage) => request.socket.remoteAddress ?? 'unknown');
  const wss = new GuardedSocketServer(refusals, log, {
    ...options,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    WebSocket: guardedSocketClass({ ...deps, log: refusalLog }),
    verifyClient: (info, done) => {
      const repeated = repeatedPeerParam(info.req.url);
      if (repeated) {
        refusalLog.warn('refused a WebSocket upgrade', { status: 400, reason: 'repeated query parameter', param: repeated, remote: addressOf(info.req) });
        return done(false, 400, 'Bad Request');
      }
      const admission = safely<Admission>(log, 'admit', () => policy.admit(info.req), { ok: false, status: 500, reason: 'Internal Server Error' });
      if (admission.ok) return done(true);
      refusalLog.warn('refused a WebSocket upgrade', { status: admission.status, reason: admission.reason, remote: addressOf(info.req), ...admission.details });
      if (!admission.peerMessage) return done(false, admission.status, admission.reason);
      refusals.set(info.req, admission.peerMessage);
      done(true);
    },
  });
  // Registered before PeerServer's own listener, so every socket is labelled and guarded before it is used.
  wss.on('connection', (socket, request) => {
    const id = safely(log, 'label', () => new URL(request.url ?? '/', 'https://pawcam.invalid').searchParams.get('id'), null);
    if (!(socket instanceof GuardedSocketBase)) return;
    const info: SocketInfo = { id, remoteAddress: addressOf(request) };
    socket.info = info;
    socket.on('error', (error) => log.debug('socket error', { id, error: error.message }));
    safely(log, 'opened', () => policy.opened?.(info), undefined);
    socket.once('close', () => safely(log, 'closed', () => policy.closed?.(info), undefined));
  });
  wss.on('error', (error) => log.warn('WebSocket server error', { error: error.message }));
  return wss;
}

/**
 * A query parameter PeerServer reads that appears more than once, if any. The policy reads the first `id`/`token`
 * (URLSearchParams.get) and PeerServer the last (Object.fromEntries): `?id=mine&token=…&id=cam-x&token=…` passed
 * the check as one ID and registered as another, taking over an absent camera's ID.
 */
export function repeatedPeerParam(url: string | undefined): string | null {
  let query: URLSearchParams;
  try {
    query = new URL(url ?? '/', 'https://pawcam.invalid').searchParams;
  } catch {
    return null;
  }
  for (const name of ['id', 'token', 'key']) if (query.getAll(name).length > 1) return name;
  return null;
}

/** Delivers refusals that must reach the client as a PeerServer message; such sockets never reach PeerServer. */
class GuardedSocketServer extends WebSocketServer {
  readonly #refusals: WeakMap<IncomingMessage, PeerRefusal>;
  readonly #log: Logger;

  constructor(refusals: WeakMap<IncomingMessage, PeerRefusal>, log: Logger, options: ServerOptions) {
    super(options);
    this.#refusals = refusals;
    this.#log = log;
  }

  // ws announces every upgraded socket through emit('connection'); a refused one is answered here instead.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const [socket, request] = args;
    const refusal = event === 'connection' ? this.#refusals.get(request as IncomingMessage) : undefined;
    if (!refusal || !(socket instanceof WebSocket)) return super.emit(event, ...args);
    socket.on('error', (error) => this.#log.debug('socket error', { error: error.message }));
    socket.send(JSON.stringify({ type: refusal.type, payload: { msg: refusal.msg } }));
    socket.close(1008, refusal.type);
    return true;
  }
}

/** The label slot the connection listener fills in; a base class so `instanceof` works across deps. */
class GuardedSocketBase extends WebSocket {
  info: SocketInfo = { id: null, remoteAddress: undefined };

  /** Send without the relay transform. */
  sendUntransformed(text: string): void {
    super.send(text);
  }
}

/** What PeerServer is handed for a frame it handles: a constant for heartbeats, else the checked fields re-serialised. */
const HEARTBEAT_BYTES = Buffer.from('{"type":"HEARTBEAT"}');

/**
 * A WebSocket whose 'message' events pass the frame check first. ws offers no hook in front of other listeners,
 * and PeerServer's listener trusts whatever it gets (`JSON.parse`, then sets `src`), so the check sits in `emit`.
 */
function guardedSocketClass({ log, policy, relay, peers, counters }: SocketServerDeps): typeof GuardedSocketBase {
  const inject: InjectFrame = (frame) => {
    const target = relay?.socketOf(frame.dst);
    if (!(target instanceof GuardedSocketBase) || target.readyState !== WebSocket.OPEN) {
      log.debug('relayTransform: destination not connected', { dst: frame.dst });
      return false;
    }
    target.sendUntransformed(JSON.stringify(frame));
    return true;
  };

  /** Deliver a relayed frame's text (src stamped) to `target`, through the test-only transform when one is set. */
  const deliver = (target: GuardedSocketBase, text: string): void => {
    const frame = relay ? relayedFrame(text) : null;
    if (!relay || !frame) return target.sendUntransformed(text);
    for (const out of runTransform(relay.transform, frame, inject, log)) {
      if (out.dst === frame.dst) target.sendUntransformed(JSON.stringify(out));
      else inject(out);
    }
  };

  return class GuardedSocket extends GuardedSocketBase {
    #dropped = 0;

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'message') return super.emit(event, ...args);
      const checked = checkClientFrame(args[0], args[1] === true);
      if (!checked.ok) return this.#drop(checked.error);
      const { frame } = checked.value;
      // As safely(), inlined: this runs for every frame.
      let verdict: FrameVerdict;
      try {
        verdict = policy.inspect(frame, this.info);
      } catch (error) {
        log.error('socket hook threw', { hook: 'inspect', error: error instanceof Error ? error.message : String(error) });
        verdict = 'drop';
      }
      if (verdict === 'drop') return this.#drop('refused by policy');
      if (verdict === 'close') {
        if (counters) counters.dropped++;
        log.warn('closing a socket for a policy violation', { id: this.info.id });
        this.close(1008, 'policy violation');
        return false;
      }
      if (isRelayType(frame.type) && this.#relayDirect(checked.value)) return true;
      if (counters) counters.viaPeerServer++;
      // Hand PeerServer the checked fields re-serialised, so nothing unchecked (extra fields, a client's src) reaches it.
      return super.emit('message', frame.type === 'HEARTBEAT' ? HEARTBEAT_BYTES : Buffer.from(JSON.stringify(frame)), false);
    }

    /**
     * The hot path: PeerServer would parse the frame again, stamp `src` and stringify it for a connected destination.
     * Here the sender must be the socket PeerServer registered under its ID (so `src` is the ID it registered, never
     * what the client wrote), and the destination a registered socket that is open; anything else (an absent peer,
     * whose message PeerServer queues; a socket it refused or replaced) goes through PeerServer as before.
     */
    #relayDirect(checked: CheckedFrame): boolean {
      const id = this.info.id;
      if (!peers || id === null || peers.socketOf(id) !== this) return false;
      const target = peers.socketOf((checked.frame as { dst: string }).dst);
      if (!(target instanceof GuardedSocketBase) || target.readyState !== WebSocket.OPEN) return false;
      if (counters) counters.direct++;
      deliver(target, stampedText(checked, id));
      return true;
    }

    // PeerServer relays by calling send() on the destination's socket with the stamped frame (queued deliveries
    // included): the transform sees those here, and the direct relay's frames in deliver().
    override send(data: unknown, ...rest: unknown[]): void {
      // PeerServer answers a message for an absent peer with EXPIRE, and one for a present peer with nothing: that
      // told anyone with a socket who is online. Never send it; clients learn presence from authenticated pings.
      if (typeof data === 'string' && data.startsWith('{"type":"EXPIRE"')) return;
      if (relay && typeof data === 'string' && relayedFrame(data)) return deliver(this, data);
      (super.send as (...a: unknown[]) => void)(data, ...rest);
    }

    #drop(reason: string): boolean {
      if (counters) counters.dropped++;
      this.#dropped++;
      if (this.#dropped <= LOGGED_DROPS_PER_SOCKET) log.warn('dropped a frame', { id: this.info.id, reason });
      if (this.#dropped === LOGGED_DROPS_PER_SOCKET) log.warn('further dropped frames on this socket are not logged', { id: this.info.id });
      return false;
    }
  };
}

/**
 * Run a policy hook; if it throws, log and use `fallback`. These hooks run inside ws's upgrade and data handlers,
 * where an exception would escape as an uncaught error and end the process.
 */
function safely<T>(log: Logger, hook: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    log.error('socket hook threw', { hook, error: error instanceof Error ? error.message : String(error) });
    return fallback;
  }
}
