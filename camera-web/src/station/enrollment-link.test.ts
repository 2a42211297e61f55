import { describe, expect, it } from 'vitest';
import type { HttpLike } from '../../../protocol/enrollment.ts';
import { enrollCamera, ENROLL_KEYS, rememberLinkExtras, rendezvousUrl, takeEnrollmentLink } from './enrollment-link.ts';

class MapStore {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

const bar = (hash: string) => {
  const replaced: string[] = [];
  return { replaced, location: { hash, pathname: '/', search: '' }, history: { state: null, replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } };
};

describe('camera enrollment', () => {
  it('remembers the rendezvous a link named, so a reload still uses it; falls back to the page origin', () => {
    const store = new MapStore();
    expect(rendezvousUrl(store, 'https://phone-page.example')).toBe('https://phone-page.example');
    rememberLinkExtras(store, { rendezvous: 'https://rv.example.org:8443/' });
    expect(rendezvousUrl(store, 'https://phone-page.example')).toBe('https://rv.example.org:8443');
    store.setItem(ENROLL_KEYS.rendezvous, 'javascript:alert(1)');
    expect(rendezvousUrl(store, 'https://phone-page.example')).toBe('https://phone-page.example');
  });

  it('takes an enrollment link out of the address and keeps the credential until redeemed', async () => {
    const store = new MapStore();
    const address = bar(`#enroll=${'a'.repeat(40)}`);
    expect(takeEnrollmentLink(address, store)).toBe('taken');
    expect(address.replaced).toEqual(['/']);
    expect(takeEnrollmentLink(bar('#enroll=nope'), store)).toBe('damaged');
    expect(takeEnrollmentLink(bar('#pair=x'), store)).toBeNull();

    const bodies: unknown[] = [];
    const http: HttpLike = async (_url, init) => (bodies.push(JSON.parse(init.body!)), { ok: true, status: 200, json: async () => ({}) });
    expect(await enrollCamera({ serverUrl: 'https://s', id: 'cam-1', token: 't'.repeat(32), store, codeHandle: 'abc123', http })).toBe('enrolled');
    expect(bodies).toEqual([{ id: 'cam-1', token: 't'.repeat(32), enrollment: 'a'.repeat(40) }]);
    // Used: the next enrollment falls back to the typed code's handle.
    await enrollCamera({ serverUrl: 'https://s', id: 'cam-1', token: 't'.repeat(32), store, codeHandle: 'abc123', http });
    expect(bodies[1]).toMatchObject({ code: 'abc123' });
  });

  it('does not ask the server without anything to prove', async () => {
    let asked = 0;
    const http: HttpLike = async () => (asked++, { ok: true, status: 200, json: async () => ({}) });
    expect(await enrollCamera({ serverUrl: 'https://s', id: 'cam-1', token: 't'.repeat(32), store: new MapStore(), codeHandle: null, http })).toBe('refused');
    expect(asked).toBe(0);
  });
});
