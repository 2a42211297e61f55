/** Data-channel messages between camera and viewer (status, controls, events), parsed from `unknown`. */
import * as v from 'valibot';
import { NameSchema, parseJsonWith, type Parsed } from './schema.ts';

/** Camera → viewer, first message on a new data channel. */
const HelloSchema = v.strictObject({ t: v.literal('hello'), name: NameSchema });

/** Every data-channel message. Later features add variants here. */
export const DataMessageSchema = v.variant('t', [HelloSchema]);
export type DataMessage = v.InferOutput<typeof DataMessageSchema>;

/** Largest data-channel message we accept, in characters. */
export const MAX_DATA_MESSAGE_CHARS = 16_384;

const decoder = new TextDecoder();

/** Parse one data-channel message (a JSON text frame, or its UTF-8 bytes). */
export function parseDataMessage(input: unknown): Parsed<DataMessage> {
  // simple-peer hands data-channel frames over as bytes.
  const text = input instanceof Uint8Array ? decoder.decode(input) : input;
  if (typeof text === 'string' && text.length > MAX_DATA_MESSAGE_CHARS) return { ok: false, error: '(root): too long' };
  return parseJsonWith(DataMessageSchema, text);
}

/** Serialise a data-channel message. */
export function encodeDataMessage(message: DataMessage): string {
  return JSON.stringify(message);
}
