/**
 * Subresource Integrity for the built pages: after Vite writes a page, every script, stylesheet and preload in its
 * index.html gets an `integrity` attribute (SHA-384 of the file as written), and every JavaScript chunk the page may
 * import later (dynamic imports: the camera page's station, the viewer's QR encoder) is announced with
 * `<link rel="modulepreload" integrity=…>`, so the browser fetches it once, checked, and the later import uses that
 * checked module. A server that swaps a chunk then serves a page that does not run. It cannot protect index.html
 * itself (a page's code is whatever its origin serves): docs/SECURITY.md, "Who serves the code".
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

/** `sha384-<base64>` of `bytes`. */
export function integrityOf(bytes: Uint8Array): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/**
 * Add integrity to every `src`/`href` in `html` that names one of `files` (paths relative to the page, `/`-separated,
 * as `./assets/x.js` or `assets/x.js`), and modulepreloads with integrity for the JS files not yet referenced.
 * Throws when a referenced local script or stylesheet is not among `files` (a build we cannot vouch for).
 */
export function addIntegrity(html: string, files: ReadonlyMap<string, Uint8Array>): string {
  const referenced = new Set<string>();
  const tag = /<(script|link)\b([^>]*?)(\/?)>/gi;
  let out = html.replace(tag, (whole, name: string, attrs: string, selfClose: string) => {
    const url = /\b(?:src|href)="([^"]+)"/i.exec(attrs)?.[1];
    if (!url || /^(?:[a-z]+:|\/\/)/i.test(url) || /\bintegrity=/i.test(attrs)) return whole;
    if (name.toLowerCase() === 'link' && !/\brel="(?:stylesheet|modulepreload)"/i.test(attrs)) return whole;
    const path = url.replace(/^\.\//, '');
    const bytes = files.get(path);
    if (!bytes) throw new Error(`vite-sri: ${url} is referenced by index.html but was not built`);
    referenced.add(path);
    const crossorigin = /\bcrossorigin\b/i.test(attrs) ? '' : ' crossorigin';
    return `<${name}${attrs} integrity="${integrityOf(bytes)}"${crossorigin}${selfClose}>`;
  });
  const preloads = [...files.keys()]
    .filter((path) => path.startsWith('assets/') && path.endsWith('.js') && !referenced.has(path))
    .sort()
    .map((path) => `    <link rel="modulepreload" crossorigin href="./${path}" integrity="${integrityOf(files.get(path)!)}">`);
  if (preloads.length > 0) out = out.replace(/(\s*)<\/head>/i, `\n${preloads.join('\n')}$1</head>`);
  return out;
}

/** The Vite plugin: rewrites `<outDir>/index.html` once the bundle is written. */
export function subresourceIntegrity(): Plugin {
  let outDir = '';
  return {
    name: 'pawcam-sri',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = new Map<string, Uint8Array>();
      for (const path of await listFiles(outDir)) {
        if (/\.(?:js|css)$/.test(path)) files.set(relative(outDir, path).split(sep).join('/'), await readFile(path));
      }
      const page = join(outDir, 'index.html');
      await writeFile(page, addIntegrity(await readFile(page, 'utf8'), files));
    },
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
