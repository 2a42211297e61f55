/** The real browser pieces behind the viewer's injectable seams: the PeerJS-backed transport and simple-peer. */
import Peer from 'peerjs';
import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { ViewerConfig } from '../../../protocol/ipc.ts';
import { peerClientOptions } from '../../../protocol/peer-options.ts';
import { PeerjsTransport, type PeerLike } from '../../../protocol/transport.ts';
import type { CreatePeer, SimplePeerLike } from './watch-session.ts';

/** The signaling transport for this viewer's identity on its configured server. */
export function createTransport(config: ViewerConfig): PeerjsTransport {
  return new PeerjsTransport({
    id: config.viewerId,
    token: config.viewerToken,
    // PeerJS logs every EXPIRE as an error; presence pings offline cameras every 3 s, so that would flood the console.
    // The transport reports what matters through its own events and logger.
    createPeer: (id, token) => new Peer(id, { ...peerClientOptions(config.serverUrl, token), debug: 0 }) as unknown as PeerLike,
  });
}

/** simple-peer, as the watch session dials it. */
export const createSimplePeer: CreatePeer = (options) => new SimplePeer(options) as unknown as SimplePeerLike;
