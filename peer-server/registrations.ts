/**
 * Registration protection: the first registration of a peer ID binds it to its token, so nobody else can take the ID
 * over, whether the owner is connected or not. (PeerServer alone only compares tokens while the owner is connected,
 * so whoever connects first after a camera drops would get its ID.) Only `sha256(token)` is kept, in
 * `dataDir/registrations.json`, written atomically and at most every few seconds, so bindings survive restarts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { Logger } from '../protocol/log.ts';
import { viewerBaseId } from '../protocol/ids.ts';
import { shortCodeRendezvousId } from '../protocol/pairing.ts';
import { PeerIdSchema } from '../protocol/schema.ts';
import { readStateFile, writePrivate } from './state-file.ts';

/** A registration token: what `newRegistrationToken` makes (128 bits as hex) or longer. */
export const TOKEN_PATTERN = /^[0-9a-fA-F]{32,128}$/;

/** How bindings are kept. */
export interface RegistrationLimits {
  /** A binding unused this long is forgotten (default 90 days). */
  retentionMs: number;
  /** Short-code rendezvous IDs (`pair-…`) live minutes; their bindings are forgotten sooner (default 1 hour). */
  ephemeralRetentionMs: number;
  /** New IDs are refused once this many are bound (default 100,000). */
  maxEntries: number;
  /** Writes are batched this long (default 2 s). */
  writeDelayMs: number;
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = {
  retentionMs: 90 * 24 * 60 * 60 * 1000,
  ephemeralRetentionMs: 60 * 60 * 1000,
  maxEntries: 100_000,
  writeDelayMs: 2000,
};

/**
 * What `claim` decided: a new binding, the owner back, another token's ID, the table full, a new binding that
 * `mayBind` refused (a rate limit), or (closed server) an ID nobody enrolled.
 */
export type ClaimResult = 'bound' | 'owner' | 'taken' | 'full' | 'limited' | 'unbound';

/** A lastSeen this close to the stored one is not worth a write. */
const SEEN_GRANULARITY_MS = 60 * 60 * 1000;
const EPHEMERAL_PREFIX = shortCodeRendezvousId('');

const FileSchema = v.object({
  v: v.literal(1),
  ids: v.record(PeerIdSchema, v.object({ h: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)), seen: v.pipe(v.number(), v.safeInteger()) })),
});

interface Binding {
  hash: Buffer;
  seen: number;
}

/** The bindings of peer IDs to token hashes. */
export class Registrations {
  readonly #byId = new Map<string, Binding>();
  readonly #path: string;
  readonly #limits: RegistrationLimits;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;

  private constructor(path: string, limits: RegistrationLimits, log: Logger) {
    this.#path = path;
    this.#limits = limits;
    this.#log = log;
  }

