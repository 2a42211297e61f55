/** Data-channel frames arrive as text or as UTF-8 bytes (simple-peer hands them over as bytes). */

let decoder: TextDecoder | null = null;

/**
 * The frame as text when it is UTF-8 bytes; anything else unchanged (the schemas refuse it). The decoder is made on
 * first use, so importing a schema module needs no TextDecoder (the preload imports the schemas, never parses frames).
 */
export function frameText(input: unknown): unknown {
  if (!(input instanceof Uint8Array)) return input;
  decoder ??= new TextDecoder();
  return decoder.decode(input);
}
