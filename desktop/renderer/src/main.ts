/** Viewer entry point: pick the shell's API, wire the real transport, keys, ICE and simple-peer, mount the UI. */
import { mount } from 'svelte';
import { toPawcamError } from '../../../protocol/errors.ts';
import { createLogger } from '../../../protocol/log.ts';
import App from './App.svelte';
import MiniView from './watch/MiniView.svelte';
import { pickApi } from './api/api.ts';
import { createEventBridge } from './api/event-bridge.ts';
import { WebNotifications, browserNotifications, connectWebNotifications, notifyStorage } from './api/web-notifications.ts';
import { browserLocks, tabPeerId } from './api/tab-identity.ts';
import { openKeyRows } from './pairing/idb-key-rows.ts';
import { IceSource } from './watch/ice-source.ts';
import { NoticeBoard } from './ui/notices.ts';
import { createPairKeyStore } from './pairing/pair-key-store.ts';
import { createSimplePeer, createTransport, iceFetch, openMic, peerInspector } from './watch/rtc.ts';
import { serverEnrollment } from './pairing/server-enrollment.ts';
import { RedialWatch } from './watch/redial.ts';
import { Settings, defaultSettings } from './settings/settings.ts';
import { Viewer } from './viewer.ts';
import { UnseenCounts } from './timeline/unseen-counts.ts';
import { WatchSession } from './watch/watch-session.ts';
import './app.css';

const log = createLogger('viewer-main');

async function boot(target: HTMLElement): Promise<void> {
  const notices = new NoticeBoard();
  const api = pickApi((message) => notices.add(message));
  const config = await api.getConfig();
  const settings = new Settings(api, defaultSettings(config.viewerName));
  await settings.load();
  const enrollment = serverEnrollment(config);
  // Each web tab or window connects under its own ID (the first tab the viewer's, the others a sub-ID of it).
  const peerId = await tabPeerId(config.viewerId, config.shell, browserLocks());
  const transport = createTransport(config.serverUrl, peerId, config.viewerToken, () => enrollment.enroll(config.viewerId, config.viewerToken));
  const keys = createPairKeyStore(config, api, () => openKeyRows((message) => notices.add(message)));
  const ice = new IceSource({ serverUrl: config.serverUrl, id: peerId, token: config.viewerToken, transport, fetch: iceFetch });
  // ICE credentials are fetched as soon as the socket is up, while the list loads: no dial waits for them later.
  ice.start();
  const params = new URLSearchParams(window.location.search);
  const miniCamera = params.get('view') === 'mini' ? params.get('camera') : null;
  // The desktop's main window takes the cameras' events (a mini window and the web viewer do not, so a camera
  // delivers its stored events to the one window that stores them).
  const events = miniCamera === null ? createEventBridge(api) : null;
  const viewer = new Viewer({
    api,
    transport,
    keys,
    settings,
    // The main window keeps a standby link to every online camera; a mini window watches its one camera over one.
    standbyLinks: miniCamera === null,
    ...(miniCamera === null ? {} : { onlyCamera: miniCamera }),
    openWatch: (cameraId, { standby }) =>
      new RedialWatch({
        cameraId,
        openMic,
        standby,
        openSession: (talkBack, standbyLink) =>
          new WatchSession({
            cameraId,
            viewerId: transport.id,
            transport,
            createPeer: createSimplePeer,
            key: () => keys.load(cameraId),
            rtcConfig: () => ice.rtcConfig(settings.current.alwaysRelay),
            inspector: peerInspector,
            talkBack,
            standbyLink,
          }),
      }),
    // A short code's rendezvous ID is a new ID the owner enrolls; the camera typing the code enrolls by its handle.
    openRendezvous: (id, token) => {
      void enrollment.openCode(id.replace(/^pair-/, ''));
      return createTransport(config.serverUrl, id, token, () => enrollment.enroll(id, token));
    },
  });
  // The Events buttons' new-event badges (desktop only: the web viewer's API has no count).
  const unseen = new UnseenCounts(miniCamera === null ? api.unseenEventCounts : undefined);
  if (events) {
    viewer.on('event-message', (cameraId, message) => {
      const stored = events.forward(cameraId, message, (reply) => viewer.sendEvent(cameraId, reply));
      // A new event is in main's index once it is acknowledged: the camera's badge counts it.
      if (message.t === 'event') void stored.then(() => unseen.refresh());
    });
    // Each link's hello means its data channel is open: the camera gets its detection settings on that link.
    viewer.on('link-open', (cameraId) => void events.linkOpened(cameraId, (message) => viewer.sendEvent(cameraId, message)));
  }
  // The web viewer keeps no events; while its page is open it can show each camera's new events as notifications
  // (once the owner turns them on). The desktop app collects events and notifies natively.
  const notifications =
    config.shell === 'web' && miniCamera === null
      ? new WebNotifications({
          notifications: browserNotifications(),
          storage: notifyStorage(),
          cameraName: (id) => viewer.model.cameras.find((c) => c.id === id)?.name ?? null,
          open: (id) => {
            window.focus();
            viewer.watch(id);
          },
        })
      : null;
  if (notifications) connectWebNotifications(viewer, notifications);
  if (miniCamera) {
    document.documentElement.classList.add('mini-window');
    mount(MiniView, { target, props: { viewer, api, cameraId: miniCamera } });
  } else {
    mount(App, { target, props: { viewer, notices, api, settings, config, notifications, unseen } });
  }
  document.addEventListener('visibilitychange', () => {
    // Back in the foreground: do not sit out a long backoff the user is now looking at.
    if (document.visibilityState === 'visible') viewer.retryServerNow();
  });
  // Leaving the page hangs up so the camera frees the session at once instead of waiting for ICE to time out.
  window.addEventListener('pagehide', () => {
    ice.stop();
    viewer.dispose();
  });
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
