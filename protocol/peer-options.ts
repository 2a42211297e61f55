/** How both apps reach the PeerServer: one place that turns a server URL into PeerJS client options. */

/** The PeerServer's API key (PeerJS requires one; ours is not a secret, just a namespace). */
export const PEER_KEY = 'pawcam';

/** Where peer-server mounts PeerServer; the WebSocket lives at `${PEER_PATH}/peerjs`. */
export const PEER_PATH = '/peerjs';

/** The subset of PeerJS `PeerOptions` we set. */
export interface PeerClientOptions {
  host: string;
  port: number;
  path: string;
  secure: boolean;
  key: string;
  token: string;
  debug: 0 | 1 | 2 | 3;
  /** Milliseconds between heartbeats. */
  pingInterval: number;
  config: { iceServers: { urls: string | string[]; username?: string; credential?: string }[] };
}

/** PeerJS client options for registering with the server at `serverUrl` (e.g. `https://192.168.1.5:8443`). */
export function peerClientOptions(serverUrl: string, token: string): PeerClientOptions {
  const url = new URL(serverUrl);
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  // The client does no media through PeerJS, so its RTC config only matters if PeerJS ever dials; keep it empty
  // so no third-party STUN server is contacted.
  return { host: url.hostname, port, path: PEER_PATH, secure, key: PEER_KEY, token, debug: 1, pingInterval: 5000, config: { iceServers: [] } };
}
