import { describe, expect, it } from 'vitest';
import { registerOfflineCache } from './offline-cache.ts';

describe('registerOfflineCache', () => {
  it('registers ./sw.js on a secure page, and says why not elsewhere without throwing', async () => {
    const asked: string[] = [];
    const ok = { isSecureContext: true, navigator: { serviceWorker: { register: async (url: string) => void asked.push(url) } } };
    expect(await registerOfflineCache(ok)).toBe('registered');
    expect(asked).toEqual(['./sw.js']);
    expect(await registerOfflineCache({ ...ok, isSecureContext: false })).toBe('unavailable');
    expect(await registerOfflineCache({ isSecureContext: true, navigator: {} })).toBe('unavailable');
    const refusing = { isSecureContext: true, navigator: { serviceWorker: { register: async () => Promise.reject(new DOMException('SSL certificate error', 'SecurityError')) } } };
    expect(await registerOfflineCache(refusing)).toBe('refused');
  });
});
