/**
 * The camera's rules for pairing attempts: each invitation — a link or a typed code — is tried once,
 * right or wrong, even across reloads, and after MAX_FAILED_CODE_ATTEMPTS failed typed codes in a row, typed codes
 * pause until the owner allows them again on this page. With CPace every attempt is one online guess; these rules
 * keep the guesses few and visible.
 */
import * as v from 'valibot';
import { toBase64Url, transcript } from '../../../protocol/crypto.ts';
import { createLogger } from '../../../protocol/log.ts';
import { INVITATION_TTL_MS, isShortCodeInvitation, type Invitation } from '../../../protocol/pairing.ts';
import { parseWith } from '../../../protocol/schema.ts';
import type { PairingFailure } from './pairing-text.ts';

const log = createLogger('pair-attempts');

/** Failed typed-code attempts in a row after which typed codes pause. */
export const MAX_FAILED_CODE_ATTEMPTS = 3;

/** localStorage key of the attempt ledger. */
export const ATTEMPTS_STORAGE_KEY = 'pawcam.pair-attempts.v1';

/** Most tried invitations remembered (they age out once expired anyway). */
const MAX_TRIED = 64;

const LedgerSchema = v.object({
  tried: v.pipe(v.array(v.tuple([v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)), v.pipe(v.number(), v.safeInteger())])), v.maxLength(MAX_TRIED)),
  failedCodes: v.pipe(v.number(), v.integer(), v.minValue(0)),
  paused: v.boolean(),
});
type Ledger = v.InferOutput<typeof LedgerSchema>;

/** Why an attempt is not made. */
export type AttemptRefusal = Extract<PairingFailure, 'tried' | 'codes-paused'>;

/** The failures that mean the other side did not share the secret (a wrong code, or someone guessing). */
const WRONG_SECRET: ReadonlySet<PairingFailure> = new Set<PairingFailure>(['bad-accept', 'invalid']);

/** The attempt ledger over localStorage (null: memory only). */
export class PairAttempts {
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  readonly #now: () => number;
  #ledger: Ledger;

  constructor(storage: Pick<Storage, 'getItem' | 'setItem'> | null, now: () => number = Date.now) {
    this.#storage = storage;
    this.#now = now;
    this.#ledger = this.#load();
  }

  /** Typed codes are paused until the owner allows them again. */
  get codesPaused(): boolean {
    return this.#ledger.paused;
  }

  /** Claim `invitation` for its one attempt; a refusal when it was tried before or typed codes are paused. */
  async claim(invitation: Invitation): Promise<AttemptRefusal | null> {
    if (isShortCodeInvitation(invitation) && this.#ledger.paused) return 'codes-paused';
    const tag = await tagOf(invitation);
    const now = this.#now();
    const tried = this.#ledger.tried.filter(([, until]) => until > now);
    if (tried.some(([t]) => t === tag)) {
      log.warn('refused to try a pairing invitation a second time');
      return 'tried';
    }
    // Remembered as long as either side could still take it.
    tried.push([tag, Math.max(invitation.expiresAt, now + INVITATION_TTL_MS)]);
    this.#ledger = { ...this.#ledger, tried: tried.slice(-MAX_TRIED) };
    this.#save();
    return null;
  }

  /** Record how a claimed attempt ended. */
  record(invitation: Invitation, outcome: { ok: true } | { ok: false; failure: PairingFailure }): void {
    if (!isShortCodeInvitation(invitation)) return;
    if (outcome.ok) {
      this.#ledger = { ...this.#ledger, failedCodes: 0 };
    } else if (WRONG_SECRET.has(outcome.failure)) {
      const failedCodes = this.#ledger.failedCodes + 1;
      const paused = failedCodes >= MAX_FAILED_CODE_ATTEMPTS;
      if (paused && !this.#ledger.paused) log.warn('typed-code pairing paused after failed attempts', { failedCodes });
      this.#ledger = { ...this.#ledger, failedCodes, paused: this.#ledger.paused || paused };
    }
    this.#save();
  }

  /** The owner allows typed codes again. */
  resume(): void {
    log.info('typed-code pairing resumed on the phone');
    this.#ledger = { ...this.#ledger, failedCodes: 0, paused: false };
    this.#save();
  }

  #load(): Ledger {
    const empty: Ledger = { tried: [], failedCodes: 0, paused: false };
    let text: string | null = null;
    try {
      text = this.#storage?.getItem(ATTEMPTS_STORAGE_KEY) ?? null;
    } catch {
      return empty;
    }
    if (text === null) return empty;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return empty;
    }
    // Storage is shared with anything on this origin: parsed like any other untrusted input.
    const parsed = parseWith(LedgerSchema, json);
    return parsed.ok ? parsed.value : empty;
  }

  #save(): void {
    try {
      this.#storage?.setItem(ATTEMPTS_STORAGE_KEY, JSON.stringify(this.#ledger));
    } catch (error) {
      log.warn('could not keep the pairing-attempt ledger', { error: String(error) });
    }
  }
}

/** A non-reversible tag of an invitation (16 bytes of SHA-256), so the ledger holds no secret. */
async function tagOf(invitation: Invitation): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', transcript('pawcam-attempt-v1', invitation.rendezvousId, invitation.secret));
  return toBase64Url(new Uint8Array(digest).slice(0, 16));
}
