/**
 * Stand-in for `peerjs-js-binarypack`, aliased in camera-web/vite.config.ts. peerjs needs it only to serialise
 * data over its own DataConnections; the camera page never opens one (peerjs is just the signaling socket, our data
 * channel is simple-peer's), so these throw if anything ever tries.
 */
const unused = (): never => {
  throw new Error('peerjs DataConnections are not used on the camera page');
};

export const pack: (data: unknown) => ArrayBuffer | Promise<ArrayBuffer> = unused;
export const unpack: (data: ArrayBuffer) => unknown = unused;
