import { describe, expect, it } from 'vitest';
import { checkClientFrame, parseClientFrame, stampedText } from './frames.ts';

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
    ['an array payload', text('{"type":"OFFER","dst":"cam-1","payload":[1]}'), false],
    ['a string payload', text('{"type":"CANDIDATE","dst":"cam-1","payload":"x"}'), false],
    ['a numeric type', text('{"type":1,"dst":"cam-1","payload":{}}'), false],
    ['a dst that is not a string', text('{"type":"OFFER","dst":["cam-1"],"payload":{}}'), false],
    ['a dst longer than an ID', text(`{"type":"OFFER","dst":"${'a'.repeat(65)}","payload":{}}`), false],
    ['a text frame as a string', '{"type":"HEARTBEAT"}', false],
    ['no payload', text('{"type":"ANSWER","dst":"cam-1"}'), false],
    ['not a buffer', 42, false],
  ])('drops %s', (_name, data, isBinary) => {
    expect(parseClientFrame(data, isBinary).ok).toBe(false);
  });
});

describe('stampedText', () => {
  const checked = (s: string) => {
    const c = checkClientFrame(text(s), false);
    if (!c.ok) throw new Error(c.error);
    return c.value;
  };

  it('forwards an exact frame as it came, with the server src last', () => {
    const raw = '{ "type":"CANDIDATE", "dst":"cam-1", "payload":{"c":"é \\u00e9 }","n":[1,{}]} }\n';
    const c = checked(raw);
    expect(c.exact).toBe(true);
    const out = stampedText(c, 'viewer-a');
    expect(out.startsWith(raw.slice(0, raw.lastIndexOf('}')))).toBe(true);
    expect(JSON.parse(out)).toEqual({ type: 'CANDIDATE', dst: 'cam-1', payload: { c: 'é é }', n: [1, {}] }, src: 'viewer-a' });
  });

  it('never lets a client src through, however it is written', () => {
    for (const raw of [
      '{"type":"OFFER","src":"forged","dst":"cam-1","payload":{}}',
      '{"type":"OFFER","dst":"cam-1","payload":{},"src":"forged"}',
      '{"type":"OFFER","dst":"cam-1","payload":{},"\\u0073rc":"forged"}',
      '{"type":"OFFER","dst":"cam-1","payload":{},"__proto__":{"src":"forged"}}',
    ]) {
      const c = checked(raw);
      expect(c.exact).toBe(false);
      const out = JSON.parse(stampedText(c, 'viewer-a')) as Record<string, unknown>;
      expect(out).toEqual({ type: 'OFFER', dst: 'cam-1', payload: {}, src: 'viewer-a' });
    }
  });

  it('rebuilds a frame with extra fields from its checked fields', () => {
    const c = checked('{"type":"ANSWER","dst":"cam-1","payload":{"a":1},"evil":"x"}');
    expect(c.exact).toBe(false);
    expect(JSON.parse(stampedText(c, 'cam-2'))).toEqual({ type: 'ANSWER', dst: 'cam-1', payload: { a: 1 }, src: 'cam-2' });
  });

  it('keeps the last of repeated keys, as the destination will read them', () => {
    const c = checked('{"type":"CANDIDATE","dst":"cam-9","payload":{},"dst":"cam-1"}');
    expect(c.frame).toMatchObject({ dst: 'cam-1' });
    expect(JSON.parse(stampedText(c, 'v-1'))).toMatchObject({ dst: 'cam-1', src: 'v-1' });
  });
});
