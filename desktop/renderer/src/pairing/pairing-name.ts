/** The viewer's name as the Add camera panel asks for it: what a typed draft means for the stored name. */
import { cleanName } from '../cameras/camera-list.ts';

/** The longest name a camera keeps (protocol NameSchema). */
export const MAX_VIEWER_NAME = 60;

/** What to do with a draft: nothing (unchanged), refuse it (empty), or save this cleaned name. */
export type NameDraft = { kind: 'same' } | { kind: 'empty' } | { kind: 'save'; name: string };

/** Read a typed name against the stored one: spaces folded and trimmed, an empty name refused, a too long one cut. */
export function readNameDraft(draft: string, stored: string): NameDraft {
  const name = cleanName(draft).slice(0, MAX_VIEWER_NAME).trim();
  if (name === '') return { kind: 'empty' };
  if (name === stored) return { kind: 'same' };
  return { kind: 'save', name };
}
