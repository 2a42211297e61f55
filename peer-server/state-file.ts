/**
 * The server's small JSON state files (enrollments, registrations): read through a schema, with a damaged file moved
 * aside instead of stopping the server, and written atomically so only the server's user can read them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import type * as v from 'valibot';
import { parseJsonWith } from '../protocol/schema.ts';

/**
 * Read the state file at `path` checked by `schema`: null when there is none yet, and null when it is damaged (then it
 * is renamed to `<path>.damaged-<now>` and `onDamaged` says why and where it was kept). Other read errors throw.
 */
export async function readStateFile<S extends v.GenericSchema>(
  path: string,
  schema: S,
  now: number,
  onDamaged: (error: string, keptAt: string) => void,
): Promise<v.InferOutput<S> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = parseJsonWith(schema, text);
  if (parsed.ok) return parsed.value;
  const aside = `${path}.damaged-${now}`;
  await rename(path, aside);
  onDamaged(parsed.error, aside);
  return null;
}

/** Write a file only its owner can read, atomically. */
export async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
