import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fetchIceConfig, IceConfigSchema, rtcConfigFrom } from './ice.ts';
import { parseWith } from './schema.ts';

const turn = { urls: ['turn:127.0.0.1:3478?transport=udp'], username: '1700000000:cam-1', credential: 'abc=' };

describe('ICE config', () => {
  it('parses what the server sends and never throws on garbage', () => {
    expect(parseWith(IceConfigSchema, { iceServers: [{ urls: 'stun:a.example:3478' }, turn], ttl: 600 }).ok).toBe(true);
    expect(parseWith(IceConfigSchema, { iceServers: [{ urls: 'https://evil' }], ttl: 600 }).ok).toBe(false);
    fc.assert(
      fc.property(fc.anything(), (x) => {
        expect(typeof parseWith(IceConfigSchema, x).ok).toBe('boolean');
      }),
    );
  });

  it('relay-only needs a TURN server', () => {
    expect(rtcConfigFrom({ iceServers: [{ urls: ['turn:x:3478'] }], ttl: 1 }, true).iceTransportPolicy).toBe('relay');
    expect(() => rtcConfigFrom({ iceServers: [{ urls: ['stun:x:3478'] }], ttl: 1 }, true)).toThrow(/TURN/);
    expect(rtcConfigFrom({ iceServers: [], ttl: 1 }, false)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
  });

  it('posts id and token in the body, and reports refusals clearly', async () => {
    const calls: { url: string; body: string }[] = [];
    const ok = await fetchIceConfig('https://h:1/', 'cam-1', 'tok', async (url, init) => {
      calls.push({ url, body: init.body });
      return { ok: true, status: 200, json: async () => ({ iceServers: [turn], ttl: 600 }) };
    });
    expect(ok.iceServers[0]!.urls).toEqual(turn.urls);
    expect(calls).toEqual([{ url: 'https://h:1/ice', body: '{"id":"cam-1","token":"tok"}' }]);
    await expect(fetchIceConfig('https://h:1', 'a', 'b', async () => ({ ok: false, status: 401, json: async () => ({}) }))).rejects.toThrow(/401/);
    await expect(
      fetchIceConfig('https://h:1', 'a', 'b', async () => {
        throw new Error('offline');
      }),
    ).rejects.toMatchObject({ code: 'server-unreachable' });
  });
});
