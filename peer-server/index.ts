/** peer-server's public API: what the desktop app embeds and tests start. */
export { DEFAULT_PORT, startServer, type RunningServer, type ServerOptions } from './server.ts';
export { openPolicy, MAX_FRAME_BYTES, type Admission, type FrameVerdict, type PeerRefusal, type RelayCounters, type SocketInfo, type SocketPolicy } from './ws-server.ts';
export type { ClientFrame } from './frames.ts';
export type { InjectFrame, RelayedFrame, RelayTransform } from './relay-transform.ts';
export { APP_ORIGIN } from './origin.ts';
export { mintTurnCredential, type IceServer } from './turn.ts';
export { DEFAULT_RELAY_LIMITS, type RelayLimits } from './socket-policy.ts';
export { DEFAULT_ICE_LIMITS, type IceLimits } from './ice-route.ts';
export { displayUrls, lanAddresses, unreachableFromPhone, type LanAddress } from './network.ts';
