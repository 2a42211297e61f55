/**
 * Closed enrollment: who may bind a new peer ID on this server. The owner holds one secret (printed once on first
 * start as an owner link); with it they mint enrollment credentials — single-use, expiring, revocable — that a device
 * redeems to bind its ID. A short typed code cannot carry a 128-bit credential, so the owner may instead open a
 * *code enrollment* for the code's 30-bit rendezvous handle: redeemable once, for 10 minutes, by whoever names the
 * handle (rate-limited per /64 by the route), and only binds an ID — pairing still needs the code's secret.
 *
 * Only SHA-256 hashes of the owner secret and of enrollment secrets are kept, in `dataDir/enrollment.json` (0600).
 * `npm run server -- enroll` runs in another process: it drops mint/revoke requests as files into
 * `dataDir/enroll-pending/`, which the server takes in at start and whenever a credential is not found.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { Logger } from '../protocol/log.ts';
import { parseJsonWith } from '../protocol/schema.ts';
import { readStateFile, writePrivate } from './state-file.ts';

/** The owner secret: 128 bits as hex. */
export const OWNER_PATTERN = /^[0-9a-f]{32}$/;
/** An enrollment credential: 8 hex digits naming it (listable, revocable) then its 128-bit secret. */
export const ENROLLMENT_PATTERN = /^[0-9a-f]{40}$/;
/** A short code's rendezvous handle as the code carries it (6 characters of Crockford base32). */
export const HANDLE_PATTERN = /^[0-9a-hjkmnp-tv-z]{6}$/;

/** Default lifetime of a minted enrollment credential: long enough to set a phone up, short enough to not linger. */
export const DEFAULT_ENROLLMENT_TTL_MS = 24 * 60 * 60 * 1000;
/** Longest lifetime an owner may ask for. */
export const MAX_ENROLLMENT_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A code enrollment lives as long as a short code may be typed. */
export const CODE_ENROLLMENT_TTL_MS = 10 * 60_000;
/** Most unredeemed credentials kept (oldest dropped first), so an owner script gone wrong cannot fill the disk. */
const MAX_ENROLLMENTS = 1000;
/** Most open code enrollments at once. */
const MAX_CODE_ENROLLMENTS = 100;

/** An enrollment as the owner lists it (never its secret). */
export interface EnrollmentInfo {
  /** The credential's public name (its first 8 hex digits). */
  id: string;
  expiresAt: number;
  createdAt: number;
  note: string;
}

/** What redeeming decided: good (now used up), or no such usable credential (unknown, used, expired or revoked). */
export type Redemption = 'ok' | 'refused';

const EntrySchema = v.object({
  h: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  exp: v.pipe(v.number(), v.safeInteger()),
  at: v.pipe(v.number(), v.safeInteger()),
  note: v.pipe(v.string(), v.maxLength(100)),
});
const FileSchema = v.object({
  v: v.literal(1),
  owner: v.nullable(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))),
  enrollments: v.record(v.pipe(v.string(), v.regex(/^[0-9a-f]{8}$/)), EntrySchema),
});
/** A request the CLI leaves for the server. */
const PendingSchema = v.variant('op', [
  v.object({ op: v.literal('mint'), id: v.pipe(v.string(), v.regex(/^[0-9a-f]{8}$/)), entry: EntrySchema }),
  v.object({ op: v.literal('revoke'), id: v.pipe(v.string(), v.regex(/^[0-9a-f]{8}$/)) }),
  v.object({ op: v.literal('owner'), h: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)) }),
]);
type Pending = v.InferOutput<typeof PendingSchema>;
type Entry = v.InferOutput<typeof EntrySchema>;

/** The enrollment state of one server. */
export class EnrollmentStore {
  readonly #path: string;
  readonly #pendingDir: string;
  readonly #log: Logger;
  #owner: Buffer | null = null;
  readonly #enrollments = new Map<string, Entry>();
  readonly #codes = new Map<string, number>();
  #writing: Promise<void> = Promise.resolve();

  private constructor(dataDir: string, log: Logger) {
    this.#path = join(dataDir, 'enrollment.json');
    this.#pendingDir = join(dataDir, 'enroll-pending');
    this.#log = log;
  }

