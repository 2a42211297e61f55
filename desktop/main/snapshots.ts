/**
 * Snapshots to disk: the renderer's PNG bytes are validated here (they come over IPC, so they are untrusted),
 * named `pawcam-<camera>-YYYY-MM-DD_HH-MM-SS.png`, never overwrite anything, and appear atomically: the bytes go to
 * a temp file in the target folder first, which is then hard-linked to its final name (link fails with EEXIST
 * instead of clobbering) and removed.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { MAX_SNAPSHOT_BYTES, type SnapshotRequest, type SnapshotResult } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';

const log = createLogger('snapshots');

/** Why a snapshot was not saved. */
export type SnapshotFailure = 'invalid-png' | 'folder-missing' | 'not-writable' | 'disk-full' | 'name-exhausted' | 'io';

/** A snapshot that could not be saved, with a message fit for the user. */
export class SnapshotError extends Error {
  readonly reason: SnapshotFailure;
  constructor(reason: SnapshotFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotError';
    this.reason = reason;
  }
}

/** Largest width or height we accept (a 16K frame is more than any camera sends). */
export const MAX_SNAPSHOT_DIMENSION = 16_384;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const VALID_BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function invalid(why: string): SnapshotError {
  return new SnapshotError('invalid-png', `The snapshot is not a valid PNG image (${why}).`);
}

/**
 * Check that `bytes` are a whole PNG: signature, a sane IHDR first, every chunk in bounds with a correct CRC, at
 * least one IDAT, IEND last. Returns the image size; throws SnapshotError('invalid-png').
 */
