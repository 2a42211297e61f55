/**
 * The signed half of a dial: our offer carries a MAC made with the pair key, and nothing the camera sends reaches
 * simple-peer until the camera's answer verifies against that offer. Pure bookkeeping around protocol/auth.ts, so
 * the session can stay about connection state.
 */
import { signOffer, verifyAnswer, type AuthFailure } from '../../../../protocol/auth.ts';
import type { PeerSignal, SignalEnvelope } from '../../../../protocol/envelope.ts';

/** Most remote signals held while the answer is being checked (a browser trickles a dozen candidates at most). */
export const MAX_HELD_SIGNALS = 64;

/** Who is dialling whom, in which session: every MAC covers these. */
export interface DialContext {
  key: CryptoKey;
  viewerId: string;
  cameraId: string;
  sid: string;
  now: () => number;
}

/** What to do with one of the camera's signals. */
export type Admission =
  /** Hand these to simple-peer, in order (the answer and what waited for it, or a later candidate). */
  | { kind: 'apply'; signals: PeerSignal[] }
  /** Held until the answer verifies, or dropped because too many wait. */
  | { kind: 'held' | 'dropped' }
  /** The answer did not verify: the session must be refused. */
  | { kind: 'refused'; failure: AuthFailure };

/** Signs our offers and admits the camera's signals once its answer verifies. */
export class SignedDial {
  readonly #c: DialContext;
  /** Nonce of our latest signed offer; the answer's MAC is bound to it. */
  #offerNonce: string | null = null;
  #answerVerified = false;
  #held: PeerSignal[] = [];

  constructor(context: DialContext) {
    this.#c = context;
  }

  /**
   * The envelope for an outgoing signal; an offer is signed (and carries the relay-only and standby-link flags the
   * MAC covers).
   */
  async seal(signal: PeerSignal, relayOnly: boolean, standbyLink = false): Promise<SignalEnvelope> {
    const envelope: SignalEnvelope = { v: 1, kind: 'signal', sid: this.#c.sid, signal };
    if (signal.type !== 'offer') return envelope;
    // "Always relay" is part of the signed offer: the camera then answers relay-only too, so neither side's address
    // reaches the other, and a server cannot strip the flag without breaking the MAC.
    const { key, viewerId, cameraId, sid } = this.#c;
    const flags = { ...(relayOnly ? { relayOnly: true } : {}), ...(standbyLink ? { standbyLink: true } : {}) };
    const auth = await signOffer(key, { viewerId, cameraId, sid, sdp: signal.sdp, ...flags }, this.#c.now());
    if (relayOnly) envelope.relay = true;
    if (standbyLink) envelope.standbyLink = true;
    this.#offerNonce = auth.nonce;
    envelope.auth = auth;
    return envelope;
  }

  /**
   * Admit one of the camera's signals (already known to be from this camera and session). `stillWanted` is asked
   * after the answer's MAC check, which is async: a session that ended meanwhile gets nothing applied.
   */
  async admit(envelope: SignalEnvelope): Promise<Admission> {
    const signal = envelope.signal;
    if (signal.type !== 'answer') {
      if (this.#answerVerified) return { kind: 'apply', signals: [signal] };
      if (this.#held.length >= MAX_HELD_SIGNALS) return { kind: 'dropped' };
      this.#held.push(signal);
      return { kind: 'held' };
    }
    // Trust boundary: only an answer MACed with the pair key, over this SDP and bound to our offer's nonce, may reach
    // simple-peer. Anything else would let whoever relays it choose the DTLS fingerprint we connect to.
    const offerNonce = this.#offerNonce;
    const auth = envelope.auth;
    let failure: AuthFailure | null = 'bad-mac';
    if (offerNonce && auth) {
      const { key, viewerId, cameraId, sid } = this.#c;
      failure = await verifyAnswer(key, { viewerId, cameraId, sid, sdp: signal.sdp, offerNonce }, auth, this.#c.now());
    }
    if (failure) return { kind: 'refused', failure };
    this.#answerVerified = true;
    return { kind: 'apply', signals: [signal, ...this.#held.splice(0)] };
  }

  /** Forget what is held (the session ended). */
  clear(): void {
    this.#held = [];
  }
}
