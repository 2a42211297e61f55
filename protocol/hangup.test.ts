import { describe, expect, it } from 'vitest';
import { parseEnvelope } from './envelope.ts';
import { HANGUP_REASONS, refusal } from './hangup.ts';

const hangup = (reason?: unknown) => parseEnvelope({ v: 1, kind: 'hangup', sid: '0000000a', ...(reason === undefined ? {} : { reason }) });

describe('hangup reasons', () => {
  it('reads every reason this version sends as itself', () => {
    for (const reason of HANGUP_REASONS) expect(hangup(reason)).toEqual({ ok: true, value: { v: 1, kind: 'hangup', sid: '0000000a', reason } });
  });

  it('reads a hangup without a reason (an older viewer) as a plain hangup', () => {
    expect(hangup()).toEqual({ ok: true, value: { v: 1, kind: 'hangup', sid: '0000000a' } });
  });

  it('reads a reason from a newer peer as "other", still a hangup, not a malformed envelope', () => {
    expect(hangup('refused: quantum')).toMatchObject({ ok: true, value: { kind: 'hangup', reason: 'other' } });
    expect(hangup('battery empty')).toMatchObject({ ok: true, value: { kind: 'hangup', reason: 'other' } });
  });

  it('rejects a reason that is not a short string', () => {
    expect(hangup(42).ok).toBe(false);
    expect(hangup('x'.repeat(201)).ok).toBe(false);
  });

  it('names refusals the way earlier versions did on the wire', () => {
    expect([refusal('bad-mac'), refusal('replay'), refusal('stale')]).toEqual(['refused: bad-mac', 'refused: replay', 'refused: stale']);
  });
});
