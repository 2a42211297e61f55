import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The viewer: loaded by Electron through its own protocol and served by peer-server at `/viewer/` as the web viewer.
// One build serves both shells (relative base); the API implementation is picked at run time.
export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/viewer', import.meta.url)),
    emptyOutDir: true,
    target: ['safari14', 'chrome87', 'firefox78'],
    sourcemap: true,
  },
});
