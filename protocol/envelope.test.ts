import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromWireSignal, parseEnvelope, relayTypeOf, toWireSignal, type Envelope } from './envelope.ts';

const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });

const signalArb = fc.oneof(
  fc.record({ type: fc.constantFrom('offer' as const, 'answer' as const), sdp: fc.string({ maxLength: 200 }) }),
  fc.record({
    type: fc.constant('candidate' as const),
    candidate: fc.record({
      candidate: fc.string({ maxLength: 100 }),
      sdpMLineIndex: fc.integer({ min: 0, max: 8 }),
      sdpMid: fc.string({ maxLength: 5 }),
    }),
  }),
  fc.constant({ type: 'renegotiate' as const, renegotiate: true as const }),
);

const envelopeArb: fc.Arbitrary<Envelope> = fc.oneof(
  fc.record({ v: fc.constant(1 as const), kind: fc.constant('signal' as const), sid: hex(8, 16), signal: signalArb }),
  fc.record({ v: fc.constant(1 as const), kind: fc.constant('ping' as const), nonce: hex(8, 16) }),
  fc.record({ v: fc.constant(1 as const), kind: fc.constant('pong' as const), nonce: hex(8, 16), name: fc.constantFrom('Rex', 'Kitchen cam') }),
  fc.record({ v: fc.constant(1 as const), kind: fc.constant('hangup' as const), sid: hex(8, 16) }),
);

describe('parseEnvelope', () => {
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = parseEnvelope(input);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every valid envelope through JSON', () => {
    fc.assert(
      fc.property(envelopeArb, (env) => {
        const r = parseEnvelope(JSON.parse(JSON.stringify(env)));
        expect(r).toEqual({ ok: true, value: env });
      }),
    );
  });

  it('names the wrong field', () => {
    const r = parseEnvelope({ v: 1, kind: 'signal', sid: 'XYZ', signal: { type: 'offer', sdp: 'x' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^sid:/);
  });

  it('refuses peerjs connection fields, unknown kinds, other versions and oversized SDP', () => {
    const base = { v: 1, kind: 'signal', sid: 'abcdef0123', signal: { type: 'offer', sdp: 'v=0' } };
    expect(parseEnvelope(base).ok).toBe(true);
    expect(parseEnvelope({ ...base, connectionId: 'dc_x' }).ok).toBe(false);
    expect(parseEnvelope({ ...base, kind: 'media' }).ok).toBe(false);
    expect(parseEnvelope({ ...base, v: 2 }).ok).toBe(false);
    expect(parseEnvelope({ ...base, signal: { type: 'offer', sdp: 'a'.repeat(30_000) } }).ok).toBe(false);
    expect(parseEnvelope(null).ok).toBe(false);
  });

  it('survives hostile getters', () => {
    const evil = Object.defineProperty({ v: 1 }, 'kind', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(parseEnvelope(evil).ok).toBe(false);
  });
});

describe('relayTypeOf', () => {
  it('maps offer → OFFER, answer → ANSWER, the rest → CANDIDATE', () => {
    const sig = (signal: object) => ({ v: 1, kind: 'signal', sid: 'abcdef0123', signal }) as Envelope;
    expect(relayTypeOf(sig({ type: 'offer', sdp: '' }))).toBe('OFFER');
    expect(relayTypeOf(sig({ type: 'answer', sdp: '' }))).toBe('ANSWER');
    expect(relayTypeOf(sig({ type: 'candidate', candidate: { candidate: '' } }))).toBe('CANDIDATE');
    expect(relayTypeOf({ v: 1, kind: 'ping', nonce: 'abcdef0123' })).toBe('CANDIDATE');
  });
});

describe('toWireSignal / fromWireSignal', () => {
  it('names simple-peer renegotiate and transceiver signals and restores them', () => {
    const r = toWireSignal({ renegotiate: true });
    expect(r).toEqual({ type: 'renegotiate', renegotiate: true });
    expect(fromWireSignal(r!)).toEqual({ renegotiate: true });
    const t = toWireSignal({ transceiverRequest: { kind: 'audio', init: { direction: 'sendrecv' } } });
    expect(t).toEqual({ type: 'transceiverRequest', transceiverRequest: { kind: 'audio' } });
    expect(fromWireSignal(t!)).toEqual({ transceiverRequest: { kind: 'audio' } });
  });

  it('keeps only the candidate fields we relay', () => {
    const r = toWireSignal({
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0', foo: 'bar' },
    });
    expect(r).toEqual({
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0', usernameFragment: undefined },
    });
  });

  it('returns null for anything else', () => {
    expect(toWireSignal(null)).toBeNull();
    expect(toWireSignal({ type: 'rollback' })).toBeNull();
    expect(toWireSignal('offer')).toBeNull();
  });
});
