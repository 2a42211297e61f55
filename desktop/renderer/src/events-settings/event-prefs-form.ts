/**
 * The detection settings form's state and its translation to and from a camera's event preferences: seconds where
 * the wire has milliseconds, "HH:MM" where it has minutes of the day, "raises alerts" where it has muted kinds, and the
 * zone grid. Checked with the IPC contract's own schema before anything is saved.
 */
import { EVENT_KINDS, type EventKind } from '../../../../protocol/event-messages.ts';
import { EventPrefsSchema, type EventPrefs } from '../../../../protocol/ipc.ts';
import { parseWith } from '../../../../protocol/schema.ts';
import { gridFromZones, zonesFromGrid, type ZoneGrid } from './zone-grid.ts';

/** What the form edits. */
export interface PrefsForm {
  motionEnabled: boolean;
  /** 1 (only big movement) .. 100 (the slightest). */
  motionSensitivity: number;
  /** Motion must last this long to count, seconds. */
  minDurationSec: number;
  soundEnabled: boolean;
  soundSensitivity: number;
  /** Least time between two events of one kind, seconds. */
  cooldownSec: number;
  quietHours: boolean;
  /** "HH:MM", local time. */
  quietStart: string;
  quietEnd: string;
  /** Kinds that raise an alert (the rest are muted: still recorded, no notification). */
  alerts: Record<EventKind, boolean>;
  zones: ZoneGrid;
}

/** "HH:MM" for a minute of the day. */
export function minuteText(minute: number): string {
  const m = Math.max(0, Math.min(1439, Math.round(minute)));
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** The minute of the day for "HH:MM" (what `<input type=time>` gives), or null. */
export function parseMinute(text: string): number | null {
  const match = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : null;
}

/** The form for a camera's preferences. */
export function formFromPrefs(prefs: EventPrefs): PrefsForm {
  const d = prefs.detection;
  const alerts = Object.fromEntries(EVENT_KINDS.map((kind) => [kind, !prefs.mutedKinds.includes(kind)])) as Record<EventKind, boolean>;
  return {
    motionEnabled: d.motion.enabled,
    motionSensitivity: d.motion.sensitivity,
    minDurationSec: d.motion.minDurationMs / 1000,
    soundEnabled: d.sound.enabled,
    soundSensitivity: d.sound.sensitivity,
    cooldownSec: d.cooldownSec,
    quietHours: d.quietHours !== null,
    quietStart: minuteText(d.quietHours?.startMinute ?? 22 * 60),
    quietEnd: minuteText(d.quietHours?.endMinute ?? 7 * 60),
    alerts,
    zones: gridFromZones(d.motion.zones),
  };
}

/** The preferences the form says, or what is wrong with it in the owner's words. */
export function prefsFromForm(form: PrefsForm): { ok: true; prefs: EventPrefs } | { ok: false; error: string } {
  const zones = zonesFromGrid(form.zones);
  if (zones === 'none') return { ok: false, error: 'Pick at least one part of the picture to watch, or choose Whole picture.' };
  let quietHours: { startMinute: number; endMinute: number } | null = null;
  if (form.quietHours) {
    const startMinute = parseMinute(form.quietStart);
    const endMinute = parseMinute(form.quietEnd);
    if (startMinute === null || endMinute === null) return { ok: false, error: 'Quiet hours need a start and an end time.' };
    if (startMinute === endMinute) return { ok: false, error: 'Quiet hours must start and end at different times.' };
    quietHours = { startMinute, endMinute };
  }
  const prefs = {
    detection: {
      t: 'detection-settings',
      motion: { enabled: form.motionEnabled, sensitivity: Math.round(form.motionSensitivity), zones, minDurationMs: Math.round(form.minDurationSec * 1000) },
      sound: { enabled: form.soundEnabled, sensitivity: Math.round(form.soundSensitivity) },
      cooldownSec: Math.round(form.cooldownSec),
      quietHours,
    },
    mutedKinds: EVENT_KINDS.filter((kind) => !form.alerts[kind]),
  };
  const parsed = parseWith(EventPrefsSchema, prefs);
  if (!parsed.ok) return { ok: false, error: `These settings cannot be saved (${parsed.error}).` };
  return { ok: true, prefs: parsed.value };
}
