import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, type EventMessage } from '../../../../protocol/event-messages.ts';
import type { EventPrefs } from '../../../../protocol/ipc.ts';
import { formFromPrefs, minuteText, parseMinute, prefsFromForm } from './event-prefs-form.ts';
import { createEventSettings } from './event-settings.ts';
import { KIND_WORDS, eventTitle } from './event-words.ts';
import { emptyGrid, paintCell, wholeGrid } from './zone-grid.ts';

const PREFS: EventPrefs = { detection: DEFAULT_DETECTION_SETTINGS, mutedKinds: ['loud-sound'] };

describe('the detection settings form', () => {
  it('round-trips a camera\'s preferences', () => {
    const prefs: EventPrefs = {
      detection: {
        ...DEFAULT_DETECTION_SETTINGS,
        motion: { enabled: true, sensitivity: 80, zones: { cols: 16, rows: 12, cells: '1'.repeat(96) + '0'.repeat(96) }, minDurationMs: 1500 },
        sound: { enabled: false, sensitivity: 30 },
        cooldownSec: 120,
        quietHours: { startMinute: 22 * 60 + 30, endMinute: 6 * 60 },
      },
      mutedKinds: ['motion', 'camera-offline'],
    };
    const form = formFromPrefs(prefs);
    expect(form).toMatchObject({ minDurationSec: 1.5, quietHours: true, quietStart: '22:30', quietEnd: '06:00', alerts: { motion: false, 'barking-like': true, 'camera-offline': false } });
    expect(prefsFromForm(form)).toEqual({ ok: true, prefs });
    expect(prefsFromForm(formFromPrefs(PREFS))).toEqual({ ok: true, prefs: PREFS });
  });

  it('edits become the wire\'s units; the whole picture is null zones', () => {
    const form = { ...formFromPrefs(PREFS), minDurationSec: 2.25, motionSensitivity: 90.4, quietHours: true, quietStart: '23:00', quietEnd: '07:15', zones: paintCell(emptyGrid(4, 3), 5, true) };
    const result = prefsFromForm(form);
    expect(result).toMatchObject({ ok: true, prefs: { detection: { motion: { minDurationMs: 2250, sensitivity: 90, zones: { cols: 4, rows: 3, cells: '000001000000' } }, quietHours: { startMinute: 1380, endMinute: 435 } } } });
    expect(prefsFromForm({ ...form, zones: wholeGrid(4, 3) })).toMatchObject({ ok: true, prefs: { detection: { motion: { zones: null } } } });
  });

  it('says what is wrong instead of saving what the camera would refuse', () => {
    const form = formFromPrefs(PREFS);
    expect(prefsFromForm({ ...form, zones: emptyGrid() })).toEqual({ ok: false, error: expect.stringContaining('at least one part of the picture') });
    expect(prefsFromForm({ ...form, quietHours: true, quietStart: '', quietEnd: '07:00' })).toEqual({ ok: false, error: 'Quiet hours need a start and an end time.' });
    expect(prefsFromForm({ ...form, quietHours: true, quietStart: '07:00', quietEnd: '07:00' })).toMatchObject({ ok: false });
    expect(prefsFromForm({ ...form, cooldownSec: 99_999 })).toMatchObject({ ok: false, error: expect.stringContaining('cannot be saved') });
    expect(prefsFromForm({ ...form, minDurationSec: 11 })).toMatchObject({ ok: false });
  });

  it('reads and writes times of day', () => {
    expect(minuteText(0)).toBe('00:00');
    expect(minuteText(1439)).toBe('23:59');
    expect(parseMinute('7:05')).toBe(425);
    expect(parseMinute('23:59:00')).toBe(1439);
    expect(parseMinute('24:00')).toBeNull();
    expect(parseMinute('noon')).toBeNull();
  });

  it('names sound kinds as patterns, never as a bark', () => {
    for (const words of Object.values(KIND_WORDS)) expect(words).not.toMatch(/\bbark\b/i);
    expect(eventTitle('Hall', 'loud-sound')).toBe('Hall: loud sound');
  });
});

describe('createEventSettings', () => {
  it('saves through main, then sends the camera the settings main now answers over its open link', async () => {
    let stored = PREFS;
    const sent: [string, EventMessage][] = [];
    const access = createEventSettings(
      {
        getEventPrefs: async () => stored,
        setEventPrefs: async (_id, prefs) => (stored = prefs as EventPrefs),
        getDetectionSettings: async () => stored.detection,
        handleEventMessage: async () => [],
      },
      (cameraId, message) => (cameraId === 'cam-hall' ? (sent.push([cameraId, message]), true) : false),
    )!;
    const next: EventPrefs = { ...PREFS, detection: { ...PREFS.detection, cooldownSec: 5 } };
    await expect(access.save('cam-hall', next)).resolves.toEqual({ prefs: next, sent: true });
    expect(sent).toEqual([['cam-hall', next.detection]]);
    await expect(access.load('cam-hall')).resolves.toEqual(next);
    // A camera with no open link gets them when it connects (getDetectionSettings answers the saved ones).
    await expect(access.save('cam-away', next)).resolves.toEqual({ prefs: next, sent: false });
  });

  it('is absent in a shell without event preferences (the web viewer)', () => {
    expect(createEventSettings({}, () => true)).toBeNull();
  });
});
