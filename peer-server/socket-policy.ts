/**
 * The server's socket policy (its hardening against strangers): who may open a relay socket (origin, per-host connection cap,
 * well-formed key/ID/token, the ID's bound token) and what an open socket may send (a message rate, bounded queues
 * for absent peers). Every refusal is logged, throttled so a flood cannot flood the log.
 */
import type { IncomingMessage } from 'node:http';
import { isPeerId } from '../protocol/ids.ts';
import type { Logger } from '../protocol/log.ts';
import { PEER_KEY } from '../protocol/peer-options.ts';
import type { ClientFrame } from './frames.ts';
import { DEFAULT_QUEUE_LIMITS, OfflineQueueGuard, type QueueLimits } from './offline-queue.ts';
import { clientAddress, originAllowed } from './origin.ts';
import { REFUSAL } from '../protocol/server-messages.ts';
import { KeyedLimiter, TokenBucket, limitKey, throttledLogger, type BucketRate } from './rate-limit.ts';
import { TOKEN_PATTERN, type Registrations } from './registrations.ts';
import type { Admission, FrameVerdict, SocketInfo, SocketPolicy } from './ws-server.ts';

/** Abuse limits of the relay. */
export interface RelayLimits {
  /** Messages per socket: sustained rate and burst (default 50/s, 200). Trickle ICE sends a few dozen at once. */
  messages: BucketRate;
  /** Open sockets per client address (an IPv6 /64 counts as one address; default 200). */
  connectionsPerAddress: number;
  /** New IDs bound per client address (default a burst of 100, then one every 10 s). */
  newIdsPerAddress: BucketRate;
  /** Caps on what PeerServer holds for absent peers. */
  queues: QueueLimits;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  messages: { burst: 200, perSecond: 50 },
  connectionsPerAddress: 200,
  newIdsPerAddress: { burst: 100, perSecond: 0.1 },
  queues: DEFAULT_QUEUE_LIMITS,
};

/** What the policy needs. */
export interface ServerPolicyDeps {
  log: Logger;
  registrations: Registrations;
  /** Is `id` connected right now? */
  isOnline: (id: string) => boolean;
  allowedOrigins: ReadonlySet<string>;
  trustProxy: boolean;
  limits: RelayLimits;
  /**
   * Open server (`--open`): the first registration of an ID binds it. Closed (default): only IDs bound through
   * enrollment may register, and every refusal reads the same, so nobody learns whether an ID exists.
   */
  open: boolean;
  /** The longest PeerServer may hold a message for an absent peer (see OfflineQueueGuard). */
  queueHoldMs: number;
  now?: () => number;
}

/** The policy, plus what the server tells it about registrations. */
export interface ServerPolicy extends SocketPolicy {
  /** PeerServer registered `id` (and handed it any queued messages). */
  peerConnected(id: string): void;
}

const RELAYED = new Set<ClientFrame['type']>(['OFFER', 'ANSWER', 'CANDIDATE']);

/** Build the policy. */
export function createServerPolicy(deps: ServerPolicyDeps): ServerPolicy {
  const { registrations, limits } = deps;
  const log = throttledLogger(deps.log);
  const now = deps.now ?? Date.now;
  const connections = new Map<string, number>();
  const newIds = new KeyedLimiter(limits.newIdsPerAddress);
  const buckets = new WeakMap<SocketInfo, TokenBucket>();
  const queues = new OfflineQueueGuard(limits.queues, deps.queueHoldMs);

  const refuse = (status: number, reason: string, details?: Record<string, unknown>): Admission => ({ ok: false, status, reason, details });
  const tell = (type: 'ID-TAKEN' | 'ERROR', msg: string, details?: Record<string, unknown>): Admission => ({
    ok: false,
    status: type === 'ID-TAKEN' ? 403 : 400,
    reason: msg,
    peerMessage: { type, msg },
    details,
  });

  function admit(request: IncomingMessage): Admission {
    // Another web page must not open sockets from its visitors' browsers (registering IDs, probing cameras).
    if (!originAllowed(request, deps.allowedOrigins, deps.trustProxy)) return refuse(403, 'Forbidden', { why: 'origin not allowed', origin: String(request.headers.origin).slice(0, 200) });
    const address = limitKey(clientAddress(request, deps.trustProxy));
    if ((connections.get(address) ?? 0) >= limits.connectionsPerAddress) return refuse(429, 'Too Many Connections', { why: 'connections per address' });

    const query = new URL(request.url ?? '/', 'https://pawcam.invalid').searchParams;
    const id = query.get('id') ?? '';
    const token = query.get('token') ?? '';
    if (query.get('key') !== PEER_KEY) return tell('ERROR', 'Invalid key provided');
    if (!isPeerId(id)) return tell('ERROR', 'Invalid ID');
    if (!TOKEN_PATTERN.test(token)) return tell('ERROR', 'Invalid token: use at least 32 hex digits', { id });

    const claim = registrations.claim(id, token, now(), () => newIds.take(address, now()), deps.open);
    // A closed server gives one answer for "nobody enrolled this ID" and "someone else holds it": a stranger learns
    // neither which IDs exist nor whether their owners are online.
    if (!deps.open && (claim === 'taken' || claim === 'unbound')) return tell('ERROR', REFUSAL.notEnrolled, { id, why: claim === 'taken' ? 'ID bound to another token' : 'ID not enrolled' });
    switch (claim) {
      case 'bound':
        log.info('bound a new ID to its token', { id, registrations: registrations.size });
        return { ok: true };
      case 'owner':
        return { ok: true };
      case 'taken':
        // Whether or not the owner is connected: this is what stops a camera's ID being taken while it is away.
        return tell('ID-TAKEN', 'ID is taken', { id, why: 'ID bound to another token' });
      case 'limited':
        return refuse(429, 'Too Many New IDs', { id, why: 'new IDs per address' });
      case 'unbound':
        // Open server: a sub-ID whose base nobody holds.
        return tell('ERROR', REFUSAL.notEnrolled, { id, why: 'sub-ID of an unbound ID' });
      case 'full':
        log.error('registration table is full; refusing new IDs', { id, registrations: registrations.size });
        return tell('ERROR', 'Server has reached its registration limit', { id });
    }
  }

  function inspect(frame: ClientFrame, socket: SocketInfo): FrameVerdict {
    const at = now();
    let bucket = buckets.get(socket);
    if (!bucket) buckets.set(socket, (bucket = new TokenBucket(limits.messages, at)));
    if (!bucket.take(at)) {
      log.warn('message rate exceeded; closing the socket', { id: socket.id, remote: socket.remoteAddress });
      return 'close';
    }
    if (RELAYED.has(frame.type) && 'dst' in frame && !deps.isOnline(frame.dst)) {
      const refusal = queues.admit(frame.dst, at);
      if (refusal) {
        log.warn('queue for an absent peer is full; dropping', { why: refusal, src: socket.id, dst: frame.dst });
        return 'drop';
      }
    }
    return 'pass';
  }

  return {
    admit,
    inspect,
    opened(socket) {
      const address = limitKey(socket.remoteAddress ?? 'unknown');
      connections.set(address, (connections.get(address) ?? 0) + 1);
    },
    closed(socket) {
      const address = limitKey(socket.remoteAddress ?? 'unknown');
      const left = (connections.get(address) ?? 1) - 1;
      if (left > 0) connections.set(address, left);
      else connections.delete(address);
      if (socket.id) registrations.touch(socket.id, now());
    },
    peerConnected(id) {
      queues.delivered(id);
    },
  };
}
