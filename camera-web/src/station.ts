/**
 * The streaming half of the camera page: registers with the same-origin PeerServer and answers viewers. Loaded
 * with a dynamic import only once the browser is known to have WebRTC, because peerjs and simple-peer touch
 * RTCPeerConnection when they load.
 */
import Peer from 'peerjs';
import SimplePeer from 'simple-peer/simplepeer.min.js';
import { createLogger } from '../../protocol/log.ts';
import { peerClientOptions } from '../../protocol/peer-options.ts';
import { PeerjsTransport, type PeerLike } from '../../protocol/transport.ts';
import type { CameraIdentity } from './camera-id.ts';
import { CameraSessions, type AnsweringPeerConstructor } from './camera-sessions.ts';

const log = createLogger('station');

/** A running camera: the server connection and the viewers' sessions. */
export interface Station {
  readonly transport: PeerjsTransport;
  readonly sessions: CameraSessions;
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
  stream: MediaStream;
  /** The PeerServer's origin (the page's own). */
  serverUrl: string;
}

/** Set up the server connection and the answering side; nothing happens until `start()`. */
export function createStation(options: StationOptions): Station {
  const { identity, stream, serverUrl } = options;
  const transport = new PeerjsTransport({
    id: identity.id,
    token: identity.token,
    createPeer: (id, token) => new Peer(id, peerClientOptions(serverUrl, token)) as unknown as PeerLike,
  });
  const sessions = new CameraSessions({
    transport,
    stream,
    // simple-peer's typings describe a Node duplex stream; the camera needs only the structural subset.
    SimplePeer: SimplePeer as unknown as AnsweringPeerConstructor,
    name: identity.name,
  });

  // Phones suspend pages in the background and drop Wi-Fi; when either comes back, retry now, not at the backoff.
  const wake = (): void => {
    if (document.visibilityState === 'visible') transport.retryNow();
  };

  let started = false;
  let stopped = false;
  return {
    transport,
    sessions,
    start() {
      if (started || stopped) return;
      started = true;
      document.addEventListener('visibilitychange', wake);
      window.addEventListener('online', wake);
      transport.start();
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
      sessions.close();
      transport.close();
    },
  };
}
