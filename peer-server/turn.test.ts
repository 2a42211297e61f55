import { describe, expect, it } from 'vitest';
import { checkIceConfig, hmacSha1Base64, iceServersFor, mintTurnCredential } from './turn.ts';

// Vectors computed independently with openssl:
//   printf '1700000000:cam-0123' | openssl dgst -sha1 -hmac north-sea-otter -binary | base64
//   printf '' | openssl dgst -sha1 -hmac key -binary | base64
describe('TURN credentials (coturn use-auth-secret)', () => {
  it('matches known HMAC-SHA1 vectors', () => {
    expect(hmacSha1Base64('north-sea-otter', '1700000000:cam-0123')).toBe('T9PFGLusIHRHVgsf8v2s4Hj8Dh4=');
    expect(hmacSha1Base64('key', '')).toBe('9Cuw7rAY671Fl65yE3EexgdghD8=');
  });

  it('mints username <expiry>:<id> with expiry = now + ttl in unix seconds', () => {
    const minted = mintTurnCredential('north-sea-otter', 'cam-0123', 600, 1_699_999_400_500);
    expect(minted).toEqual({ username: '1700000000:cam-0123', credential: 'T9PFGLusIHRHVgsf8v2s4Hj8Dh4=', expiresAt: 1_700_000_000 });
  });

  it('hands out STUN as configured, TURN with credentials only when configured, nothing by default', () => {
    const now = 1_700_000_000_000;
    expect(iceServersFor({ stunUrls: [], turnUrls: [], ttlSeconds: 600 }, 'cam-1', now)).toEqual([]);
    expect(iceServersFor({ stunUrls: ['stun:s.example:3478'], turnUrls: [], ttlSeconds: 600 }, 'cam-1', now)).toEqual([{ urls: ['stun:s.example:3478'] }]);
    const both = iceServersFor(
      { stunUrls: ['stun:s.example'], turnUrls: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349'], turnSecret: 'k', ttlSeconds: 60 },
      'cam-1',
      now,
    );
    expect(both).toEqual([
      { urls: ['stun:s.example'] },
      { urls: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349'], username: '1700000060:cam-1', credential: hmacSha1Base64('k', '1700000060:cam-1') },
    ]);
  });

  it.each([
    [{ stunUrls: ['http://x'], turnUrls: [], ttlSeconds: 600 }, /STUN URL/],
    [{ stunUrls: [], turnUrls: ['stun:x'], turnSecret: 's', ttlSeconds: 600 }, /TURN URL/],
    [{ stunUrls: [], turnUrls: ['turn:x'], ttlSeconds: 600 }, /secret/],
    [{ stunUrls: [], turnUrls: [], turnSecret: 's', ttlSeconds: 600 }, /without TURN URLs/],
    [{ stunUrls: [], turnUrls: [], ttlSeconds: 5 }, /lifetime/],
  ])('refuses config %j', (config, message) => {
    expect(() => checkIceConfig(config)).toThrow(message);
  });
});
