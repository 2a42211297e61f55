/**
 * Where event files go in the clips folder, and how they appear there: atomically (a flushed temp file in the same
 * folder, then a hard link to the final name, which fails with EEXIST rather than overwrite; rename after a check
 * where the file system has no hard links), never replacing an existing file, with the folder flushed after.
 *
 * Layout: `<clips>/<camera>/<YYYY-MM-DD>/pawcam-<camera>-<YYYY-MM-DD_HH-MM-SS>-<kind>.webm|.mp4|.jpg` and the day's
 * report `pawcam-report-<camera>-<YYYY-MM-DD>.html` beside them; clips being received wait in `<clips>/.incoming/`.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { EventKind } from '../../../protocol/event-messages.ts';
import { localDay } from '../../../protocol/local-day.ts';
import { createLogger } from '../../../protocol/log.ts';
import { safeNamePart } from '../snapshots.ts';

const log = createLogger('clip-files');

const pad = (n: number): string => String(n).padStart(2, '0');


/** The folder of a camera's day, relative to the clips folder. */
export function dayFolder(cameraName: string, at: number): string {
  return join(safeNamePart(cameraName), localDay(at));
}

/** File extension for a clip's MIME type. */
export function clipExtension(mimeType: string): '.webm' | '.mp4' {
  return mimeType.startsWith('video/mp4') ? '.mp4' : '.webm';
}

/** `pawcam-<camera>-YYYY-MM-DD_HH-MM-SS-<kind>[-n]<ext>` in local time. */
export function eventFileName(cameraName: string, at: number, kind: EventKind, ext: string, n = 1): string {
  const d = new Date(at);
  const stamp = `${localDay(at)}_${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
  return `pawcam-${safeNamePart(cameraName)}-${stamp}-${kind}${n > 1 ? `-${n}` : ''}${ext}`;
}

/** The report's file name for a camera's day. */
export function reportFileName(cameraName: string, day: string): string {
  return `pawcam-report-${safeNamePart(cameraName)}-${day}.html`;
}

/** The folder where clips wait while they are received. */
export function incomingFolder(clipsDir: string): string {
  return join(clipsDir, '.incoming');
}

/** A path relative to the clips folder that stays inside it (the index stores relative paths). */
export function insideClips(clipsDir: string, path: string): string {
  const rel = relative(clipsDir, path);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) throw new Error(`${path} is not inside ${clipsDir}`);
  return rel;
}

// Codes with which link() says "this file system has no hard links" (FAT/exFAT, some network shares).
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** Most collision suffixes tried. */
const MAX_NAME_ATTEMPTS = 999;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Flush a folder's entries (so a rename or link in it survives a power cut); not possible on Windows, where it is skipped. */
export async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Give the flushed file `source` the first free name `nameFor(n)` in `dir` without overwriting anything; `source`
 * is gone afterwards. Resolves to the final path.
 */
export async function publishNoOverwrite(source: string, dir: string, nameFor: (n: number) => string): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  let hardLinks = true;
  for (let n = 1; n <= MAX_NAME_ATTEMPTS; n++) {
    const target = join(dir, nameFor(n));
    if (hardLinks) {
      try {
        await fsp.link(source, target);
        await fsp.unlink(source);
        await syncFolder(dir);
        return target;
      } catch (error) {
        const code = errno(error);
        if (code === 'EEXIST') continue;
        if (!code || !NO_HARD_LINKS.has(code)) throw error;
        log.info('no hard links here; check-then-rename', { dir, code });
        hardLinks = false;
      }
    }
    try {
      await fsp.lstat(target);
      continue;
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
    }
    await fsp.rename(source, target);
    await syncFolder(dir);
    return target;
  }
  throw new Error(`too many files named like ${nameFor(1)} in ${dir}`);
}

/** Write `bytes` as a new file `nameFor(n)` in `dir` (temp file, flush, publish); never overwrites. */
export async function writeNewFile(dir: string, nameFor: (n: number) => string, bytes: Uint8Array | string): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const temp = join(dir, `.pawcam-${randomBytes(8).toString('hex')}.partial`);
  try {
    const handle = await fsp.open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return await publishNoOverwrite(temp, dir, nameFor);
  } catch (error) {
    await fsp.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Is this a whole JPEG as far as its markers tell (start of image first, end of image last)? */
export function looksLikeJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff && bytes.at(-2) === 0xff && bytes.at(-1) === 0xd9;
}
