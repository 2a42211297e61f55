import { describe, expect, it } from 'vitest';
import { enrollDevice, enrollmentFromFragment, fetchServerInfo, mintEnrollment, ownerFromFragment, type HttpLike } from './enrollment.ts';
import { encodeInvitation, newLinkInvitation, pairingLink, parseInvitation, parseRendezvousUrl } from './pairing.ts';

/** A fake server answering with `status` and `body`, recording what it was asked. */
function fake(status: number, body: unknown = {}): HttpLike & { calls: Parameters<HttpLike>[] } {
  const calls: Parameters<HttpLike>[] = [];
  const http = (async (url, init) => {
    calls.push([url, init]);
    return { ok: status >= 200 && status < 300, status, json: async () => body };
  }) as HttpLike & { calls: Parameters<HttpLike>[] };
  http.calls = calls;
  return http;
}

describe('enrollment client', () => {
  it('sends the proof it has: a credential in the body, the owner in a header, a code as its lowercase handle', async () => {
    const http = fake(200, { enrolled: true });
    expect(await enrollDevice('https://s.example/', 'cam-1', 'ab'.repeat(16), { enrollment: 'c'.repeat(40) }, http)).toBe('enrolled');
    expect(await enrollDevice('https://s.example', 'cam-1', 'ab'.repeat(16), { owner: 'd'.repeat(32) }, http)).toBe('enrolled');
    expect(await enrollDevice('https://s.example', 'cam-1', 'ab'.repeat(16), { code: 'ABC123' }, http)).toBe('enrolled');
    expect(http.calls.map(([url]) => url)).toEqual(Array(3).fill('https://s.example/enroll'));
    expect(JSON.parse(http.calls[0]![1].body!)).toEqual({ id: 'cam-1', token: 'ab'.repeat(16), enrollment: 'c'.repeat(40) });
    expect(http.calls[1]![1].headers['authorization']).toBe(`Bearer ${'d'.repeat(32)}`);
    expect(JSON.parse(http.calls[2]![1].body!)).toMatchObject({ code: 'abc123' });
  });

  it('tells refused from rate-limited from unreachable', async () => {
    expect(await enrollDevice('https://s.example', 'cam-1', 't'.repeat(32), { none: true }, fake(403))).toBe('refused');
    expect(await enrollDevice('https://s.example', 'cam-1', 't'.repeat(32), { code: 'abc123' }, fake(429))).toBe('rate-limited');
    await expect(enrollDevice('https://s.example', 'cam-1', 't'.repeat(32), { none: true }, fake(500))).rejects.toMatchObject({ code: 'server-unreachable' });
    const down: HttpLike = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(enrollDevice('https://s.example', 'cam-1', 't'.repeat(32), { none: true }, down)).rejects.toMatchObject({ code: 'server-unreachable' });
  });

  it('parses what the server answers, refusing a malformed credential or info', async () => {
    expect(await mintEnrollment('https://s.example', 'o'.repeat(32), fake(200, { credential: 'e'.repeat(40) }))).toBe('e'.repeat(40));
    await expect(mintEnrollment('https://s.example', 'o'.repeat(32), fake(200, { credential: 'javascript:x' }))).rejects.toMatchObject({ code: 'malformed-message' });
    await expect(mintEnrollment('https://s.example', 'o'.repeat(32), fake(401))).rejects.toMatchObject({ code: 'not-enrolled' });
    const info = { phoneUrls: ['https://192.168.1.5:8443/'], rendezvousUrl: null, loopbackOnly: false, open: false, pages: true };
    expect(await fetchServerInfo('https://s.example', null, fake(200, info))).toEqual(info);
    expect(await fetchServerInfo('https://s.example', null, fake(200, { phoneUrls: 'nope' }))).toBeNull();
    expect(await fetchServerInfo('https://s.example', null, fake(401))).toBeNull();
  });

  it('reads owner and enrollment links, nothing else', () => {
    expect(ownerFromFragment(`#owner=${'a'.repeat(32)}`)).toBe('a'.repeat(32));
    expect(ownerFromFragment(`#owner=${'a'.repeat(31)}`)).toBeNull();
    expect(enrollmentFromFragment(`#enroll=${'b'.repeat(40)}`)).toBe('b'.repeat(40));
    expect(enrollmentFromFragment('#enroll=<script>')).toBeNull();
  });
});

describe('pairing links with enrollment and rendezvous', () => {
  it('carry an enrollment credential and a rendezvous URL through encode and parse', () => {
    const inv = { ...newLinkInvitation('viewer-abc', 1000), enrollment: 'f'.repeat(40), rendezvous: 'https://rv.example.org:8443/' };
    const link = pairingLink('https://pages.example.org/', inv);
    const parsed = parseInvitation(new URL(link).hash);
    expect(parsed).toEqual({ ok: true, value: inv });
    // Without them, the link is what it was.
    const plain = newLinkInvitation('viewer-abc', 1000);
    expect(encodeInvitation(plain)).not.toContain('&');
    expect(parseInvitation(encodeInvitation(plain))).toEqual({ ok: true, value: plain });
  });

  it('refuses a link whose rendezvous is not https, or carries unknown parameters', () => {
    const base = encodeInvitation(newLinkInvitation('viewer-abc', 1000));
    expect(parseInvitation(`${base}&r=${encodeURIComponent('http://evil.example/')}`)).toMatchObject({ ok: false, error: expect.stringMatching(/rendezvous/) });
    expect(parseInvitation(`${base}&r=${encodeURIComponent('javascript:alert(1)')}`)).toMatchObject({ ok: false });
    expect(parseInvitation(`${base}&x=1`)).toMatchObject({ ok: false });
    expect(parseInvitation(`${base}&e=short`)).toMatchObject({ ok: false, error: expect.stringMatching(/enrollment/) });
    expect(parseRendezvousUrl('http://127.0.0.1:8443')).toBe('http://127.0.0.1:8443/');
    expect(parseRendezvousUrl('https://user:pw@rv.example/')).toBeNull();
  });
});
