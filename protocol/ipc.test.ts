import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipcContract, ipcEvents, SnapshotRequestSchema, ViewerSettingsSchema } from './ipc.ts';
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
});
