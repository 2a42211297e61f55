/**
 * The viewer's half of pairing: it makes invitations (a QR/link, or a short typed code), waits for a camera's
 * `pair-request`, answers it, and keeps the camera once the camera's key confirmation verifies. Invitations live in
 * memory only: each is good for one attempt — burned by the first request, right or wrong, since with CPace a wrong
 * secret shows only at the end — and expires. One link is open at a time. Requests for a link arrive on the viewer's
 * own transport; a short code names a temporary rendezvous ID that the viewer registers while the code is shown.
 * After MAX_FAILED_CODE_ATTEMPTS failed code attempts in a row, typed codes pause until the owner resumes them.
 */
import type { Envelope } from '../../../../protocol/envelope.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { isCameraId, newRegistrationToken } from '../../../../protocol/ids.ts';
import { createLogger } from '../../../../protocol/log.ts';
import {
  newLinkInvitation,
  newShortCode,
  viewerAcceptPairing,
  SHORT_CODE_SECRET_BITS,
  type Invitation,
  type PairDone,
  type PairRequest,
} from '../../../../protocol/pairing.ts';
import type { SignalTransport, TransportState } from '../../../../protocol/transport.ts';
import { PAIRING_MESSAGES } from '../messages.ts';
import { realTimers, type Timers } from '../../../../protocol/timers.ts';

const log = createLogger('pairing-host');

/** How long the camera may take to confirm after our accept. */
export const CONFIRM_TIMEOUT_MS = 20_000;
/** Past invitations kept (with their secrets) to tell a late request "expired" or "used" rather than "invalid". */
const MAX_PAST = 8;
/** How long after its expiry a past invitation is still recognised. */
const PAST_KEEP_MS = 30 * 60_000;
/** Failed short-code attempts in a row after which typed codes pause until the owner resumes them. */
export const MAX_FAILED_CODE_ATTEMPTS = 3;
/** localStorage key of the test-only short-code strength (adversary tests; see newShortCode). */
export const TEST_CODE_BITS_KEY = 'pawcam.test.shortCodeSecretBits';

/** Where a ticket (one invitation on screen) is. */
export type PairingStatus =
  /** A code's rendezvous ID is being registered with the server. */
  | { readonly phase: 'preparing' }
  /** Waiting for the phone. */
  | { readonly phase: 'waiting' }
  /** A camera's request verified; waiting for its confirmation. */
  | { readonly phase: 'pairing'; readonly cameraName: string }
  | { readonly phase: 'paired'; readonly cameraId: string; readonly cameraName: string; readonly replaced: boolean }
  | { readonly phase: 'failed'; readonly code: 'pairing-failed' | 'pairing-expired' | 'pairing-paused'; readonly message: string };

/** One invitation as the pairing panel shows it. */
export interface PairingTicket {
  readonly id: number;
  readonly kind: 'link' | 'code';
  readonly invitation: Invitation;
  /** The text to type on the phone, for a code. */
  readonly code: string | null;
  readonly status: PairingStatus;
}

/** A temporary transport registered under a short code's rendezvous ID. */
export type RendezvousTransport = SignalTransport & { start(): void };

/** What the host needs from the viewer. */
export interface PairingHostOptions {
  /** The viewer's own transport: link invitations are answered there. */
  transport: SignalTransport;
  /** The viewer's (base) ID, which the pairing binds. */
  viewerId: string;
  /** The name the camera will know this viewer by. */
  viewerName: () => string;
  /** Register `id` with `token` as a temporary rendezvous (short codes). */
  openRendezvous: (id: string, token: string) => RendezvousTransport;
  /** Keep a verified pairing: the camera's key (wiped by the callee) and entry. Throws when it cannot. */
  adopt: (cameraId: string, cameraName: string, key: Uint8Array<ArrayBuffer>) => Promise<{ replaced: boolean }>;
  /** Whether one more camera fits (a camera already in the list always does). */
  canAdopt: (cameraId: string) => boolean;
  timers?: Timers;
  confirmTimeoutMs?: number;
  /** TEST ONLY: bits of secret in short codes (default: the full 40; localStorage TEST_CODE_BITS_KEY sets it in e2e). */
  shortCodeSecretBits?: number;
}

/** Events of PairingHost. */
export type PairingHostEvents = {
  /** A ticket's status changed. */
  change: (ticket: PairingTicket) => void;
  /** Typed codes were paused (too many failed attempts) or resumed. */
  'codes-paused': (paused: boolean) => void;
};

