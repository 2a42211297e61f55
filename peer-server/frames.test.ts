import { describe, expect, it } from 'vitest';
import { parseClientFrame } from './frames.ts';

const text = (s: string) => Buffer.from(s, 'utf8');

describe('parseClientFrame', () => {
  it('accepts what a PeerJS client sends', () => {
    expect(parseClientFrame(text('{"type":"HEARTBEAT"}'), false)).toEqual({ ok: true, value: { type: 'HEARTBEAT' } });
    const offer = { type: 'OFFER', dst: 'cam-1', payload: { v: 1, kind: 'ping', nonce: '0123456789' } };
    expect(parseClientFrame(text(JSON.stringify(offer)), false)).toEqual({ ok: true, value: offer });
    expect(parseClientFrame(text('{"type":"LEAVE","dst":"cam-1"}'), false)).toMatchObject({ ok: true });
  });

  it('strips fields the server fills in itself', () => {
    const parsed = parseClientFrame(text('{"type":"CANDIDATE","dst":"cam-1","src":"forged","payload":{"a":1}}'), false);
    expect(parsed).toEqual({ ok: true, value: { type: 'CANDIDATE', dst: 'cam-1', payload: { a: 1 } } });
  });

  it.each([
    ['binary', Buffer.from([1, 2, 3]), true],
    ['not JSON', text('{'), false],
    ['null', text('null'), false],
    ['a number', text('42'), false],
    ['an array', text('[]'), false],
    ['an unknown type', text('{"type":"OPEN"}'), false],
    ['EXPIRE from a client', text('{"type":"EXPIRE","dst":"cam-1"}'), false],
    ['LEAVE without dst', text('{"type":"LEAVE"}'), false],
    ['a bad dst', text('{"type":"OFFER","dst":"a b","payload":{}}'), false],
    ['a null payload', text('{"type":"OFFER","dst":"cam-1","payload":null}'), false],
    ['no payload', text('{"type":"ANSWER","dst":"cam-1"}'), false],
    ['not a buffer', 42, false],
  ])('drops %s', (_name, data, isBinary) => {
    expect(parseClientFrame(data, isBinary).ok).toBe(false);
  });
});