export function validatePng(bytes: Uint8Array, maxBytes: number = MAX_SNAPSHOT_BYTES): { width: number; height: number } {
  if (bytes.byteLength === 0 || bytes.byteLength > maxBytes) throw invalid(`size ${bytes.byteLength} bytes is out of range`);
  if (bytes.byteLength < 8 + 25 + 12 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw invalid('no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const typeAt = (offset: number): string => String.fromCharCode(...bytes.subarray(offset, offset + 4));

  let offset = 8;
  let index = 0;
  let sawIdat = false;
  let size = { width: 0, height: 0 };
  for (;;) {
    if (offset + 12 > bytes.byteLength) throw invalid('truncated');
    const length = view.getUint32(offset);
    const type = typeAt(offset + 4);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.byteLength) throw invalid(`chunk ${index} runs past the end`);
    if (!/^[A-Za-z]{4}$/.test(type)) throw invalid(`chunk ${index} has a bad type`);
    const crc = view.getUint32(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== crc) throw invalid(`chunk ${type} has a bad checksum`);

    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) throw invalid('IHDR is not the first chunk');
      const width = view.getUint32(offset + 8);
      const height = view.getUint32(offset + 12);
      const depth = bytes[offset + 16]!;
      const colour = bytes[offset + 17]!;
      if (width < 1 || height < 1 || width > MAX_SNAPSHOT_DIMENSION || height > MAX_SNAPSHOT_DIMENSION) {
        throw invalid(`${width}×${height} is out of range`);
      }
      if (!VALID_BIT_DEPTHS[colour]?.includes(depth)) throw invalid('bad colour type or bit depth');
      if (bytes[offset + 18] !== 0 || bytes[offset + 19] !== 0 || bytes[offset + 20]! > 1) throw invalid('bad IHDR');
      size = { width, height };
    } else if (type === 'IHDR') {
      throw invalid('second IHDR');
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'IEND') {
      if (!sawIdat) throw invalid('no image data');
      if (end !== bytes.byteLength) throw invalid('data after IEND');
      return size;
    }
    offset = end;
    index++;
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A camera name made safe as part of a file name on Windows, macOS and Linux: no path separators, reserved or
 * control characters, no leading/trailing dots or spaces, no reserved device names, bounded length.
 */
export function safeNamePart(name: string, maxLength = 40): string {
  let safe = name
    .normalize('NFC')
    .replace(/[<>:"/\\|?*\u0000-\u001f\u007f-\u009f]/g, '-')
    .replace(/\s+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  safe = [...safe].slice(0, maxLength).join('').replace(/[-.]+$/, '');
  if (safe === '') return 'camera';
  if (WINDOWS_RESERVED.test(safe.split('.')[0] ?? '')) safe = `${safe}_`;
  return safe;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `pawcam-<camera>-YYYY-MM-DD_HH-MM-SS[-n].png` in local time; `n` ≥ 2 is the collision suffix. */
export function snapshotFileName(cameraName: string, at: Date, n = 1): string {
  const stamp = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}_${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}`;
  return `pawcam-${safeNamePart(cameraName)}-${stamp}${n > 1 ? `-${n}` : ''}.png`;
}

/** The file-system calls the writer makes (tests inject failures such as ENOSPC). */
export interface SnapshotFs {
  stat(path: string): Promise<{ isDirectory(): boolean }>;
  lstat(path: string): Promise<unknown>;
  open(path: string, flags: string, mode?: number): Promise<FileHandle>;
  write(handle: FileHandle, data: Uint8Array): Promise<void>;
  link(existing: string, target: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** The real file system. */
export const nodeSnapshotFs: SnapshotFs = {
  stat: (p) => fsp.stat(p),
  lstat: (p) => fsp.lstat(p),
  open: (p, flags, mode) => fsp.open(p, flags, mode),
  write: (handle, data) => handle.writeFile(data),
  link: (a, b) => fsp.link(a, b),
  rename: (a, b) => fsp.rename(a, b),
  unlink: (p) => fsp.unlink(p),
};

/** Most collision suffixes tried before giving up. */
export const MAX_NAME_ATTEMPTS = 999;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Map a file-system error to a SnapshotError the user can act on. */
export function classifyWriteError(error: unknown, folder: string): SnapshotError {
  if (error instanceof SnapshotError) return error;
  switch (errno(error)) {
    case 'ENOENT':
      return new SnapshotError('folder-missing', `The snapshot folder ${folder} does not exist. Choose another folder in Settings.`, { cause: error });
    case 'ENOTDIR':
      return new SnapshotError('folder-missing', `The snapshot folder ${folder} is not a folder. Choose another folder in Settings.`, { cause: error });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new SnapshotError('not-writable', `pawcam is not allowed to write to ${folder}. Choose another folder in Settings.`, { cause: error });
    case 'ENOSPC':
    case 'EDQUOT':
      return new SnapshotError('disk-full', `The disk holding ${folder} is full, so the snapshot was not saved. Free some space and try again.`, { cause: error });
    default:
      return new SnapshotError('io', `The snapshot could not be saved to ${folder}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

// Codes with which link() says "this file system has no hard links" (FAT/exFAT, some network shares).
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** What `writeSnapshot` needs. */
export interface WriteSnapshotOptions {
  folder: string;
  cameraName: string;
  png: Uint8Array;
  at?: Date;
  fs?: SnapshotFs;
}

/**
 * Validate and write one snapshot; resolves to the file's path. Throws SnapshotError; in every failure case no
 * temp file is left behind and no existing file is touched.
 */
export async function writeSnapshot(options: WriteSnapshotOptions): Promise<string> {
  const fs = options.fs ?? nodeSnapshotFs;
  const { folder, cameraName, png } = options;
  const at = options.at ?? new Date();
  validatePng(png);

  let stats: { isDirectory(): boolean };
  try {
    stats = await fs.stat(folder);
  } catch (error) {
    throw classifyWriteError(error, folder);
  }
  if (!stats.isDirectory()) throw classifyWriteError(Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), folder);

  const temp = join(folder, `.pawcam-${randomBytes(8).toString('hex')}.png.partial`);
  let tempCreated = false;
  try {
    const handle = await fs.open(temp, 'wx', 0o644);
    tempCreated = true;
    try {
      await fs.write(handle, png);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return await publish(fs, temp, folder, cameraName, at);
  } catch (error) {
    throw classifyWriteError(error, folder);
  } finally {
    if (tempCreated) {
      await fs.unlink(temp).catch((error: unknown) => {
        if (errno(error) !== 'ENOENT') log.warn('could not remove a temp snapshot file', { temp, error: String(error) });
      });
    }
  }
}

/** Give the finished temp file its final name without overwriting anything. */
async function publish(fs: SnapshotFs, temp: string, folder: string, cameraName: string, at: Date): Promise<string> {
  let hardLinks = true;
  for (let n = 1; n <= MAX_NAME_ATTEMPTS; n++) {
    const target = join(folder, snapshotFileName(cameraName, at, n));
    if (hardLinks) {
      try {
        await fs.link(temp, target);
        return target;
      } catch (error) {
        const code = errno(error);
        if (code === 'EEXIST') continue;
        if (!code || !NO_HARD_LINKS.has(code)) throw error;
        log.info('no hard links on this file system; falling back to check-then-rename', { folder, code });
        hardLinks = false;
      }
    }
    // Without hard links there is a tiny window between the check and the rename; rename itself is still atomic,
    // so no half-written file is ever visible.
    try {
      await fs.lstat(target);
      continue;
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
    }
    await fs.rename(temp, target);
    return target;
  }
  throw new SnapshotError('name-exhausted', `Too many snapshots named like ${snapshotFileName(cameraName, at)} already exist in ${folder}.`);
}

/** Tells the user where a snapshot went (or why it did not). */
export interface SnapshotNotifier {
  saved(path: string): void;
  failed(message: string): void;
}

/** Collaborators of the snapshot feature. */
export interface SnapshotDeps {
  /** The folder chosen in Settings, or null for the desktop. */
  getFolder(): string | null;
  desktopDir: string;
  notifier: SnapshotNotifier;
  fs?: SnapshotFs;
  now?: () => Date;
}

/** The `snapshot:save` handler: never throws; the result says where the file went or why it did not. */
export function setupSnapshots(deps: SnapshotDeps): { save(request: SnapshotRequest): Promise<SnapshotResult> } {
  return {
    async save(request) {
      const folder = deps.getFolder() ?? deps.desktopDir;
      try {
        const path = await writeSnapshot({ folder, cameraName: request.cameraName, png: request.png, at: deps.now?.(), fs: deps.fs });
        log.info('snapshot saved', { path });
        deps.notifier.saved(path);
        return { ok: true, path };
      } catch (error) {
        const failure = classifyWriteError(error, folder);
        log.warn('snapshot not saved', { reason: failure.reason, error: String(failure.cause ?? failure.message) });
        deps.notifier.failed(failure.message);
        return { ok: false, error: failure.message };
      }
    },
  };
}
