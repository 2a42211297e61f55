import { describe, expect, it } from 'vitest';
import { liveText, serverStateText, standbyText } from './status-text.ts';

describe('serverStateText', () => {
  it('says each state in words', () => {
    expect(serverStateText('connecting', null, 0)).toBe('Connecting to server…');
    expect(serverStateText('open', null, 0)).toBe('Connected');
    expect(serverStateText('id-taken', null, 0)).toBe('This camera ID is in use on another device');
  });

  it('counts down to the next retry', () => {
    expect(serverStateText('retrying', 10_000, 5_200)).toBe('Server unreachable — retrying in 5 s');
    expect(serverStateText('retrying', 10_000, 9_001)).toBe('Server unreachable — retrying in 1 s');
    expect(serverStateText('retrying', 10_000, 10_500)).toBe('Server unreachable — retrying now…');
  });
});

describe('liveText', () => {
  it('is LIVE with the count while anyone watches, even while the server is away', () => {
    expect(liveText('open', 2)).toBe('LIVE · 2 watching');
    expect(liveText('retrying', 1)).toBe('LIVE · 1 watching');
  });

  it('is ready when registered and no one watches, else not live', () => {
    expect(liveText('open', 0)).toBe('Ready — no one watching');
    expect(liveText('connecting', 0)).toBe('Not live');
  });
});

describe('standbyText', () => {
  it('says what a standby link costs, and when the camera is full', () => {
    expect(standbyText(0, 8)).toBe('');
    expect(standbyText(1, 8)).toBe('1 viewer has this camera in a list: a small picture every few seconds, no sound.');
    expect(standbyText(8, 8)).toMatch(/^8 viewers have .* — the most this camera serves \(8\)\.$/);
  });
});
