/** peer-server's public API: what the desktop app embeds and tests start. */
export { DEFAULT_PORT, startServer, type RunningServer, type ServerOptions } from './server.ts';
export { openPolicy, MAX_FRAME_BYTES, type Admission, type FrameVerdict, type SocketInfo, type SocketPolicy } from './ws-server.ts';
export type { ClientFrame } from './frames.ts';
