// The preload exposes the typed PawcamApi as `window.pawcam` in Electron; it is absent in the web viewer.
import type { PawcamApi } from '../../../../protocol/ipc.ts';

declare global {
  interface Window {
    pawcam?: PawcamApi;
  }
}

export {};
