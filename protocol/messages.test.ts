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

  it('accepts controls, talk and status; refuses unknown presets and out-of-range values', () => {
    const ok = [
      { t: 'control', id: 1, action: { type: 'switch-camera' } },
      { t: 'control', id: 2, action: { type: 'quality', preset: '360p15' } },
      { t: 'control', id: 3, action: { type: 'torch', on: true } },
      { t: 'control-result', id: 3, ok: false, error: 'this camera has no torch' },
      { t: 'talk', on: true },
      { t: 'link', mode: 'standby' },
      { t: 'link', mode: 'live' },
      { t: 'status', battery: { level: 0.4, charging: false }, video: { width: 1280, height: 720, fps: 29.5 }, quality: '720p30', facing: 'environment', torch: null, uptimeSec: 60, wakeLock: true, hidden: false },
    ];
    for (const m of ok) expect(parseDataMessage(JSON.stringify(m))).toEqual({ ok: true, value: m });
    expect(parseDataMessage(JSON.stringify({ t: 'control', id: 1, action: { type: 'quality', preset: '4k' } })).ok).toBe(false);
    expect(parseDataMessage(JSON.stringify({ t: 'status', battery: { level: 2, charging: true } })).ok).toBe(false);
    expect(parseDataMessage(JSON.stringify({ t: 'link', mode: 'full' })).ok).toBe(false);
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

describe('data messages across versions', () => {
  it('a newer peer: a kind this version does not know is reported as newer, not as malformed', () => {
    const parsed = parseDataMessage(JSON.stringify({ t: 'event-clip', id: 'x', bytes: 10 }));
    expect(parsed).toMatchObject({ ok: false, newerKind: 'event-clip' });
    // Garbage is still garbage.
    expect(parseDataMessage('{"t":42}')).not.toHaveProperty('newerKind');
    expect(parseDataMessage('not json')).not.toHaveProperty('newerKind');
  });

  it('a newer peer: a known kind with a field this version does not know is malformed (shape changes ship as new kinds)', () => {
    const parsed = parseDataMessage(JSON.stringify({ t: 'talk', on: true, volume: 3 }));
    expect(parsed.ok).toBe(false);
    expect(parsed).not.toHaveProperty('newerKind');
  });

  it('an older peer: every kind in the form the first version sent still parses', () => {
    const firstVersion = ['{"t":"hello","name":"Rex cam"}', '{"t":"talk","on":false}', '{"t":"control","id":7,"action":{"type":"chime"}}', '{"t":"control-result","id":7,"ok":true}'];
    for (const frame of firstVersion) expect(parseDataMessage(frame)).toEqual({ ok: true, value: JSON.parse(frame) });
  });
});
