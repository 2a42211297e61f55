import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { subresourceIntegrity } from '../scripts/vite-sri.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

// The camera page: served by peer-server at `/`, built small for old phones.
export default defineConfig({
  root,
  base: './',
  // Subresource Integrity on every chunk (scripts/vite-sri.ts).
  plugins: [svelte(), subresourceIntegrity()],
  resolve: {
    // peerjs is only our signaling socket: it needs neither webrtc-adapter's patches nor its DataConnection
    // serialiser (see the shims; −14 KB gzip).
    alias: [
      { find: /^webrtc-adapter$/, replacement: fileURLToPath(new URL('./src/shims/webrtc-adapter.ts', import.meta.url)) },
      { find: /^peerjs-js-binarypack$/, replacement: fileURLToPath(new URL('./src/shims/binarypack.ts', import.meta.url)) },
    ],
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/camera-web', import.meta.url)),
    emptyOutDir: true,
    target: ['safari14', 'chrome87', 'firefox78'],
    sourcemap: true,
  },
});
