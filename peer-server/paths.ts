/** Where peer-server finds the repository's build output and version, and keeps its own data. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The nearest folder at or above `fromDir` holding a package.json (the repo or packaged app root), or null. */
export function findPackageRoot(fromDir: string): string | null {
  let dir = fromDir;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

const packageRoot = findPackageRoot(import.meta.dirname);

/** Default web root: the package's `dist/` (holding `camera-web/` and `viewer/`), wherever this module runs from. */
export function defaultWebRoot(): string {
  return join(packageRoot ?? process.cwd(), 'dist');
}

/** Default data dir: `~/.pawcam-server`. */
export function defaultDataDir(): string {
  return join(homedir(), '.pawcam-server');
}

/** The package version, read once ('unknown' when no package.json is found). */
export const serverVersion: string = readVersion(packageRoot);

function readVersion(root: string | null): string {
  if (!root) return 'unknown';
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>)['version'] : undefined;
    return typeof version === 'string' && version.length <= 64 ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
