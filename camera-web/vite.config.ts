import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The camera page: served by peer-server at `/`, built small for old phones.
export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  resolve: {
    // peerjs is only our signaling socket; it imports webrtc-adapter just to read browserDetails (see the shim).
    alias: [{ find: /^webrtc-adapter$/, replacement: fileURLToPath(new URL('./src/shims/webrtc-adapter.ts', import.meta.url)) }],
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/camera-web', import.meta.url)),
    emptyOutDir: true,
    target: ['safari14', 'chrome87', 'firefox78'],
    sourcemap: true,
  },
});
