/**
 * The networked half of the camera page: registers with the same-origin PeerServer, pairs with viewers and answers
 * paired viewers. Loaded with a dynamic import only once the browser is known to have WebRTC, because peerjs touches
 * RTCPeerConnection when it loads.
 */
import Peer from 'peerjs';
import { PawcamError } from '../../../protocol/errors.ts';
import { viewerBaseId } from '../../../protocol/ids.ts';
import { createLogger } from '../../../protocol/log.ts';
import { peerClientOptions } from '../../../protocol/peer-options.ts';
import type { Invitation } from '../../../protocol/pairing.ts';
import type { EnrollOutcome } from '../../../protocol/enrollment.ts';
import { PeerjsTransport, type PeerLike } from '../../../protocol/transport.ts';
import type { CameraIdentity } from '../pairing/camera-id.ts';
import { AnsweringRtcPeer } from './answering-peer.ts';
import { CameraSessions } from './camera-sessions.ts';
import { limitSessions, replaceOnSessions, runControl, type ControlDeps } from '../media/controls.ts';
import { IceKeeper } from './ice-keeper.ts';
import { cameraLinkMedia } from './link-media.ts';
import { ThumbnailFeed, canvasPainter } from '../media/thumbnail-feed.ts';
import type { KeepAwake } from '../device/keep-awake.ts';
import type { LocalCamera } from '../media/local-camera.ts';
import type { PairedViewers } from '../pairing/paired-viewers.ts';
import { pairWithViewer, type PairingOutcome } from '../pairing/pairing-flow.ts';
import { ReplayGuard } from '../../../protocol/auth.ts';
import { localReplayStore, pageStorage } from './replay-store.ts';
import { BatteryWatch, StatusReporter, browserBattery } from '../status/status-reporter.ts';
import { TalkBack, browserPlayers } from '../talk/talk-back.ts';
import { realTimers } from '../../../protocol/timers.ts';
import { HeldLinks } from '../events/held-links.ts';
import type { DetectionStatus } from '../events/camera-events.ts';

const log = createLogger('station');


/** What the station streams, and the page pieces the viewers hear about. */
export interface AnswerOptions {
  camera: LocalCamera;
  name: string;
  /** The AudioContext the Start tap unlocked (null without WebAudio). */
  audio: AudioContext | null;
  /** Wake lock and page visibility, reported in the status. */
  awake: KeepAwake;
  /** Whether motion and sound detection runs, and how many events wait for a desktop (the page's line). */
  onDetection?(status: DetectionStatus): void;
}

/** A running camera: the server connection, pairing, and the viewers' sessions. */
export interface Station {
  readonly transport: PeerjsTransport;
  /** The answering side, once the camera stream is there (pairing alone needs no camera). */
  readonly sessions: CameraSessions | null;
  /** The viewers' voices, once answering. */
  readonly talk: TalkBack | null;
  /** Start answering paired viewers (the first call decides the camera). */
  answerWith(options: AnswerOptions): CameraSessions;
  /** Pair with the viewer that made `invitation`, once registered at the server. */
  pair(invitation: Invitation, cameraName: string): Promise<PairingOutcome>;
  /** Connect to the server (subscribe to `transport` first to see every state). */
  start(): void;
  /** Reconnect from scratch (after "ID in use" was resolved on the other device). */
  reconnect(): void;
  /** End every session, leave the server, stop listening to the page. */
  stop(): void;
}

/** Options of startStation. */
export interface StationOptions {
  identity: CameraIdentity;
  /** The rendezvous server: the page's own origin, or the one a pairing link named (enrollment-link.ts). */
  serverUrl: string;
  /** Enroll the camera's ID when the (closed) server does not know it yet. */
  enroll?: () => Promise<EnrollOutcome>;
  /** Paired viewers: the keyring sessions check against, and where new pairings go. */
  viewers: PairedViewers;
}

/** Set up the server connection and the answering side; nothing happens until `start()`. */
export function createStation(options: StationOptions): Station {
  const { identity, serverUrl, viewers } = options;
  const transport = new PeerjsTransport({
    id: identity.id,
    token: identity.token,
    createPeer: (id, token) => new Peer(id, peerClientOptions(serverUrl, token)) as unknown as PeerLike,
    enroll: options.enroll,
  });
  let sessions: CameraSessions | null = null;
  let talk: TalkBack | null = null;
  const cleanup: (() => void)[] = [];
  // Revoking must end the viewer's live session at once, not at its next reconnect.
  const offRevoked = viewers.on('revoked', (viewerId) => sessions?.revoke(viewerId));
  const ice = new IceKeeper({
    serverUrl,
    id: identity.id,
    token: identity.token,
    transport,
    fetch: (url, init) => fetch(url, init),
    timers: realTimers,
  });

  // Phones suspend pages in the background and drop Wi-Fi; when either comes back, retry now, not at the backoff.
  const wake = (): void => {
    if (document.visibilityState === 'visible') transport.retryNow();
  };

  let started = false;
  let stopped = false;
  return {
    transport,
    get sessions() {
      return sessions;
    },
    get talk() {
      return talk;
    },
    answerWith(options) {
      if (sessions) return sessions;
      const camera = options.camera;
      let feed: ThumbnailFeed | null = null;
      const thumbnails = (): ThumbnailFeed => {
        feed ??= new ThumbnailFeed({ source: () => camera.stream.getVideoTracks()[0] ?? null, painter: canvasPainter(document) });
        return feed;
      };
      cleanup.push(() => feed?.close());
      const answering: CameraSessions = new CameraSessions({
        transport,
        stream: camera.stream,
        link: cameraLinkMedia({
          stream: camera.stream,
          feed: thumbnails,
          makeStream: (tracks) => new MediaStream(tracks),
          limit: (viewerId) => limitSessions(answering, camera.state.quality, viewerId),
        }),
        Answerer: AnsweringRtcPeer,
        name: options.name,
        cameraId: identity.id,
        keyring: viewers,
        replay: new ReplayGuard({ store: localReplayStore(pageStorage()) }),
        ice,
      });
      sessions = answering;
      talk = wireMedia(answering, options, viewers, cleanup);
      detectEvents(answering, options, cleanup);
      return answering;
    },
    pair(invitation, cameraName) {
      return pairWithViewer({
        transport,
        invitation,
        cameraId: identity.id,
        cameraName,
        save: async (pairing) => void (await viewers.add(pairing, Date.now())),
        isPaired: (viewerId) => viewers.has(viewerId),
      });
    },
    start() {
      if (started || stopped) return;
      started = true;
      document.addEventListener('visibilitychange', wake);
      window.addEventListener('online', wake);
      transport.start();
      ice.start();
      log.info('camera started', { id: identity.id });
    },
    reconnect() {
      if (stopped) return;
      transport.close();
      transport.start();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      document.removeEventListener('visibilitychange', wake);
      window.removeEventListener('online', wake);
      offRevoked();
      for (const off of cleanup.splice(0)) off();
      ice.stop();
      sessions?.close();
      transport.close();
    },
  };
}

