import { describe, expect, it } from 'vitest';
import { addIntegrity, integrityOf } from './vite-sri.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('addIntegrity', () => {
  const files = new Map([
    ['assets/index-a.js', enc('console.log(1)')],
    ['assets/index-b.css', enc('body{}')],
    ['assets/station-c.js', enc('export const s = 1')],
    ['sw.js', enc('self.x = 1')],
  ]);
  const html = `<html><head>
    <script type="module" crossorigin src="./assets/index-a.js"></script>
    <link rel="stylesheet" crossorigin href="./assets/index-b.css">
    <link rel="icon" href="data:,">
  </head><body></body></html>`;

  it('puts the SHA-384 of each file on its tag, and preloads every other chunk with its integrity', () => {
    const out = addIntegrity(html, files);
    expect(out).toContain(`src="./assets/index-a.js" integrity="${integrityOf(enc('console.log(1)'))}"`);
    expect(out).toContain(`href="./assets/index-b.css" integrity="${integrityOf(enc('body{}'))}"`);
    expect(out).toContain(`<link rel="modulepreload" crossorigin href="./assets/station-c.js" integrity="${integrityOf(enc('export const s = 1'))}">`);
    expect(out).toContain('<link rel="icon" href="data:,">');
    expect(integrityOf(enc('console.log(1)'))).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
  });

  it('refuses a page that references a file the build did not write', () => {
    expect(() => addIntegrity('<script src="./assets/missing.js"></script>', files)).toThrow(/missing\.js/);
  });

  it('leaves a tag that already has integrity or points elsewhere alone', () => {
    const pre = '<script src="https://cdn.example/x.js"></script><script src="./assets/index-a.js" integrity="sha384-x"></script>';
    const out = addIntegrity(pre, new Map([['assets/index-a.js', enc('x')]]));
    expect(out.startsWith(pre.replace('</head>', ''))).toBe(true);
  });
});
