import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_SNAPSHOT_DIMENSION,
  SnapshotError,
  nodeSnapshotFs,
  safeNamePart,
  setupSnapshots,
  snapshotFileName,
  validatePng,
  writeSnapshot,
  type SnapshotFs,
} from './snapshots.ts';

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A solid-colour RGB PNG. */
function png(width: number, height: number, rgb: [number, number, number] = [200, 120, 40]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

const at = new Date(2025, 2, 4, 5, 6, 7);
const expectedName = 'pawcam-Living-room-2025-03-04_05-06-07.png';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-snap-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validatePng', () => {
  it('accepts a real PNG and reports its size', () => {
    expect(validatePng(png(64, 36))).toEqual({ width: 64, height: 36 });
  });

  it.each([
    ['empty', new Uint8Array()],
    ['JPEG bytes', Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...new Array(60).fill(0)])],
    ['a truncated PNG', png(8, 8).subarray(0, 60)],
    ['text', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'.padEnd(80, ' '))],
  ])('rejects %s', (_label, bytes) => {
    expect(() => validatePng(bytes)).toThrow(SnapshotError);
  });

  it('rejects a corrupted checksum', () => {
    const bytes = png(8, 8);
    bytes[20] = bytes[20]! ^ 0xff;
    expect(() => validatePng(bytes)).toThrow(/checksum/);
  });

  it('rejects absurd dimensions and trailing data', () => {
    expect(() => validatePng(png(1, 1).fill(0, 16, 20))).toThrow(SnapshotError);
    const huge = png(1, 1);
    huge.writeUInt32BE(MAX_SNAPSHOT_DIMENSION + 1, 16);
    huge.writeUInt32BE(crc32(huge.subarray(12, 29)), 29);
    expect(() => validatePng(huge)).toThrow(/out of range/);
    expect(() => validatePng(Buffer.concat([png(2, 2), Buffer.from('extra')]))).toThrow(/after IEND/);
  });

  it('rejects a PNG above the size bound', () => {
    expect(() => validatePng(png(4, 4), 50)).toThrow(/size/);
  });
});

describe('file names', () => {
  it('uses pawcam-<name>-YYYY-MM-DD_HH-MM-SS.png with collision suffixes', () => {
    expect(snapshotFileName('Living room', at)).toBe(expectedName);
    expect(snapshotFileName('Living room', at, 3)).toBe('pawcam-Living-room-2025-03-04_05-06-07-3.png');
  });

  it.each([
    ['../../etc/passwd', 'etc-passwd'],
    ['C:\\Windows\\evil', 'C-Windows-evil'],
    ['a<b>c:d"e|f?g*h', 'a-b-c-d-e-f-g-h'],
    ['tab\tand\nnewline', 'tab-and-newline'],
    ['...', 'camera'],
    ['   ', 'camera'],
    ['CON', 'CON_'],
    ['lpt1', 'lpt1_'],
    ['Mörkö 🐱', 'Mörkö-🐱'],
    ['trailing dot.', 'trailing-dot'],
  ])('makes %j safe as %j', (input, safe) => {
    expect(safeNamePart(input)).toBe(safe);
  });

  it('bounds the length', () => {
    expect([...safeNamePart('x'.repeat(200))]).toHaveLength(40);
  });
});

