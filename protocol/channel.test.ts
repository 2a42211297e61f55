import { describe, expect, it } from 'vitest';
import { parseChannelMessage } from './channel.ts';
import { encodeEventMessage } from './event-messages.ts';

describe('parseChannelMessage', () => {
  it('routes session messages and event messages to their own schema, as text or bytes', () => {
    expect(parseChannelMessage(JSON.stringify({ t: 'link', mode: 'live' }))).toEqual({ ok: true, family: 'data', value: { t: 'link', mode: 'live' } });
    const ack = { t: 'event-ack', id: '0123456789abcdef' } as const;
    const parsed = parseChannelMessage(new TextEncoder().encode(encodeEventMessage(ack as never)));
    expect(parsed.ok && parsed.family).toBe('event');
    // A viewer's subscription to notices is an event message too (an older camera sees a newer kind and ignores it).
    expect(parseChannelMessage(JSON.stringify({ t: 'event-notices', on: true }))).toEqual({ ok: true, family: 'event', value: { t: 'event-notices', on: true } });
  });

  it('refuses a malformed event message instead of passing it on as a newer kind', () => {
    const parsed = parseChannelMessage(JSON.stringify({ t: 'clip-chunk', eventId: 'x' }));
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.newerKind).toBeFalsy();
  });

  it('a kind neither family knows is a newer peer\'s; garbage is malformed', () => {
    expect(parseChannelMessage(JSON.stringify({ t: 'future-thing' }))).toMatchObject({ ok: false, newerKind: 'future-thing' });
    expect(parseChannelMessage('not json').ok).toBe(false);
    expect(parseChannelMessage(42).ok).toBe(false);
  });
});
