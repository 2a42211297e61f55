import { describe, expect, it } from 'vitest';
import { qualityNote } from './quality-note.ts';

describe('qualityNote', () => {
  it('says nothing before a picture arrives', () => {
    expect(qualityNote('720p30', null, null)).toBeNull();
    expect(qualityNote('720p30', null, { width: 0, height: 0, fps: null })).toBeNull();
  });

  it('what was asked arrives: the size, no excuse', () => {
    expect(qualityNote('720p30', { width: 1280, height: 720, fps: 30 }, { width: 1280, height: 720, fps: 29 })).toEqual({
      text: 'Arriving 1280×720 · 29 fps',
      shortfall: null,
      why: null,
    });
  });

  it('the phone sends 720p but 320×180 at 13 fps arrives: the connection adapts', () => {
    const note = qualityNote('720p30', { width: 1280, height: 720, fps: 30 }, { width: 320, height: 180, fps: 13 });
    expect(note?.text).toBe('Arriving 320×180 · 13 fps');
    expect(note?.shortfall).toBe('network');
    expect(note?.why).toMatch(/network/);
  });

  it('the phone itself captures less than asked (and that much arrives): the phone', () => {
    const note = qualityNote('1080p30', { width: 1280, height: 720, fps: 30 }, { width: 1280, height: 720, fps: 30 });
    expect(note?.shortfall).toBe('phone');
    expect(note?.why).toMatch(/phone's camera/);
  });

  it('portrait counts by its short side', () => {
    expect(qualityNote('720p30', null, { width: 720, height: 1280, fps: 30 })?.shortfall).toBeNull();
  });
});
