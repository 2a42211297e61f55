import { describe, expect, it } from 'vitest';
import { openingCamera } from './last-watched.ts';

const cam = (id: string, paired = true) => ({ id, paired });

describe('openingCamera', () => {
  it('opens on the camera watched last, while it is still in the list', () => {
    expect(openingCamera([cam('a'), cam('b')], 'b')).toBe('b');
    expect(openingCamera([cam('a'), cam('b')], 'gone')).toBeNull();
  });

  it('opens on the only camera; with several and no history, on nothing', () => {
    expect(openingCamera([cam('a')], null)).toBe('a');
    expect(openingCamera([cam('a'), cam('b')], null)).toBeNull();
    expect(openingCamera([], null)).toBeNull();
  });

  it('never opens on a camera this viewer holds no key for', () => {
    expect(openingCamera([cam('a', false)], 'a')).toBeNull();
    expect(openingCamera([cam('a', false), cam('b')], null)).toBe('b');
  });
});
