import { describe, expect, it } from 'vitest';
import { clientAddress, normaliseOrigin, originAllowed, parseAllowedOrigins } from './origin.ts';

const req = (headers: Record<string, string>, remoteAddress = '10.0.0.9') => ({ headers, socket: { remoteAddress } });
const allowed = parseAllowedOrigins(['https://viewer.example.org']);

describe('origin check', () => {
  it('normalises origins, custom schemes included', () => {
    expect(normaliseOrigin('HTTPS://Example.org:443')).toBe('https://example.org');
    expect(normaliseOrigin('https://example.org:8443/')).toBe('https://example.org:8443');
    expect(normaliseOrigin('pawcam://app')).toBe('pawcam://app');
    expect(normaliseOrigin('null')).toBeNull();
    expect(normaliseOrigin('https://user:pw@example.org')).toBeNull();
    expect(() => parseAllowedOrigins(['not an origin'])).toThrow(/not an origin/);
  });

  it('allows non-browser clients, same-origin pages, the app and listed origins', () => {
    expect(originAllowed(req({ host: 'cam.example.org' }), allowed, false)).toBe(true);
    expect(originAllowed(req({ host: '192.168.1.5:8443', origin: 'https://192.168.1.5:8443' }), allowed, false)).toBe(true);
    expect(originAllowed(req({ host: 'cam.example.org:443', origin: 'https://cam.example.org' }), allowed, false)).toBe(true);
    expect(originAllowed(req({ host: '[::1]:8443', origin: 'https://[::1]:8443' }), allowed, false)).toBe(true);
    expect(originAllowed(req({ host: 'cam.example.org', origin: 'pawcam://app' }), allowed, false)).toBe(true);
    expect(originAllowed(req({ host: 'cam.example.org', origin: 'https://viewer.example.org' }), allowed, false)).toBe(true);
  });

  it('refuses other pages, opaque origins and a port or scheme that differs', () => {
    expect(originAllowed(req({ host: 'cam.example.org', origin: 'https://evil.example' }), allowed, false)).toBe(false);
    expect(originAllowed(req({ host: 'cam.example.org', origin: 'null' }), allowed, false)).toBe(false);
    expect(originAllowed(req({ host: 'cam.example.org:8443', origin: 'https://cam.example.org' }), allowed, false)).toBe(false);
    expect(originAllowed(req({ origin: 'https://cam.example.org' }), allowed, false)).toBe(false);
    expect(originAllowed(req({ host: 'cam.example.org', origin: 'pawcam://evil' }), allowed, false)).toBe(false);
  });

  it('uses the forwarded host and address only behind a trusted proxy', () => {
    const proxied = req({ host: '127.0.0.1:8443', origin: 'https://cam.example.org', 'x-forwarded-host': 'cam.example.org', 'x-forwarded-for': '6.6.6.6, 203.0.113.7' }, '127.0.0.1');
    expect(originAllowed(proxied, allowed, true)).toBe(true);
    expect(originAllowed(proxied, allowed, false)).toBe(false);
    expect(clientAddress(proxied, true)).toBe('203.0.113.7');
    expect(clientAddress(proxied, false)).toBe('127.0.0.1');
  });
});