interface Pending {
  readonly id: number;
  readonly kind: 'link' | 'code';
  readonly invitation: Invitation;
  readonly code: string | null;
  /** open: usable; used: burned by a verified request; closed: expired or withdrawn. */
  state: 'open' | 'used' | 'closed';
  status: PairingStatus;
  rendezvous: RendezvousTransport | null;
  unsubscribe: (() => void)[];
  timer: unknown;
}

/** Pairing invitations and the answers to cameras that use them. */
export class PairingHost extends TypedEmitter<PairingHostEvents> {
  readonly #options: PairingHostOptions;
  readonly #timers: Timers;
  readonly #pending = new Map<number, Pending>();
  readonly #inflight = new Set<Promise<void>>();
  #unsubscribe: (() => void) | null = null;
  #nextId = 1;
  #failedCodeAttempts = 0;
  #codesPaused = false;

  constructor(options: PairingHostOptions) {
    super();
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** Listen for requests on the viewer's transport. */
  start(): void {
    this.#unsubscribe ??= this.#options.transport.on('message', (from, envelope) => this.#onMessage(this.#options.transport, from, envelope));
  }

  /** Withdraw every invitation and stop listening. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const pending of this.#pending.values()) this.#close(pending);
  }

  /** A ticket's current state (undefined once forgotten). */
  ticket(id: number): PairingTicket | undefined {
    const pending = this.#pending.get(id);
    return pending ? view(pending) : undefined;
  }

  /** Whether typed codes are paused after MAX_FAILED_CODE_ATTEMPTS failed attempts in a row. */
  get codesPaused(): boolean {
    return this.#codesPaused;
  }

  /** The owner allows typed codes again. */
  resumeCodes(): void {
    if (!this.#codesPaused) return;
    log.info('typed-code pairing resumed by the owner');
    this.#codesPaused = false;
    this.#failedCodeAttempts = 0;
    this.emit('codes-paused', false);
  }

  /**
   * A new link invitation: the camera sends its request to this viewer's ID. Any other open link is withdrawn: a
   * request cannot say which link it is for (it carries no MAC), so only one may be open.
   */
  createLink(): PairingTicket {
    for (const pending of this.#pending.values()) {
      if (pending.kind === 'link' && pending.state === 'open') this.#close(pending);
    }
    const invitation = newLinkInvitation(this.#options.viewerId, this.#timers.now());
    return view(this.#add('link', invitation, null, { phase: 'waiting' }));
  }

  /** A new short code: a temporary rendezvous ID is registered while it is shown. While paused, a failed ticket. */
  createCode(): PairingTicket {
    if (this.#codesPaused) {
      const paused = this.#add('code', newShortCode(this.#timers.now()).invitation, null, PAUSED_STATUS);
      this.#close(paused);
      return view(paused);
    }
    const { code, invitation } = newShortCode(this.#timers.now(), { secretBits: this.#options.shortCodeSecretBits ?? testCodeBits() });
    const pending = this.#add('code', invitation, code, { phase: 'preparing' });
    const rendezvous = this.#options.openRendezvous(invitation.rendezvousId, newRegistrationToken());
    pending.rendezvous = rendezvous;
    pending.unsubscribe.push(
      rendezvous.on('message', (from, envelope) => this.#onMessage(rendezvous, from, envelope)),
      rendezvous.on('state', (state) => this.#onRendezvousState(pending, state)),
    );
    rendezvous.start();
    return view(pending);
  }

  /** The panel no longer shows this ticket: withdraw it (a pairing already under way still finishes). */
  withdraw(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending || pending.status.phase === 'pairing') return;
    this.#close(pending);
  }

  /** Resolves once every request being handled has been (for tests). */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #add(kind: 'link' | 'code', invitation: Invitation, code: string | null, status: PairingStatus): Pending {
    this.#prune();
    const pending: Pending = { id: this.#nextId++, kind, invitation, code, state: 'open', status, rendezvous: null, unsubscribe: [], timer: null };
    this.#pending.set(pending.id, pending);
    pending.timer = this.#timers.setTimeout(() => this.#expire(pending), Math.max(0, invitation.expiresAt - this.#timers.now()));
    return pending;
  }

  #expire(pending: Pending): void {
    pending.timer = null;
    if (pending.state !== 'open') return;
    log.info('pairing invitation expired', { kind: pending.kind });
    this.#close(pending);
    this.#setStatus(pending, { phase: 'failed', code: 'pairing-expired', message: `This ${pending.kind === 'code' ? 'code' : 'link'} has expired. Make a new one.` });
  }

  #onRendezvousState(pending: Pending, state: TransportState): void {
    if (pending.state !== 'open') return;
    if (state === 'open' && pending.status.phase === 'preparing') this.#setStatus(pending, { phase: 'waiting' });
    if (state === 'id-taken') {
      this.#close(pending);
      this.#setStatus(pending, { phase: 'failed', code: 'pairing-failed', message: PAIRING_MESSAGES.codeNotReserved });
    }
  }

  #onMessage(via: SignalTransport, from: string, envelope: Envelope): void {
    if (envelope.kind !== 'pair-request') return;
    const { v: _v, ...request } = envelope;
    const work = this.#onRequest(via, from, request).catch((error: unknown) => log.error('handling a pairing request failed', { error: String(error) }));
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  async #onRequest(via: SignalTransport, from: string, request: PairRequest): Promise<void> {
    // Trust boundary: anyone who can reach this ID can send a request, and nothing in it can be checked against the
    // secret (CPace). So the first request for an open invitation burns it, right or wrong: one guess per
    // invitation, and a wrong one shows as a failure (and counts toward the typed-code pause).
    const candidates = [...this.#pending.values()].filter((p) => p.invitation.rendezvousId === via.id).sort((a, b) => b.id - a.id);
    if (candidates.length === 0) {
      log.debug('ignored a pairing request: no invitation out', { from });
      return;
    }
    const pending = candidates.find((p) => p.state === 'open');
    if (!pending) {
      // Nothing is open: an old link (used, or expired or withdrawn, perhaps before this page was reloaded).
      const reason = candidates[0]!.state === 'used' && candidates[0]!.invitation.expiresAt >= this.#timers.now() ? 'used' : 'expired';
      log.info('refused a pairing request for no open invitation', { from, reason });
      via.send(from, { v: 1, kind: 'pair-error', reason });
      return;
    }
    if (pending.invitation.expiresAt < this.#timers.now()) {
      log.info('refused a pairing request for an expired invitation', { from });
      via.send(from, { v: 1, kind: 'pair-error', reason: 'expired' });
      this.#expire(pending);
      return;
    }
    pending.state = 'used';
    this.#timers.clearTimeout(pending.timer);
    pending.timer = null;
    let accepted: Awaited<ReturnType<typeof viewerAcceptPairing>> = null;
    try {
      accepted = await viewerAcceptPairing(pending.invitation, request, from, this.#options.viewerId, this.#options.viewerName());
    } catch (error) {
      log.debug('answering a pairing request threw', { error: String(error) });
    }
    if (!accepted) {
      log.warn('refused a malformed pairing request', { from });
      via.send(from, { v: 1, kind: 'pair-error', reason: 'invalid' });
      this.#attemptFailed(pending, 'A pairing request that was not valid used up this ' + noun(pending) + '. Nothing was saved. Make a new one.');
      this.#close(pending);
      return;
    }
    await this.#complete(pending, via, from, request, accepted);
  }

  /** A code or link attempt failed: say so, and pause typed codes after too many failed attempts in a row. */
  #attemptFailed(pending: Pending, message: string): void {
    if (pending.kind !== 'code') {
      this.#setStatus(pending, { phase: 'failed', code: 'pairing-failed', message });
      return;
    }
    this.#failedCodeAttempts++;
    if (this.#failedCodeAttempts >= MAX_FAILED_CODE_ATTEMPTS && !this.#codesPaused) {
      log.warn('typed-code pairing paused after failed attempts', { failed: this.#failedCodeAttempts });
      this.#codesPaused = true;
      this.emit('codes-paused', true);
    }
    this.#setStatus(pending, this.#codesPaused ? PAUSED_STATUS : { phase: 'failed', code: 'pairing-failed', message });
  }

  async #complete(
    pending: Pending,
    via: SignalTransport,
    from: string,
    request: PairRequest,
    accepted: NonNullable<Awaited<ReturnType<typeof viewerAcceptPairing>>>,
  ): Promise<void> {
    const key = accepted.pairing.key;
    const fail = (message: string): void => this.#attemptFailed(pending, message);
    try {
      if (!isCameraId(from)) {
        via.send(from, { v: 1, kind: 'pair-error', reason: 'invalid' });
        fail(PAIRING_MESSAGES.notACamera);
        return;
      }
      if (!this.#options.canAdopt(from)) {
        via.send(from, { v: 1, kind: 'pair-error', reason: 'invalid' });
        fail(PAIRING_MESSAGES.listFull);
        return;
      }
      this.#setStatus(pending, { phase: 'pairing', cameraName: request.name });
      const done = await this.#waitDone(via, from, () => via.send(from, { v: 1, ...accepted.accept }));
      if (done === 'refused') {
        fail(
          pending.kind === 'code'
            ? PAIRING_MESSAGES.codeMismatch
            : PAIRING_MESSAGES.replyNotVerified,
        );
        return;
      }
      if (done === 'timeout' || done === 'gone') {
        fail(PAIRING_MESSAGES.timeout);
        return;
      }
      if (!(await accepted.confirmDone(done))) {
        log.warn('a camera’s pairing confirmation did not verify', { from });
        fail(PAIRING_MESSAGES.confirmationNotVerified);
        return;
      }
      let replaced: boolean;
      try {
        ({ replaced } = await this.#options.adopt(from, request.name, key));
      } catch (error) {
        log.error('could not keep a new pairing', { error: String(error) });
        fail(PAIRING_MESSAGES.notSaved);
        return;
      }
      log.info('paired with a camera', { cameraId: from, replaced });
      if (pending.kind === 'code') this.#failedCodeAttempts = 0;
      this.#setStatus(pending, { phase: 'paired', cameraId: from, cameraName: request.name, replaced });
    } finally {
      key.fill(0);
      this.#close(pending);
    }
  }

  #waitDone(via: SignalTransport, from: string, send: () => void): Promise<PairDone | 'refused' | 'timeout' | 'gone'> {
    return new Promise((resolve) => {
      let settled = false;
      const offMessage = via.on('message', (sender, envelope) => {
        if (sender !== from) return;
        if (envelope.kind === 'pair-done') {
          const { v: _v, ...done } = envelope;
          settle(done);
        } else if (envelope.kind === 'pair-error') {
          settle('refused');
        }
      });
      const offExpire = via.on('expire', (peerId) => {
        if (peerId === from) settle('gone');
      });
      const timer = this.#timers.setTimeout(() => settle('timeout'), this.#options.confirmTimeoutMs ?? CONFIRM_TIMEOUT_MS);
      function settle(result: PairDone | 'refused' | 'timeout' | 'gone'): void {
        if (settled) return;
        settled = true;
        offMessage();
        offExpire();
        clearTimer();
        resolve(result);
      }
      const clearTimer = (): void => this.#timers.clearTimeout(timer);
      send();
    });
  }

  /** No longer usable: timers, listeners and any rendezvous transport go (the secret stays, to recognise late requests). */
  #close(pending: Pending): void {
    if (pending.state === 'open') pending.state = 'closed';
    this.#timers.clearTimeout(pending.timer);
    pending.timer = null;
    for (const off of pending.unsubscribe.splice(0)) off();
    const rendezvous = pending.rendezvous;
    pending.rendezvous = null;
    rendezvous?.close();
  }

  /** Forget old invitations, wiping their secrets. */
  #prune(): void {
    const now = this.#timers.now();
    const past = [...this.#pending.values()].filter((p) => p.state !== 'open' && p.status.phase !== 'pairing');
    const drop = past.filter((p, i) => now > p.invitation.expiresAt + PAST_KEEP_MS || i < past.length - MAX_PAST);
    for (const pending of drop) {
      pending.invitation.secret.fill(0);
      this.#pending.delete(pending.id);
    }
  }

  #setStatus(pending: Pending, status: PairingStatus): void {
    pending.status = status;
    this.emit('change', view(pending));
  }
}

const PAUSED_STATUS: PairingStatus = {
  phase: 'failed',
  code: 'pairing-paused',
  message: `Typed codes are paused: ${MAX_FAILED_CODE_ATTEMPTS} attempts in a row failed, so someone may be guessing. Use the QR code, or allow typed codes again.`,
};

function noun(pending: Pending): string {
  return pending.kind === 'code' ? 'code' : 'link';
}

/** TEST ONLY: the short-code strength an adversary e2e test asked for (undefined: the full strength). */
function testCodeBits(): number | undefined {
  let value: string | null = null;
  try {
    value = globalThis.localStorage?.getItem(TEST_CODE_BITS_KEY) ?? null;
  } catch {
    return undefined;
  }
  const bits = value === null ? NaN : Number(value);
  if (!Number.isInteger(bits) || bits < 16 || bits >= SHORT_CODE_SECRET_BITS) return undefined;
  log.warn('TEST ONLY: short codes are weakened', { bits });
  return bits;
}

function view(pending: Pending): PairingTicket {
  return { id: pending.id, kind: pending.kind, invitation: pending.invitation, code: pending.code, status: pending.status };
}
