#!/usr/bin/env node
// The camera page must run on iOS Safari 14.3 and Android Chrome 87, and the web viewer likewise. Vite lowers our
// code to those targets, but a dependency can still ship newer syntax. This parses every built script with a
// parser limited to ES2020 (the language level both browsers implement fully) and fails on anything newer.
import { parse } from 'acorn';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ECMA_VERSION = 2020;
const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['dist/camera-web', 'dist/viewer'];

function* scripts(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* scripts(path);
    else if (/\.(m?js)$/.test(entry.name)) yield path;
  }
}

let checked = 0;
const failures = [];
for (const root of roots) {
  if (!existsSync(root)) {
    failures.push(`${root}: not built (run npm run build:web)`);
    continue;
  }
  for (const file of scripts(root)) {
    const code = readFileSync(file, 'utf8');
    checked++;
    try {
      parse(code, { ecmaVersion: ECMA_VERSION, sourceType: 'module', locations: true });
    } catch (error) {
      const { line, column } = error.loc ?? {};
      const lineText = code.split('\n')[(line ?? 1) - 1] ?? '';
      const excerpt = lineText.slice(Math.max(0, column - 60), column + 60);
      failures.push(`${file}:${line}:${column}: ${error.message}\n    …${excerpt}…`);
    }
  }
}

if (checked === 0 && failures.length === 0) failures.push('no scripts found');
if (failures.length) {
  console.error(`check-targets: syntax newer than ES${ECMA_VERSION} (Safari 14 / Chrome 87) found:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`check-targets: ${checked} built scripts parse as ES${ECMA_VERSION} (Safari 14 / Chrome 87)`);
