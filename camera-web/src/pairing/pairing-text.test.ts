import { describe, expect, it } from 'vitest';
import { parseShortCode } from '../../../protocol/pairing.ts';
import { pairingFailureCode, pairingStatusText, typedCodeProblem } from './pairing-text.ts';

describe('typed code problems', () => {
  it('says how far a short code is from a whole one', () => {
    expect(typedCodeProblem('abc12')).toBe(
      'That is not a pairing code yet: it has 5 of the 14 letters and digits. Type all of the code the viewer shows, like ABC123-DEFG-HJK4.',
    );
    // Spaces and dashes do not count, as the parser ignores them.
    expect(typedCodeProblem(' ABC123 - DEFG ')).toMatch(/it has 10 of the 14/);
  });

  it('says a code is too long, or has a character no code has', () => {
    expect(typedCodeProblem('ABC123-DEFG-HJK4-5')).toBe('That is not a pairing code: it has 15 letters and digits, and a code has 14, like ABC123-DEFG-HJK4.');
    expect(typedCodeProblem('ABC123-DEFG-HJK!')).toMatch(/only letters and digits \(never U\)/);
    expect(typedCodeProblem('ABC123-DEFG-HJKU')).toMatch(/never U/);
    expect(typedCodeProblem('  ')).toMatch(/^Type the code the viewer shows/);
  });

  it('agrees with the parser: every text it finds a problem in is one the parser refuses', () => {
    for (const text of ['abc12', 'ABC123-DEFG-HJK4-5', 'ABC123-DEFG-HJKU', 'ABC123-DEFG-HJK!', '']) {
      expect(parseShortCode(text).ok, text).toBe(false);
    }
    expect(parseShortCode('ABC123-DEFG-HJK4').ok).toBe(true);
  });
});

describe('a typed code nobody answers', () => {
  it('does not say the viewer is not connected: the camera cannot tell a wrong code from an absent viewer', () => {
    const text = pairingStatusText({ state: 'failed', failure: 'no-such-code' });
    expect(text).toBe('No viewer is showing this code right now — check the code, or make a new one in the viewer.');
    expect(text).not.toMatch(/not connected/);
    expect(pairingFailureCode('no-such-code')).toBe('pairing-failed');
  });
});