describe('writeSnapshot against a real folder', () => {
  it('writes the PNG under the expected name, byte for byte', async () => {
    const bytes = png(32, 18);
    const path = await writeSnapshot({ folder: dir, cameraName: 'Living room', png: bytes, at });
    expect(path).toBe(join(dir, expectedName));
    expect(await readFile(path)).toEqual(bytes);
    expect(await readdir(dir)).toEqual([expectedName]);
  });

  it('never overwrites: collisions get -2, -3', async () => {
    await writeFile(join(dir, expectedName), 'an older picture');
    const second = await writeSnapshot({ folder: dir, cameraName: 'Living room', png: png(2, 2), at });
    const third = await writeSnapshot({ folder: dir, cameraName: 'Living room', png: png(3, 3), at });
    expect(second).toBe(join(dir, 'pawcam-Living-room-2025-03-04_05-06-07-2.png'));
    expect(third).toBe(join(dir, 'pawcam-Living-room-2025-03-04_05-06-07-3.png'));
    expect(await readFile(join(dir, expectedName), 'utf8')).toBe('an older picture');
    expect((await readdir(dir)).sort()).toHaveLength(3);
  });

  it('saves many snapshots at once without losing any', async () => {
    const paths = await Promise.all(Array.from({ length: 8 }, (_, i) => writeSnapshot({ folder: dir, cameraName: 'cat', png: png(i + 1, 1), at })));
    expect(new Set(paths).size).toBe(8);
    expect(await readdir(dir)).toHaveLength(8);
  });

  it('falls back to check-then-rename where hard links are unsupported', async () => {
    const fs: SnapshotFs = { ...nodeSnapshotFs, link: () => Promise.reject(Object.assign(new Error('no links'), { code: 'EPERM' })) };
    await writeFile(join(dir, expectedName), 'older');
    const path = await writeSnapshot({ folder: dir, cameraName: 'Living room', png: png(2, 2), at, fs });
    expect(path).toBe(join(dir, 'pawcam-Living-room-2025-03-04_05-06-07-2.png'));
    expect((await readdir(dir)).sort()).toEqual(['pawcam-Living-room-2025-03-04_05-06-07-2.png', expectedName]);
  });

  it('a missing folder gives a clear error', async () => {
    const missing = join(dir, 'gone');
    await expect(writeSnapshot({ folder: missing, cameraName: 'cat', png: png(2, 2), at })).rejects.toMatchObject({
      reason: 'folder-missing',
      message: expect.stringContaining(`${missing} does not exist`),
    });
  });

  it('a folder that cannot be written gives a clear error and leaves nothing behind', async () => {
    // Tests run as root, where chmod does not block writes: a "folder" below a regular file fails with ENOTDIR.
    await writeFile(join(dir, 'a-file'), 'x');
    const folder = join(dir, 'a-file', 'snapshots');
    await expect(writeSnapshot({ folder, cameraName: 'cat', png: png(2, 2), at })).rejects.toMatchObject({ reason: 'folder-missing' });
    // And a permission refusal (EACCES from open), injected because root bypasses mode bits.
    const fs: SnapshotFs = { ...nodeSnapshotFs, open: () => Promise.reject(Object.assign(new Error('denied'), { code: 'EACCES' })) };
    await expect(writeSnapshot({ folder: dir, cameraName: 'cat', png: png(2, 2), at, fs })).rejects.toMatchObject({
      reason: 'not-writable',
      message: expect.stringContaining('not allowed to write'),
    });
    expect(await readdir(dir)).toEqual(['a-file']);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only folder (chmod 0o500) gives not-writable', async () => {
    const { chmod, mkdir } = await import('node:fs/promises');
    const folder = join(dir, 'ro');
    await mkdir(folder);
    await chmod(folder, 0o500);
    await expect(writeSnapshot({ folder, cameraName: 'cat', png: png(2, 2), at })).rejects.toMatchObject({ reason: 'not-writable' });
    await chmod(folder, 0o700);
    expect(await readdir(folder)).toEqual([]);
  });

  it('a full disk gives a clear error and removes the partial file', async () => {
    const fs: SnapshotFs = {
      ...nodeSnapshotFs,
      write: async (handle, data) => {
        await handle.write(data.subarray(0, 10));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    await expect(writeSnapshot({ folder: dir, cameraName: 'cat', png: png(2, 2), at, fs })).rejects.toMatchObject({
      reason: 'disk-full',
      message: expect.stringContaining('full'),
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('a bogus payload is refused before anything touches the disk', async () => {
    await expect(writeSnapshot({ folder: dir, cameraName: 'cat', png: Buffer.from('not a png at all'), at })).rejects.toMatchObject({
      reason: 'invalid-png',
    });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('setupSnapshots', () => {
  it('saves to the desktop by default, to the chosen folder otherwise, and notifies', async () => {
    const saved: string[] = [];
    const failed: string[] = [];
    let folder: string | null = null;
    const feature = setupSnapshots({
      getFolder: () => folder,
      desktopDir: dir,
      notifier: { saved: (p) => saved.push(p), failed: (m) => failed.push(m) },
      now: () => at,
    });
    const first = await feature.save({ cameraName: 'Living room', png: new Uint8Array(png(4, 4)) });
    expect(first).toEqual({ ok: true, path: join(dir, expectedName) });
    folder = join(dir, 'nope');
    const second = await feature.save({ cameraName: 'Living room', png: new Uint8Array(png(4, 4)) });
    expect(second.ok).toBe(false);
    expect(second.ok === false && second.error).toMatch(/does not exist/);
    expect(saved).toEqual([join(dir, expectedName)]);
    expect(failed).toHaveLength(1);
  });
});
