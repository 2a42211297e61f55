import { beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../protocol/log.ts';
import { INVITATION_TTL_MS, newLinkInvitation, newShortCode, parseShortCode } from '../../../protocol/pairing.ts';
import { ATTEMPTS_STORAGE_KEY, MAX_FAILED_CODE_ATTEMPTS, PairAttempts } from './pair-attempts.ts';

const VIEWER = 'viewer-00112233445566778899aabbccddeeff';

function memoryStorage() {
  const map = new Map<string, string>();
  return { map, getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
}

function typedCode(now: number) {
  const parsed = parseShortCode(newShortCode(now).code, now);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

beforeEach(() => configureLogging({ sink: () => undefined }));

describe('PairAttempts', () => {
  it('a link or code is tried once, right or wrong, also after a reload; the ledger holds no secret', async () => {
    const storage = memoryStorage();
    let now = 1_800_000_000_000;
    const attempts = new PairAttempts(storage, () => now);
    const link = newLinkInvitation(VIEWER, now);
    const code = typedCode(now);
    expect(await attempts.claim(link)).toBeNull();
    expect(await attempts.claim(code)).toBeNull();
    expect(await attempts.claim(link)).toBe('tried');
    const reloaded = new PairAttempts(storage, () => now);
    expect(await reloaded.claim(code)).toBe('tried');
    expect(storage.map.get(ATTEMPTS_STORAGE_KEY)).not.toContain(new TextDecoder().decode(code.secret));
    // Forgotten once neither side could take it any more.
    now += INVITATION_TTL_MS + 1;
    expect(await reloaded.claim({ ...code, expiresAt: now + INVITATION_TTL_MS })).toBeNull();
  });

  it(`pauses typed codes after ${MAX_FAILED_CODE_ATTEMPTS} wrong ones in a row until resumed; links still work`, async () => {
    const storage = memoryStorage();
    const attempts = new PairAttempts(storage);
    for (let i = 0; i < MAX_FAILED_CODE_ATTEMPTS; i++) {
      const code = typedCode(Date.now());
      expect(await attempts.claim(code)).toBeNull();
      attempts.record(code, { ok: false, failure: i === 0 ? 'invalid' : 'bad-accept' });
      // Failures that say nothing about the secret do not count.
      attempts.record(code, { ok: false, failure: 'timeout' });
    }
    expect(attempts.codesPaused).toBe(true);
    expect(await attempts.claim(typedCode(Date.now()))).toBe('codes-paused');
    expect(await new PairAttempts(storage).claim(typedCode(Date.now()))).toBe('codes-paused');
    expect(await attempts.claim(newLinkInvitation(VIEWER, Date.now()))).toBeNull();
    attempts.resume();
    expect(await attempts.claim(typedCode(Date.now()))).toBeNull();
  });

  it('a success resets the count; a damaged ledger is ignored', async () => {
    const storage = memoryStorage();
    const attempts = new PairAttempts(storage);
    const fail = async () => {
      const code = typedCode(Date.now());
      await attempts.claim(code);
      attempts.record(code, { ok: false, failure: 'bad-accept' });
    };
    await fail();
    await fail();
    const good = typedCode(Date.now());
    await attempts.claim(good);
    attempts.record(good, { ok: true });
    await fail();
    await fail();
    expect(attempts.codesPaused).toBe(false);
    storage.map.set(ATTEMPTS_STORAGE_KEY, '{"tried":"x"}');
    expect(new PairAttempts(storage).codesPaused).toBe(false);
    storage.map.set(ATTEMPTS_STORAGE_KEY, 'not json');
    expect(new PairAttempts(storage).codesPaused).toBe(false);
    expect(new PairAttempts(null).codesPaused).toBe(false);
  });
});
