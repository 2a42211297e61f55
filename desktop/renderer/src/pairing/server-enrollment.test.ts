import { describe, expect, it } from 'vitest';
import type { HttpLike } from '../../../../protocol/enrollment.ts';
import { serverEnrollment } from './server-enrollment.ts';

function fake(status: number, body: unknown = {}) {
  const calls: { url: string; headers: Record<string, string>; body: unknown }[] = [];
  const http: HttpLike = async (url, init) => {
    calls.push({ url, headers: init.headers, body: init.body ? JSON.parse(init.body) : null });
    return { ok: status < 300, status, json: async () => body };
  };
  return { http, calls };
}

describe('the viewer’s enrollment', () => {
  it('enrolls its base ID with the owner credential, mints link enrollments and opens code enrollments', async () => {
    const { http, calls } = fake(200, { credential: 'a'.repeat(40) });
    const owner = serverEnrollment({ serverUrl: 'https://s.example', owner: 'f'.repeat(32) }, http);
    expect(await owner.enroll('viewer-x_mini', 't'.repeat(32))).toBe('enrolled');
    expect(calls[0]).toMatchObject({ url: 'https://s.example/enroll', headers: { authorization: `Bearer ${'f'.repeat(32)}` }, body: { id: 'viewer-x' } });
    expect(await owner.linkEnrollment()).toBe('a'.repeat(40));
    await owner.openCode('ABC123');
    expect(calls[2]).toMatchObject({ url: 'https://s.example/enrollments', body: { handle: 'abc123' } });
  });

  it('without the owner credential: asks only to enroll (an open server, or an ID already ours), mints nothing', async () => {
    const { http, calls } = fake(403);
    const guest = serverEnrollment({ serverUrl: 'https://s.example', owner: null }, http);
    expect(await guest.enroll('viewer-x', 't'.repeat(32))).toBe('refused');
    expect(await guest.linkEnrollment()).toBeNull();
    await guest.openCode('abc123');
    expect(calls.map((c) => c.url)).toEqual(['https://s.example/enroll']);
    expect(calls[0]!.headers['authorization']).toBeUndefined();
  });
});
