import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The preload runs in Electron's sandbox, which loads one CommonJS script and offers `require('electron')` only:
// bundle everything else (protocol/, valibot) into dist/preload/preload.cjs.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../../dist/preload', import.meta.url)),
    emptyOutDir: true,
    // Electron 45 ships Chromium 140.
    target: 'chrome140',
    minify: false,
    sourcemap: true,
    lib: {
      entry: fileURLToPath(new URL('./preload.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