  /**
   * Load the store; on first start make the owner secret and return it (the only time it exists outside a hash).
   * A damaged file is set aside and a new owner secret made, so the owner learns of it from the new banner.
   */
  static async open(dataDir: string, log: Logger, now = Date.now()): Promise<{ store: EnrollmentStore; newOwnerSecret: string | null }> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new EnrollmentStore(dataDir, log);
    await store.#load(now);
    await store.#takePending(now);
    let newOwnerSecret: string | null = null;
    if (!store.#owner) {
      newOwnerSecret = newSecret();
      store.#owner = sha256(newOwnerSecret);
      await store.#save();
      log.info('made the owner credential (printed once; only its hash is kept)', { path: store.#path });
    }
    return { store, newOwnerSecret };
  }

  /** Is `secret` the owner's? Constant time in the secret. */
  isOwner(secret: string): boolean {
    if (!this.#owner || !OWNER_PATTERN.test(secret)) return false;
    return timingSafeEqual(this.#owner, sha256(secret));
  }

  /** Replace the owner secret (the old owner link stops working); returns the new one. */
  async resetOwner(): Promise<string> {
    const secret = newSecret();
    this.#owner = sha256(secret);
    await this.#save();
    return secret;
  }

  /** Mint an enrollment credential good for `ttlMs`. */
  async mint(now: number, ttlMs = DEFAULT_ENROLLMENT_TTL_MS, note = ''): Promise<{ credential: string; info: EnrollmentInfo }> {
    const { id, credential, entry } = newEnrollment(now, ttlMs, note);
    this.#prune(now);
    while (this.#enrollments.size >= MAX_ENROLLMENTS) this.#enrollments.delete(this.#enrollments.keys().next().value!);
    this.#enrollments.set(id, entry);
    await this.#save();
    return { credential, info: infoOf(id, entry) };
  }

  /** Unexpired, unredeemed credentials. */
  list(now: number): EnrollmentInfo[] {
    this.#prune(now);
    return [...this.#enrollments].map(([id, entry]) => infoOf(id, entry));
  }

  /** Revoke a credential by its public name; false when there is none. */
  async revoke(id: string): Promise<boolean> {
    if (!this.#enrollments.delete(id)) return false;
    await this.#save();
    return true;
  }

  /** Redeem a credential: single use, so it is gone afterwards whether or not the caller's binding then works. */
  async redeem(credential: string, now: number): Promise<Redemption> {
    if (!ENROLLMENT_PATTERN.test(credential)) return 'refused';
    let entry = this.#enrollments.get(credential.slice(0, 8));
    // Minted by `npm run server -- enroll` since we last looked?
    if (!entry) {
      await this.#takePending(now);
      entry = this.#enrollments.get(credential.slice(0, 8));
    }
    if (!entry || entry.exp <= now || !timingSafeEqual(Buffer.from(entry.h, 'hex'), sha256(credential.slice(8)))) return 'refused';
    this.#enrollments.delete(credential.slice(0, 8));
    await this.#save();
    return 'ok';
  }

  /** Open a code enrollment for a short code's handle (owner only; memory only: it lives 10 minutes). */
  openCode(handle: string, now: number): { expiresAt: number } {
    for (const [h, exp] of this.#codes) if (exp <= now) this.#codes.delete(h);
    while (this.#codes.size >= MAX_CODE_ENROLLMENTS) this.#codes.delete(this.#codes.keys().next().value!);
    const expiresAt = now + CODE_ENROLLMENT_TTL_MS;
    this.#codes.set(handle.toLowerCase(), expiresAt);
    return { expiresAt };
  }

  /** Redeem a code enrollment by its handle: once, within 10 minutes. */
  redeemCode(handle: string, now: number): Redemption {
    const key = handle.toLowerCase();
    const exp = this.#codes.get(key);
    this.#codes.delete(key);
    return exp !== undefined && exp > now ? 'ok' : 'refused';
  }

  /** Let pending writes finish. */
  async flush(): Promise<void> {
    await this.#writing;
  }

  #prune(now: number): void {
    for (const [id, entry] of this.#enrollments) if (entry.exp <= now) this.#enrollments.delete(id);
  }

  async #load(now: number): Promise<void> {
    const stored = await readStateFile(this.#path, FileSchema, now, (error, keptAt) =>
      this.#log.error('enrollment file is damaged; starting over with a new owner credential', { error, keptAt }),
    );
    if (!stored) return;
    this.#owner = stored.owner ? Buffer.from(stored.owner, 'hex') : null;
    for (const [id, entry] of Object.entries(stored.enrollments)) this.#enrollments.set(id, entry);
    this.#prune(now);
  }

  /** Apply requests the CLI left; each file is removed once applied (or set aside when malformed). */
  async #takePending(now: number): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.#pendingDir)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return;
    }
    let changed = false;
    for (const name of names.slice(0, 100)) {
      const path = join(this.#pendingDir, name);
      const parsed = parseJsonWith(PendingSchema, await readFile(path, 'utf8').catch(() => ''));
      await rm(path, { force: true });
      if (!parsed.ok) {
        this.#log.warn('ignored a malformed enrollment request file', { file: name, error: parsed.error });
        continue;
      }
      this.#apply(parsed.value);
      changed = true;
    }
    if (changed) {
      this.#prune(now);
      await this.#save();
    }
  }

  #apply(op: Pending): void {
    switch (op.op) {
      case 'mint':
        this.#enrollments.set(op.id, op.entry);
        return;
      case 'revoke':
        this.#enrollments.delete(op.id);
        return;
      case 'owner':
        this.#owner = Buffer.from(op.h, 'hex');
        return;
    }
  }

  #save(): Promise<void> {
    const enrollments = Object.fromEntries(this.#enrollments);
    const text = JSON.stringify({ v: 1, owner: this.#owner?.toString('hex') ?? null, enrollments });
    this.#writing = this.#writing.then(() => writePrivate(this.#path, text)).catch((error: unknown) => {
      this.#log.error('could not save enrollments', { path: this.#path, error: error instanceof Error ? error.message : String(error) });
    });
    return this.#writing;
  }
}

/**
 * For `npm run server -- enroll` (another process than the server): leave a request for the server. Minting returns
 * the credential; the server takes the request in when the credential is first presented (or at its next start).
 */
export async function leaveRequest(dataDir: string, request: { op: 'mint'; ttlMs: number; note: string; now: number } | { op: 'revoke'; id: string } | { op: 'owner' }): Promise<string | null> {
  const dir = join(dataDir, 'enroll-pending');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let body: Pending;
  let out: string | null = null;
  if (request.op === 'mint') {
    const made = newEnrollment(request.now, request.ttlMs, request.note);
    body = { op: 'mint', id: made.id, entry: made.entry };
    out = made.credential;
  } else if (request.op === 'revoke') {
    body = { op: 'revoke', id: request.id };
  } else {
    out = newSecret();
    body = { op: 'owner', h: sha256(out).toString('hex') };
  }
  // Names sort in the order requests were made (a revoke after its mint), also within one millisecond.
  const order = `${Date.now().toString(36).padStart(10, '0')}-${process.hrtime.bigint().toString(36).padStart(14, '0')}`;
  await writePrivate(join(dir, `${order}-${randomBytes(4).toString('hex')}.json`), JSON.stringify(body));
  return out;
}

function newEnrollment(now: number, ttlMs: number, note: string): { id: string; credential: string; entry: Entry } {
  const id = randomBytes(4).toString('hex');
  const secret = newSecret();
  const ttl = Math.min(Math.max(60_000, ttlMs), MAX_ENROLLMENT_TTL_MS);
  return { id, credential: `${id}${secret}`, entry: { h: sha256(secret).toString('hex'), exp: now + ttl, at: now, note: note.slice(0, 100) } };
}

function infoOf(id: string, entry: Entry): EnrollmentInfo {
  return { id, expiresAt: entry.exp, createdAt: entry.at, note: entry.note };
}

function newSecret(): string {
  return randomBytes(16).toString('hex');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
