import { describe, expect, it } from 'vitest';
import { encodeInvitation, newLinkInvitation, pairingLink } from '../../../protocol/pairing.ts';
import { takeInvitation, type AddressBar } from './invitation-url.ts';
import { pairingFailureCode, pairingStatusText, type PairingFailure } from './pairing-text.ts';

const VIEWER = 'viewer-00112233445566778899aabbccddeeff';

function addressBar(url: string): AddressBar & { replaced: string[] } {
  const parsed = new URL(url);
  const replaced: string[] = [];
  return {
    replaced,
    location: { hash: parsed.hash, pathname: parsed.pathname, search: parsed.search },
    history: { state: { kept: true }, replaceState: (_state: unknown, _unused: string, next?: string | URL | null) => void replaced.push(String(next)) },
  };
}

describe('takeInvitation', () => {
  it('takes the invitation from a pairing link and removes the secret from the address', () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const bar = addressBar(pairingLink('https://192.168.1.5:8443', invitation));
    expect(takeInvitation(bar)).toEqual({ ok: true, value: invitation });
    expect(bar.replaced).toEqual(['/']);
  });

  it('keeps the path and query, drops only the fragment', () => {
    const invitation = newLinkInvitation(VIEWER, Date.now());
    const bar = addressBar(`https://example.test/cam/?lang=en#pair=${encodeInvitation(invitation)}`);
    expect(takeInvitation(bar)?.ok).toBe(true);
    expect(bar.replaced).toEqual(['/cam/?lang=en']);
  });

  it('removes a damaged link too, and reports it', () => {
    const bar = addressBar('https://example.test/#pair=viewer-1.%%%.zz');
    expect(takeInvitation(bar)?.ok).toBe(false);
    expect(bar.replaced).toEqual(['/']);
  });

  it('leaves other addresses alone', () => {
    for (const url of ['https://example.test/', 'https://example.test/#other', 'https://example.test/#pairing=x']) {
      const bar = addressBar(url);
      expect(takeInvitation(bar)).toBeNull();
      expect(bar.replaced).toEqual([]);
    }
  });
});

describe('pairing text', () => {
  it('maps failures to the shared error codes and clear sentences', () => {
    const failures: PairingFailure[] = ['expired', 'used', 'invalid', 'bad-accept', 'timeout', 'unreachable', 'no-server', 'internal', 'bad-link'];
    expect(failures.map(pairingFailureCode)).toEqual([
      'pairing-expired',
      'pairing-used',
      'pairing-failed',
      'pairing-failed',
      'pairing-failed',
      'pairing-failed',
      'pairing-failed',
      'pairing-failed',
      'pairing-failed',
    ]);
    expect(pairingStatusText({ state: 'failed', failure: 'expired' })).toBe('This pairing link has expired — make a new one in the viewer.');
    expect(pairingStatusText({ state: 'failed', failure: 'used' })).toMatch(/^This pairing link was already used/);
    expect(pairingStatusText({ state: 'paired', viewerName: 'Office PC' })).toBe('Paired with Office PC');
  });
});
