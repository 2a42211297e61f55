/**
 * The Settings screen's event retention boxes: a number of days or gigabytes typed as text, an empty box for no
 * limit. Checked here so the owner reads what is wrong in words; main checks the same bounds again.
 */
import type { ViewerSettings } from '../../../../protocol/ipc.ts';

/** The two retention settings. */
export type RetentionKey = 'retentionDays' | 'retentionGigabytes';

/** What a box says, or what is wrong with it. */
export type RetentionInput = { ok: true; value: number | null } | { ok: false; error: string };

const LIMITS: Record<RetentionKey, { min: number; max: number; integer: boolean; error: string }> = {
  retentionDays: { min: 1, max: 3650, integer: true, error: 'Keep events for 1 to 3650 days, or leave the box empty to keep them all.' },
  retentionGigabytes: { min: 0.1, max: 100_000, integer: false, error: 'Keep at most 0.1 to 100000 GB of clips, or leave the box empty for no size limit.' },
};

/** The text a box shows for a stored limit (empty for none). */
export function retentionText(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/** The limit a box's text says: null when empty, else a number within the setting's bounds. */
export function parseRetention(key: RetentionKey, text: string): RetentionInput {
  const limits = LIMITS[key];
  // A decimal comma is how much of the world writes 2.5.
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return { ok: true, value: null };
  const pattern = limits.integer ? /^\d+$/ : /^(?:\d+(?:\.\d*)?|\.\d+)$/;
  const value = Number(trimmed);
  if (!pattern.test(trimmed) || value < limits.min || value > limits.max) return { ok: false, error: limits.error };
  return { ok: true, value };
}

/** The change to save for a box's text: null when it says what is stored already. */
export function retentionChange(key: RetentionKey, text: string, current: Pick<ViewerSettings, RetentionKey>): RetentionInput | null {
  const input = parseRetention(key, text);
  if (input.ok && input.value === (current[key] ?? null)) return null;
  return input;
}
