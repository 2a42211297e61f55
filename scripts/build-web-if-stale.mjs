#!/usr/bin/env node
// `npm run server` builds the web pages only when their sources changed since the last build: a stamp of the
// sources' SHA-256 is kept beside the build (dist/.web-build-stamp) and compared on each start. `--force` rebuilds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
/** What the page build reads: both apps, the shared protocol, the build configuration. */
const SOURCES = ['camera-web', 'desktop/renderer', 'protocol', 'scripts/vite-sri.ts', 'svelte.config.js', 'package-lock.json', 'tsconfig.web.json', 'tsconfig.base.json'];
const OUTPUTS = ['dist/camera-web/index.html', 'dist/viewer/index.html'];
const STAMP = join(root, 'dist', '.web-build-stamp');

/** SHA-256 over every source file's path and content, in a stable order. */
export function sourceStamp(base = root, sources = SOURCES) {
  const hash = createHash('sha256');
  const files = [];
  const walk = (path) => {
    if (!existsSync(path)) return;
    const entries = readdirSync(path, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  for (const source of sources) {
    const full = join(base, source);
    if (!existsSync(full)) continue;
    if (readdirSafe(full)) walk(full);
    else files.push(full);
  }
  for (const file of files.sort()) {
    hash.update(relative(base, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function readdirSafe(path) {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}

function main() {
  const stamp = sourceStamp();
  const built = OUTPUTS.every((o) => existsSync(join(root, o)));
  const previous = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : null;
  if (!process.argv.includes('--force') && built && previous === stamp) {
    console.log('pawcam: web pages are up to date (sources unchanged since the last build)');
    return;
  }
  console.log(built ? 'pawcam: web sources changed; building the pages…' : 'pawcam: building the web pages…');
  const result = spawnSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(STAMP, `${stamp}\n`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) main();
