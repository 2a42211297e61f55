import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIP_CHUNK_BYTES,
  DEFAULT_DETECTION_SETTINGS,
  MAX_DROPPED_ITEMS,
  decodeBase64,
  encodeBase64,
  encodeEventMessage,
  inQuietHours,
  isEventMessageType,
  parseEventMessage,
  sha256Hex,
  type EventMessage,
} from './event-messages.ts';

const AT = 1_800_000_000_000;
const ID = '0123456789abcdef';

describe('parseEventMessage', () => {
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.json(), fc.uint8Array()), (input) => {
        expect(typeof parseEventMessage(input).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips every message type', () => {
    const data = encodeBase64(new Uint8Array(CLIP_CHUNK_BYTES).fill(7));
    const messages: EventMessage[] = [
      { t: 'event', id: ID, kind: 'barking-like', at: AT, durationMs: 2500, strength: 0.4, levelDbfs: -20, thumbnail: encodeBase64(new Uint8Array([1, 2, 3])), clip: true },
      { t: 'clip-chunk', eventId: ID, offset: 0, total: CLIP_CHUNK_BYTES, sha256: 'a'.repeat(64), mimeType: 'video/webm;codecs=vp8,opus', startedAt: AT - 3000, data },
      { t: 'event-end', id: ID, durationMs: 12_000 },
      { t: 'event-ack', id: ID },
      { t: 'clip-ack', eventId: ID, offset: 100, status: 'resume' },
      { t: 'events-dropped', items: [{ eventId: ID, kind: 'motion', at: AT, what: 'clip', reason: 'quota' }], more: 0, upTo: 1 },
      { t: 'events-dropped-ack', upTo: 3 },
      { ...DEFAULT_DETECTION_SETTINGS, motion: { ...DEFAULT_DETECTION_SETTINGS.motion, zones: { cols: 2, rows: 2, cells: '0110' } }, quietHours: { startMinute: 1320, endMinute: 420 } },
      { t: 'event-notices', on: true },
      { t: 'event-notices', on: false },
    ];
    for (const m of messages) {
      expect(isEventMessageType(m.t)).toBe(true);
      const text = encodeEventMessage(m);
      expect(parseEventMessage(text)).toEqual({ ok: true, value: m });
      expect(parseEventMessage(new TextEncoder().encode(text))).toEqual({ ok: true, value: m });
    }
  });

  it('names the wrong field and refuses out-of-bounds values', () => {
    const chunk = { t: 'clip-chunk', eventId: ID, offset: 0, total: 3, sha256: 'a'.repeat(64), mimeType: 'video/webm', startedAt: AT, data: 'AAAA' };
    expect(parseEventMessage(JSON.stringify(chunk)).ok).toBe(true);
    // A chunk longer than the clip it claims to be part of.
    expect(parseEventMessage(JSON.stringify({ ...chunk, offset: 1 }))).toEqual({ ok: false, error: '(root): chunk runs past the clip total' });
    expect(parseEventMessage(JSON.stringify({ ...chunk, data: 'AA!A' })).ok).toBe(false);
    expect(parseEventMessage(JSON.stringify({ ...chunk, mimeType: 'text/html' }))).toMatchObject({ ok: false, error: expect.stringContaining('mimeType') });
    expect(parseEventMessage(JSON.stringify({ ...chunk, data: 'A'.repeat(20_000) })).ok).toBe(false);
    const event = { t: 'event', id: ID, kind: 'bark', at: AT, durationMs: 0, strength: 0, levelDbfs: null, thumbnail: null, clip: false };
    expect(parseEventMessage(JSON.stringify(event))).toMatchObject({ ok: false, error: expect.stringContaining('kind') });
    const zones = (cells: string) => ({ ...DEFAULT_DETECTION_SETTINGS, motion: { ...DEFAULT_DETECTION_SETTINGS.motion, zones: { cols: 2, rows: 2, cells } } });
    expect(parseEventMessage(JSON.stringify(zones('011'))).ok).toBe(false);
    expect(parseEventMessage(JSON.stringify(zones('0000'))).ok).toBe(false);
    const item = { eventId: ID, kind: 'motion', at: AT, what: 'event', reason: 'quota' };
    expect(parseEventMessage(JSON.stringify({ t: 'events-dropped', items: Array(MAX_DROPPED_ITEMS + 1).fill(item), more: 0, upTo: 0 })).ok).toBe(false);
    expect(parseEventMessage(JSON.stringify({ ...DEFAULT_DETECTION_SETTINGS, cooldownSec: -1 })).ok).toBe(false);
    expect(parseEventMessage(JSON.stringify({ t: 'event-notices', on: 'yes' }))).toMatchObject({ ok: false, error: expect.stringContaining('on') });
    expect(parseEventMessage(JSON.stringify({ t: 'event-notices', on: true, all: true })).ok).toBe(false);
    expect(isEventMessageType('status')).toBe(false);
  });
});

describe('helpers', () => {
  it('base64 round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70_000 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }), { numRuns: 50 });
  });

  it('hashes like every other SHA-256', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('quiet hours wrap midnight', () => {
    const night = { startMinute: 22 * 60, endMinute: 7 * 60 };
    expect(inQuietHours(night, 23 * 60)).toBe(true);
    expect(inQuietHours(night, 3 * 60)).toBe(true);
    expect(inQuietHours(night, 7 * 60)).toBe(false);
    expect(inQuietHours(night, 12 * 60)).toBe(false);
    expect(inQuietHours({ startMinute: 60, endMinute: 120 }, 90)).toBe(true);
    expect(inQuietHours({ startMinute: 60, endMinute: 120 }, 120)).toBe(false);
    expect(inQuietHours(null, 90)).toBe(false);
  });
});
