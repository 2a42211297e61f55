/**
 * The WebSocket server PeerServer runs on (through its `createWebSocketServer` hook), built so that only checked
 * requests and frames reach PeerServer. This is the seam for registration protection and hardening (issue 3):
 * token binding and origin checks go in `SocketPolicy.admit`, rate limits in `SocketPolicy.inspect`.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import type { Logger } from '../protocol/log.ts';
import { parseClientFrame, type ClientFrame } from './frames.ts';

/** Largest frame a client may send; ours are a few KB (an SDP offer is the biggest). */
export const MAX_FRAME_BYTES = 64 * 1024;

/** How many dropped frames per socket are logged before the rest are only counted. */
const LOGGED_DROPS_PER_SOCKET = 5;

/** Whether a WebSocket upgrade may go ahead; a refusal is answered with an HTTP status before any socket exists. */
export type Admission = { ok: true } | { ok: false; status: number; reason: string };

/** What happens to one well-formed frame: relay it, drop it, or close the socket (policy violation). */
export type FrameVerdict = 'pass' | 'drop' | 'close';

/** A client socket as a policy sees it (stable per socket, so a policy can key its own state on it). */
export interface SocketInfo {
  /** The `id` the client asked to register, if any. */
  readonly id: string | null;
  readonly remoteAddress: string | undefined;
}

/** Decides who may open a socket and which frames reach PeerServer. */
export interface SocketPolicy {
  admit(request: IncomingMessage): Admission;
  inspect(frame: ClientFrame, socket: SocketInfo): FrameVerdict;
}

/** Admits every upgrade and passes every well-formed frame (issue 2's behaviour; issue 3 replaces it). */
export const openPolicy: SocketPolicy = {
  admit: () => ({ ok: true }),
  inspect: () => 'pass',
};

/** What the guarded server needs. */
export interface SocketServerDeps {
  log: Logger;
  policy: SocketPolicy;
}

/** Build the WebSocket server for PeerServer's `createWebSocketServer` option. */
export function createGuardedSocketServer(options: ServerOptions, deps: SocketServerDeps): WebSocketServer {
  const { log, policy } = deps;
  const wss = new WebSocketServer({
    ...options,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    WebSocket: guardedSocketClass(deps),
    verifyClient: (info, done) => {
      const admission = safely(log, 'admit', () => policy.admit(info.req), { ok: false, status: 500, reason: 'Internal Server Error' });
      if (admission.ok) return done(true);
      log.warn('refused a WebSocket upgrade', { status: admission.status, reason: admission.reason, remote: info.req.socket.remoteAddress });
      done(false, admission.status, admission.reason);
    },
  });
  // Registered before PeerServer's own listener, so every socket is labelled and guarded before it is used.
  wss.on('connection', (socket, request) => {
    const id = safely(log, 'label', () => new URL(request.url ?? '/', 'https://pawcam.invalid').searchParams.get('id'), null);
    if (socket instanceof GuardedSocketBase) socket.info = { id, remoteAddress: request.socket.remoteAddress };
    socket.on('error', (error) => log.debug('socket error', { id, error: error.message }));
  });
  wss.on('error', (error) => log.warn('WebSocket server error', { error: error.message }));
  return wss;
}

/** The label slot the connection listener fills in; a base class so `instanceof` works across deps. */
class GuardedSocketBase extends WebSocket {
  info: SocketInfo = { id: null, remoteAddress: undefined };
}

/**
 * A WebSocket whose 'message' events pass the frame check first. ws offers no hook in front of other listeners,
 * and PeerServer's listener trusts whatever it gets (`JSON.parse`, then sets `src`), so the check sits in `emit`.
 */
function guardedSocketClass({ log, policy }: SocketServerDeps): typeof GuardedSocketBase {
  return class GuardedSocket extends GuardedSocketBase {
    #dropped = 0;

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'message') return super.emit(event, ...args);
      const frame = parseClientFrame(args[0], args[1] === true);
      if (!frame.ok) return this.#drop(frame.error);
      const verdict = safely<FrameVerdict>(log, 'inspect', () => policy.inspect(frame.value, this.info), 'drop');
      if (verdict === 'drop') return this.#drop('refused by policy');
      if (verdict === 'close') {
        log.warn('closing a socket for a policy violation', { id: this.info.id });
        this.close(1008, 'policy violation');
        return false;
      }
      // Hand PeerServer the checked frame re-serialised, so nothing unchecked (extra fields, odd encodings) reaches it.
      return super.emit('message', Buffer.from(JSON.stringify(frame.value)), false);
    }

    #drop(reason: string): boolean {
      this.#dropped++;
      if (this.#dropped <= LOGGED_DROPS_PER_SOCKET) log.warn('dropped a malformed frame', { id: this.info.id, reason });
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
