import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDataMessage, parseDataMessage, type DataMessage } from './messages.ts';
import { parseServerMessage } from './server-messages.ts';

describe('parseDataMessage', () => {
  it('never throws on arbitrary input, text or bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.json(), fc.uint8Array()), (input) => {
        expect(typeof parseDataMessage(input).ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips hello as text and as bytes', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)), (name) => {
        const msg: DataMessage = { t: 'hello', name };
        expect(parseDataMessage(encodeDataMessage(msg))).toEqual({ ok: true, value: msg });
        expect(parseDataMessage(new TextEncoder().encode(encodeDataMessage(msg)))).toEqual({ ok: true, value: msg });
      }),
    );
  });

  it('refuses names with control characters and oversized frames', () => {
    expect(parseDataMessage('{"t":"hello","name":"a\\u0000b"}').ok).toBe(false);
    expect(parseDataMessage(`{"t":"hello","name":"${'a'.repeat(20_000)}"}`).ok).toBe(false);
  });
});

describe('parseServerMessage', () => {
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(typeof parseServerMessage(input).ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts what the PeerServer sends', () => {
    expect(parseServerMessage({ type: 'OPEN' }).ok).toBe(true);
    expect(parseServerMessage({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } }).ok).toBe(true);
    expect(parseServerMessage({ type: 'EXPIRE', src: 'cam-1', dst: 'viewer-1' }).ok).toBe(true);
    expect(parseServerMessage({ type: 'OFFER', src: 'viewer-1', dst: 'cam-1', payload: {} }).ok).toBe(true);
    expect(parseServerMessage({ type: 'OFFER', dst: 'cam-1', payload: {} }).ok).toBe(false);
  });
});
