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
      // protocol/event-messages.ts (its schemas are in the IPC contract) makes a TextDecoder at load for a parser the
      // preload never calls. Marked pure, the unused call goes: the preload stays one plain script needing no more
      // globals than before (scripts/smoke-desktop-run.ts runs it in a bare vm context to prove that).
      treeshake: { manualPureFunctions: ['TextDecoder'] },
    },
  },
});
