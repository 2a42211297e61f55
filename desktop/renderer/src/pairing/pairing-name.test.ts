import { describe, expect, it } from 'vitest';
import { MAX_VIEWER_NAME, readNameDraft } from './pairing-name.ts';

describe('the name asked for at pairing', () => {
  it('saves a new name, cleaned; keeps the stored one when nothing changed', () => {
    expect(readNameDraft('  Kitchen   tablet ', 'Chrome on Linux')).toEqual({ kind: 'save', name: 'Kitchen tablet' });
    expect(readNameDraft('Chrome on Linux ', 'Chrome on Linux')).toEqual({ kind: 'same' });
  });

  it('refuses an empty name (the phone must list something) and cuts one longer than a camera keeps', () => {
    expect(readNameDraft('   ', 'Chrome on Linux')).toEqual({ kind: 'empty' });
    const long = readNameDraft('x'.repeat(80), 'Chrome on Linux');
    expect(long).toEqual({ kind: 'save', name: 'x'.repeat(MAX_VIEWER_NAME) });
  });
});
