import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { subresourceIntegrity } from '../../scripts/vite-sri.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

// The viewer: loaded by Electron through its own protocol and served by peer-server at `/viewer/` as the web viewer.
// One build serves both shells (relative base); the API implementation is picked at run time.
export default defineConfig({
  root,
  base: './',
  // The Svelte config lives at the repo root (runes on); the plugin would only look in `root`.
  plugins: [svelte({ configFile: fileURLToPath(new URL('../../svelte.config.js', import.meta.url)) }), subresourceIntegrity()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/viewer', import.meta.url)),
    emptyOutDir: true,
    target: ['safari14', 'chrome87', 'firefox78'],
    sourcemap: true,
  },
});