/** Connect the sessions to the camera, the talk-back, the controls and the status reports. */
function wireMedia(sessions: CameraSessions, options: AnswerOptions, viewers: PairedViewers, cleanup: (() => void)[]): TalkBack {
  const { camera, audio, awake } = options;
  const nameOf = (viewerId: string): string => viewers.list().find((v) => v.viewerId === viewerBaseId(viewerId))?.name ?? 'Your viewer';
  const talk = new TalkBack({ createPlayer: browserPlayers(audio), nameOf, timers: realTimers });
  const status = new StatusReporter({
    sessions,
    timers: realTimers,
    startedAt: Date.now(),
    sources: {
      camera: () => camera.state,
      captureSize: () => camera.captureSize(),
      battery: () => battery.current,
      wakeLock: () => awake.state.held,
      hidden: () => awake.state.hidden,
    },
  });
  const battery = new BatteryWatch(browserBattery(), () => status.changed());
  const controls: ControlDeps = {
    camera,
    limit: (preset) => limitSessions(sessions, preset),
    chime: () => chime(audio),
    reply: (viewerId, message) => void sessions.send(viewerId, message),
  };
  camera.setReplacer((kind, track) => replaceOnSessions(sessions, kind, track));
  sessions.on('message', (viewerId, message) => {
    switch (message.t) {
      case 'control':
        void runControl(controls, viewerId, message);
        return;
      case 'talk':
        talk.setTalk(viewerId, message.on);
        return;
      case 'viewer-name':
        // From a viewer whose session verified its pair key: its rename reaches the list under Revoke.
        void viewers.rename(viewerBaseId(viewerId), message.name);
        return;
      default:
        // hello, status and control-result go camera → viewer; a viewer sending them is ignored.
        log.debug('ignored a data-channel message a viewer does not send', { viewer: viewerId, t: message.t });
    }
  });
  sessions.on('remote-track', (viewerId, track) => talk.add(viewerId, track));
  sessions.on('ended', (viewerId) => talk.remove(viewerId));
  // A live session gets its quality limits when it goes live (link-media.ts), on connect or on a later Watch.
  sessions.on('connected', (viewerId) => void status.sendTo(viewerId));
  // Nobody watching live: capture small (the standby thumbnails and detection need no more); someone watches: the
  // chosen quality again (the first frames of a watch are small anyway, link-media.ts).
  void camera.setIdle(sessions.viewerCount === 0);
  sessions.on('viewers', (count) => void camera.setIdle(count === 0));
  const offCamera = camera.on('change', () => status.changed());
  // A new camera may capture at another size: the encoder's scaling follows it.
  const offTracks = camera.on('tracks', () => void limitSessions(sessions, camera.state.quality));
  const offAwake = awake.on('change', () => status.changed());
  status.start();
  cleanup.push(() => {
    offCamera();
    offTracks();
    offAwake();
    status.stop();
    battery.stop();
    talk.close();
    camera.setReplacer(async () => undefined);
  });
  return talk;
}

/**
 * Motion and sound detection and event delivery while the camera runs (events/camera-events.ts), loaded when
 * first needed; the links are held meanwhile so a desktop's detection-settings sent at connect are not lost.
 */
function detectEvents(sessions: CameraSessions, options: AnswerOptions, cleanup: (() => void)[]): void {
  const links = new HeldLinks(sessions);
  let running: { stop(): void } | null = null;
  let stopped = false;
  cleanup.push(() => {
    stopped = true;
    running?.stop();
    links.close();
  });
  import('../events/browser-camera-events.ts')
    .then(({ startBrowserCameraEvents }) => {
      if (stopped) return;
      running = startBrowserCameraEvents({ links, camera: options.camera, audio: options.audio, onStatus: (status) => options.onDetection?.(status) });
    })
    .catch((error: unknown) => log.warn('motion and sound detection could not load', { error: String(error) }));
}

/** The "come here" chime, loaded when first asked for. */
async function chime(audio: AudioContext | null): Promise<void> {
  if (!audio) throw new PawcamError('unsupported-browser', 'this phone\'s browser cannot play sounds');
  const { playChime } = await import('../talk/chime.ts');
  await playChime(audio);
}
