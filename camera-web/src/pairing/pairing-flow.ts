/**
 * The camera's half of pairing, over the signaling transport: send the request to the invitation's rendezvous ID,
 * wait (bounded) for that ID's accept or error, check the accept, keep the key, confirm. Only `pair-*` envelopes
 * from the rendezvous ID in progress are listened to; everything else on the transport is someone else's.
 */
import type { Envelope } from '../../../protocol/envelope.ts';
import { createLogger } from '../../../protocol/log.ts';
import { cameraStartPairing, isShortCodeInvitation, type Invitation, type PairAccept, type Pairing } from '../../../protocol/pairing.ts';
import type { Timers } from '../../../protocol/timers.ts';
import type { SignalTransport } from '../../../protocol/transport.ts';
import type { PairingFailure } from './pairing-text.ts';
import { realTimers } from '../../../protocol/timers.ts';

const log = createLogger('pairing-flow');

/** The end of a pairing attempt. */
export type PairingOutcome = { ok: true; viewerId: string; viewerName: string } | { ok: false; failure: PairingFailure };

/** Options of pairWithViewer. */
export interface PairingFlowOptions {
  transport: Pick<SignalTransport, 'on' | 'send' | 'state'>;
  invitation: Invitation;
  cameraId: string;
  cameraName: string;
  /** Keep the pairing (PairedViewers.add); throws when it cannot. The raw key is wiped after this returns. */
  save: (pairing: Pairing) => Promise<void>;
  /** Whether a viewer is paired already: a typed code may not replace its key (a link binds the viewer ID instead). */
  isPaired?: (viewerId: string) => Promise<boolean>;
  timers?: Timers;
  /** How long to wait for the viewer's reply once the request is sent. */
  replyTimeoutMs?: number;
  /** How long to wait for the server registration before giving up. */
  openTimeoutMs?: number;
}


type Reply = { kind: 'accept'; accept: PairAccept } | { kind: 'error'; reason: 'expired' | 'used' | 'invalid' } | { kind: 'timeout' } | { kind: 'unreachable' };

/** Pair with the viewer that made `invitation`. Never throws. */
export async function pairWithViewer(options: PairingFlowOptions): Promise<PairingOutcome> {
  const { transport, invitation, cameraId, cameraName } = options;
  const timers = options.timers ?? realTimers;
  const rendezvousId = invitation.rendezvousId;
  const fail = (failure: PairingFailure, fields: Record<string, unknown> = {}): PairingOutcome => {
    log.warn('pairing failed', { failure, rendezvous: rendezvousId, ...fields });
    return { ok: false, failure };
  };

  // Refused here, before anything is sent: the viewer would refuse it anyway, and the user learns why at once.
  if (invitation.expiresAt < timers.now()) return fail('expired');

  if (transport.state !== 'open' && !(await waitOpen(transport, timers, options.openTimeoutMs ?? 30_000))) return fail('no-server');
  if (invitation.expiresAt < timers.now()) return fail('expired');

  let started: Awaited<ReturnType<typeof cameraStartPairing>>;
  try {
    started = await cameraStartPairing(invitation, cameraId, cameraName);
  } catch (error) {
    return fail('internal', { error: String(error) });
  }

  const reply = await waitReply(transport, rendezvousId, timers, options.replyTimeoutMs ?? 20_000, () =>
    transport.send(rendezvousId, { v: 1, ...started.request }),
  );
  switch (reply.kind) {
    case 'timeout':
      return fail('timeout');
    case 'unreachable':
      return fail('unreachable');
    case 'error':
      return fail(reply.reason);
    case 'accept':
      break;
  }

  let finished: Awaited<ReturnType<typeof started.finish>>;
  try {
    finished = await started.finish(reply.accept);
  } catch (error) {
    finished = null;
    log.debug('finish threw', { error: String(error) });
  }
  if (!finished) {
    // Tell the viewer, so it does not keep a key the camera never took.
    transport.send(rendezvousId, { v: 1, kind: 'pair-error', reason: 'invalid' });
    return fail('bad-accept');
  }
  const { pairing, done } = finished;
  // Trust boundary: a code's rendezvous is not the viewer's own ID, so the accept could name any viewer. A viewer
  // that shows a code must not get the camera to store a key under another paired viewer's ID (and lock it out).
  if (isShortCodeInvitation(invitation) && (await options.isPaired?.(pairing.peerId))) {
    pairing.key.fill(0);
    transport.send(rendezvousId, { v: 1, kind: 'pair-error', reason: 'invalid' });
    return fail('already-paired', { viewer: pairing.peerId });
  }
  try {
    await options.save(pairing);
  } catch (error) {
    transport.send(rendezvousId, { v: 1, kind: 'pair-error', reason: 'invalid' });
    return fail('internal', { error: String(error) });
  } finally {
    pairing.key.fill(0);
  }
  transport.send(rendezvousId, { v: 1, ...done });
  log.info('paired', { viewer: pairing.peerId });
  return { ok: true, viewerId: pairing.peerId, viewerName: pairing.peerName };
}

function waitOpen(transport: Pick<SignalTransport, 'on' | 'state'>, timers: Timers, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const off = transport.on('state', (state) => {
      if (state === 'open') settle(true);
      else if (state === 'id-taken' || state === 'closed') settle(false);
    });
    const timer = timers.setTimeout(() => settle(false), ms);
    function settle(ok: boolean): void {
      off();
      timers.clearTimeout(timer);
      resolve(ok);
    }
  });
}

function waitReply(
  transport: Pick<SignalTransport, 'on'>,
  rendezvousId: string,
  timers: Timers,
  ms: number,
  send: () => void,
): Promise<Reply> {
  return new Promise((resolve) => {
    let done = false;
    const offMessage = transport.on('message', (from: string, envelope: Envelope) => {
      // The server stamps `from`: only the rendezvous peer (or the server itself) can speak for it.
      if (from !== rendezvousId) return;
      if (envelope.kind === 'pair-accept') {
        const { v: _v, ...accept } = envelope;
        settle({ kind: 'accept', accept });
      } else if (envelope.kind === 'pair-error') {
        settle({ kind: 'error', reason: envelope.reason });
      }
    });
    const offExpire = transport.on('expire', (peerId) => {
      if (peerId === rendezvousId) settle({ kind: 'unreachable' });
    });
    const timer = timers.setTimeout(() => settle({ kind: 'timeout' }), ms);
    function settle(reply: Reply): void {
      if (done) return;
      done = true;
      offMessage();
      offExpire();
      timers.clearTimeout(timer);
      resolve(reply);
    }
    send();
  });
}
