import { describe, expect, it } from 'vitest';
import { safeFileNamePart, snapshotFileName } from './snapshot-name.ts';

describe('snapshotFileName', () => {
  it('is pawcam-<name>-YYYY-MM-DD_HH-MM-SS.png in local time', () => {
    expect(snapshotFileName('Kitchen', new Date(2025, 11, 31, 23, 59, 7))).toBe('pawcam-Kitchen-2025-12-31_23-59-07.png');
  });

  it('makes names safe for every OS', () => {
    expect(safeFileNamePart('a<b>c:d"e/f\\g|h?i*j')).toBe('a-b-c-d-e-f-g-h-i-j');
    expect(safeFileNamePart('  ..hidden  ')).toBe('hidden');
    expect(safeFileNamePart('///')).toBe('camera');
    expect(safeFileNamePart('Küche 🐶')).toBe('Küche-🐶');
    expect(safeFileNamePart('x'.repeat(80))).toHaveLength(40);
  });
});