  /** Load `dataDir/registrations.json` (missing: none yet; damaged: set aside, logged, start empty). */
  static async open(dataDir: string, log: Logger, limits: Partial<RegistrationLimits> = {}, now = Date.now()): Promise<Registrations> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const registrations = new Registrations(join(dataDir, 'registrations.json'), { ...DEFAULT_REGISTRATION_LIMITS, ...limits }, log);
    await registrations.#load(now);
    return registrations;
  }

  get size(): number {
    return this.#byId.size;
  }

  /**
   * May the holder of `token` register `id`? A bound ID is allowed only with the same token ('owner'). An unbound ID
   * is bound to it ('bound') on an open server, unless the table is full or `mayBind` says no ('limited'); a closed
   * server binds IDs only through `bind` (enrollment) and answers 'unbound'. A sub-ID `<base>_<tag>` is never bound
   * itself: it is the base's holder's, so it is allowed with the base's token only (nobody else can pre-register
   * another viewer's `_mini`). Hashes are compared in constant time.
   */
  claim(id: string, token: string, now: number, mayBind: () => boolean = () => true, open = true): ClaimResult {
    const base = viewerBaseId(id);
    if (base !== id) return this.matches(base, token, now) ? 'owner' : this.#byId.has(base) || !open ? 'taken' : 'unbound';
    if (!open && !this.#byId.has(id)) return 'unbound';
    return this.bind(id, token, now, mayBind);
  }

  /** Does `token` hold the live binding of `id`? */
  matches(id: string, token: string, now: number): boolean {
    const binding = this.#byId.get(id);
    if (!binding || this.#expired(id, binding, now)) return false;
    if (!timingSafeEqual(binding.hash, hashToken(token))) return false;
    this.touch(id, now);
    return true;
  }

  /** Bind `id` to `token` (an enrolled device, or a first registration on an open server); see `claim`. */
  bind(id: string, token: string, now: number, mayBind: () => boolean = () => true): ClaimResult {
    const hash = hashToken(token);
    const binding = this.#byId.get(id);
    if (binding && !this.#expired(id, binding, now)) {
      if (!timingSafeEqual(binding.hash, hash)) return 'taken';
      this.touch(id, now);
      return 'owner';
    }
    if (!binding && this.#byId.size >= this.#limits.maxEntries) {
      this.sweep(now);
      if (this.#byId.size >= this.#limits.maxEntries) return 'full';
    }
    if (!mayBind()) return 'limited';
    this.#byId.set(id, { hash, seen: now });
    this.#changed();
    return 'bound';
  }

  /** Record that `id` was in use at `now` (on connect and on disconnect, so a long-connected owner is not forgotten). */
  touch(id: string, now: number): void {
    const binding = this.#byId.get(id);
    if (!binding || now - binding.seen < SEEN_GRANULARITY_MS) return;
    binding.seen = now;
    this.#changed();
  }

  /** Forget expired bindings, except those `keep` names (peers online right now). */
  sweep(now: number, keep: (id: string) => boolean = () => false): number {
    let removed = 0;
    for (const [id, binding] of this.#byId) {
      if (keep(id)) this.touch(id, now);
      else if (this.#expired(id, binding, now)) {
        this.#byId.delete(id);
        removed++;
      }
    }
    if (removed > 0) {
      this.#log.info('forgot unused registrations', { removed, remaining: this.#byId.size });
      this.#changed();
    }
    return removed;
  }

  /** Write pending changes now (on shutdown). */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#dirty) this.#writing = this.#writing.then(() => this.#write());
    await this.#writing;
  }

  #expired(id: string, binding: Binding, now: number): boolean {
    const retention = id.startsWith(EPHEMERAL_PREFIX) ? this.#limits.ephemeralRetentionMs : this.#limits.retentionMs;
    return now - binding.seen > retention;
  }

  #changed(): void {
    this.#dirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#writing = this.#writing.then(() => this.#write());
    }, this.#limits.writeDelayMs);
    this.#timer.unref();
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const ids: Record<string, { h: string; seen: number }> = {};
    for (const [id, binding] of this.#byId) ids[id] = { h: binding.hash.toString('hex'), seen: binding.seen };
    try {
      await writePrivate(this.#path, JSON.stringify({ v: 1, ids }));
    } catch (error) {
      // Keep serving from memory; the next change tries again.
      this.#dirty = true;
      this.#log.error('could not save registrations', { path: this.#path, error: error instanceof Error ? error.message : String(error) });
    }
  }

  async #load(now: number): Promise<void> {
    // A damaged file means starting empty: existing owners re-bind on their next connect (first come); refusing to
    // start would take every camera offline. The damaged file is kept for a look.
    const stored = await readStateFile(this.#path, FileSchema, now, (error, keptAt) =>
      this.#log.error('registrations file is damaged; starting with none (IDs are bound again on next connect)', { error, keptAt }),
    );
    if (!stored) return;
    for (const [id, entry] of Object.entries(stored.ids)) this.#byId.set(id, { hash: Buffer.from(entry.h, 'hex'), seen: entry.seen });
    this.#log.info('loaded registrations', { count: this.#byId.size });
    this.sweep(now);
  }
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
