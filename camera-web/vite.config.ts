import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { subresourceIntegrity } from '../scripts/vite-sri.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Fail the build if the page bundles the package `name`. simple-peer dials from the viewer; the camera answers with
 * src/station/answering-peer.ts, and simple-peer's browser build (~28 kB gzip with its Node shims) would blow the
 * page's weight budget (bench/weight.ts).
 */
function viewerOnly(name: string): Plugin {
  const inPackage = new RegExp(`[\\/]node_modules[\\/]${name}[\\/]`);
  return {
    name: `pawcam:no-${name}`,
    buildEnd() {
      const id = [...this.getModuleIds()].find((moduleId) => inPackage.test(moduleId));
      if (id) this.error(`${id} is for the viewer only; the camera page must not bundle it`);
    },
  };
}

// The camera page: served by peer-server at `/`, built small for old phones.
export default defineConfig({
  root,
  base: './',
  // Subresource Integrity on every chunk (scripts/vite-sri.ts).
  plugins: [svelte(), subresourceIntegrity(), viewerOnly('simple-peer')],
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
