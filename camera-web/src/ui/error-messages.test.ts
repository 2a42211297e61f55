import { describe, expect, it } from 'vitest';
import { PawcamError, type PawcamErrorCode } from '../../../protocol/errors.ts';
import { errorHelp } from './error-messages.ts';

const codes: PawcamErrorCode[] = [
  'insecure-context',
  'permission-denied',
  'no-camera',
  'camera-busy',
  'unsupported-browser',
  'server-unreachable',
  'id-taken',
  'peer-unavailable',
  'malformed-message',
  'connection-failed',
  'unknown',
];

describe('errorHelp', () => {
  it.each(codes)('has a headline and advice for %s', (code) => {
    const help = errorHelp(new PawcamError(code, 'detail'), { hostname: '192.168.1.20' });
    expect(help.title.length).toBeGreaterThan(5);
    expect(help.body.length).toBeGreaterThan(0);
  });

  it('points an insecure page at the https:// address on the same host', () => {
    const help = errorHelp(new PawcamError('insecure-context', 'x'), { hostname: '192.168.1.20' });
    expect(help.body.join(' ')).toContain('https://192.168.1.20:');
    expect(help.body.join(' ')).toMatch(/certificate/);
  });

  it('explains how to allow the camera again on both phone platforms', () => {
    const text = errorHelp(new PawcamError('permission-denied', 'x'), { hostname: 'h' }).body.join(' ');
    expect(text).toMatch(/iPhone/);
    expect(text).toMatch(/Android/);
  });
});
