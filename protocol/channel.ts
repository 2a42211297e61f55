/**
 * One data channel, two families of messages: the session's own (status, controls, link; messages.ts) and the
 * events a camera delivers to a desktop (event-messages.ts). Each frame is routed by its `t` and parsed strictly by
 * its family's schema, from `unknown`, with that family's size bound.
 */
import { isEventMessageType, parseEventMessage, type EventMessage } from './event-messages.ts';
import { kindOf, parseDataMessage, type DataMessage } from './messages.ts';
import { frameText } from './utf8.ts';

/** How one frame parsed: a message of either family, or why not (`newerKind`: a kind only a newer peer sends). */
export type ChannelParse =
  | { ok: true; family: 'data'; value: DataMessage }
  | { ok: true; family: 'event'; value: EventMessage }
  | { ok: false; error: string; newerKind?: string };

/** Parse one data-channel frame (text, or its UTF-8 bytes as simple-peer hands them over). */
export function parseChannelMessage(input: unknown): ChannelParse {
  const text = frameText(input);
  if (isEventMessageType(kindOf(text))) {
    const event = parseEventMessage(text);
    return event.ok ? { ok: true, family: 'event', value: event.value } : { ok: false, error: event.error };
  }
  const data = parseDataMessage(text);
  return data.ok ? { ok: true, family: 'data', value: data.value } : data;
}
