/**
 * The networked half of the camera page: registers with the same-origin PeerServer, pairs with viewers and answers
 * paired viewers. Loaded with a dynamic import only once the browser is known to have WebRTC, because peerjs and
 * simple-peer touch RTCPeerConnection when they load.
 */
import Peer from 'peerjs';
import SimplePeer from 'simple-peer/simplepeer.min.js';
import { createLogger } from '../../protocol/log.ts';
import { peerClientOptions } from '../../protocol/peer-options.ts';
import type { Invitation } from '../../protocol/pairing.ts';
import { PeerjsTransport, type PeerLike } from '../../protocol/transport.ts';
import type { CameraIdentity } from './camera-id.ts';
import { CameraSessions, type AnsweringPeerConstructor } from './camera-sessions.ts';
import type { PairedViewers } from './paired-viewers.ts';
import { pairWithViewer, type PairingOutcome } from './pairing-flow.ts';

const log = createLogger('station');

/** A running camera: the server connection, pairing, and the viewers' sessions. */
export interface Station {
  readonly transport: PeerjsTransport;
  /** The answering side, once the camera stream is there (pairing alone needs no camera). */
  readonly sessions: CameraSessions | null;
  /** Start answering paired viewers with `stream` as `name` (the first call decides the stream). */
  answerWith(stream: MediaStream, name: string): CameraSessions;
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
  /** The PeerServer's origin (the page's own). */
  serverUrl: string;
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
  });
  let sessions: CameraSessions | null = null;
  // Revoking must end the viewer's live session at once, not at its next reconnect.
  const offRevoked = viewers.on('revoked', (viewerId) => sessions?.revoke(viewerId));

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
    answerWith(stream, name) {
      sessions ??= new CameraSessions({
        transport,
        stream,
        // simple-peer's typings describe a Node duplex stream; the camera needs only the structural subset.
        SimplePeer: SimplePeer as unknown as AnsweringPeerConstructor,
        name,
        cameraId: identity.id,
        keyring: viewers,
      });
      return sessions;
    },
    pair(invitation, cameraName) {
      return pairWithViewer({
        transport,
        invitation,
        cameraId: identity.id,
        cameraName,
        save: async (pairing) => void (await viewers.add(pairing, Date.now())),
      });
    },
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
      offRevoked();
      sessions?.close();
      transport.close();
    },
  };
}
