import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS } from './event-messages.ts';
import { DetectionSettingsSchema, ipcContract, ipcEvents, SnapshotRequestSchema, ViewerSettingsSchema } from './ipc.ts';
import { parseWith } from './schema.ts';

describe('IPC contract schemas', () => {
  it('never throw on arbitrary arguments or results, whatever crosses the bridge', () => {
    const schemas = [
      ...Object.values(ipcContract).flatMap((c) => [c.args, c.result]),
      ...Object.values(ipcEvents).map((e) => e.payload),
    ];
    fc.assert(
      fc.property(fc.anything(), fc.nat(schemas.length - 1), (input, i) => {
        expect(typeof parseWith(schemas[i]!, input).ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trip valid settings and snapshot requests; refuse oversized or empty PNGs', () => {
    fc.assert(
      fc.property(
        fc.record({
          serverUrl: fc.constantFrom(null, 'https://cam.example.org'),
          serverFingerprint: fc.constantFrom(null, 'AB:CD'),
          snapshotFolder: fc.constantFrom(null, '/home/me/Pictures'),
          snapshotShortcut: fc.constantFrom(null, 'CommandOrControl+Alt+P'),
          startAtLogin: fc.boolean(),
          notifications: fc.boolean(),
          alwaysRelay: fc.boolean(),
          viewerName: fc.constantFrom('Office PC', 'Laptop'),
        }),
        (settings) => {
          expect(parseWith(ViewerSettingsSchema, settings)).toEqual({ ok: true, value: settings });
        },
      ),
    );
    expect(parseWith(SnapshotRequestSchema, { cameraName: 'Rex', png: new Uint8Array([1]) }).ok).toBe(true);
    expect(parseWith(SnapshotRequestSchema, { cameraName: 'Rex', png: new Uint8Array(0) }).ok).toBe(false);
    expect(parseWith(ipcContract.openExternal.args, ['javascript:alert(1)']).ok).toBe(false);
    expect(parseWith(ipcContract.openExternal.args, ['https://pawcam.example']).ok).toBe(true);
  });

  it('carry a camera\'s event message to main and its replies back, as event messages and nothing else', () => {
    const event = { t: 'event', id: '00000000000000a1', kind: 'barking-like', at: 1_800_000_000_000, durationMs: 1200, strength: 0.4, levelDbfs: -20, thumbnail: null, clip: true };
    const args = ipcContract.handleEventMessage.args;
    expect(parseWith(args, ['cam-1', event])).toEqual({ ok: true, value: ['cam-1', event] });
    // The viewer hands the parsed message, never its text: a string is refused like any other stranger.
    expect(parseWith(args, ['cam-1', JSON.stringify(event)]).ok).toBe(false);
    expect(parseWith(args, ['cam-1', { ...event, kind: 'bark' }])).toMatchObject({ ok: false, error: expect.stringContaining('kind') });
    expect(parseWith(ipcContract.handleEventMessage.result, [{ t: 'event-ack', id: event.id }]).ok).toBe(true);
    expect(parseWith(ipcContract.handleEventMessage.result, [event, event, event, event, event]).ok).toBe(false);
  });

  it('detection settings are a detection-settings message, not any event message', () => {
    expect(parseWith(DetectionSettingsSchema, DEFAULT_DETECTION_SETTINGS)).toEqual({ ok: true, value: DEFAULT_DETECTION_SETTINGS });
    expect(parseWith(DetectionSettingsSchema, { t: 'event-ack', id: '00000000000000a1' }).ok).toBe(false);
    expect(parseWith(DetectionSettingsSchema, { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: -1 }).ok).toBe(false);
    expect(parseWith(ipcContract.getDetectionSettings.result, DEFAULT_DETECTION_SETTINGS).ok).toBe(true);
  });
});
