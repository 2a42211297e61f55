/** Viewer entry point: pick the shell's API, wire the real transport and simple-peer, mount the UI. */
import { mount } from 'svelte';
import { toPawcamError } from '../../../protocol/errors.ts';
import { createLogger } from '../../../protocol/log.ts';
import App from './App.svelte';
import { pickApi } from './api.ts';
import { NoticeBoard } from './notices.ts';
import { createSimplePeer, createTransport } from './rtc.ts';
import { Viewer } from './viewer.ts';
import { WatchSession } from './watch-session.ts';
import './app.css';

const log = createLogger('viewer-main');

async function boot(target: HTMLElement): Promise<void> {
  const notices = new NoticeBoard();
  const api = pickApi((message) => notices.add(message));
  const config = await api.getConfig();
  const transport = createTransport(config);
  const viewer = new Viewer({
    api,
    transport,
    openWatch: (cameraId) => new WatchSession({ cameraId, transport, createPeer: createSimplePeer }),
  });
  mount(App, { target, props: { viewer, notices, api, shell: config.shell, viewerName: config.viewerName } });
  document.addEventListener('visibilitychange', () => {
    // Back in the foreground: do not sit out a long backoff the user is now looking at.
    if (document.visibilityState === 'visible') viewer.retryServerNow();
  });
  // Leaving the page hangs up so the camera frees the session at once instead of waiting for ICE to time out.
  window.addEventListener('pagehide', () => viewer.dispose());
  await viewer.start();
}

const target = document.getElementById('app');
if (target) {
  boot(target).catch((error: unknown) => {
    const failure = toPawcamError(error);
    log.error('viewer failed to start', { error: failure.message });
    const box = document.createElement('p');
    box.className = 'fatal';
    box.dataset['testid'] = 'error';
    box.dataset['code'] = failure.code;
    box.textContent = `The viewer could not start: ${failure.message}`;
    target.replaceChildren(box);
  });
}
