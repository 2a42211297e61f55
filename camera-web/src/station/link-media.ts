/**
 * What the camera's sessions send in each mode: a standby link carries the shared slow thumbnail and no sound; a live
 * one the camera's own tracks under the quality limits. Switching happens on the lines negotiated when the session
 * opened (peer-media.ts applyLinkMode), so Watch on a standby link needs no new offer and nothing through the server.
 */
import { PawcamError } from '../../../protocol/errors.ts';
import type { LinkMode } from '../../../protocol/messages.ts';
import { realTimers, type Timers } from '../../../protocol/timers.ts';
import { applyLinkMode, capStartUpHeight, peerConnectionOf } from '../media/peer-media.ts';
import type { ThumbnailFeed } from '../media/thumbnail-feed.ts';
import type { AnsweringPeer, LinkMedia } from './camera-sessions.ts';

/** Options of cameraLinkMedia. */
export interface CameraLinkMediaOptions {
  /** The camera's stream (its tracks change when the camera is switched). */
  stream: MediaStream;
  /** The thumbnail feed, made when the first standby link needs it. */
  feed: () => ThumbnailFeed;
  /** A stream of these tracks (the page's MediaStream constructor). */
  makeStream: (tracks: MediaStreamTrack[]) => MediaStream;
  /** Apply the quality limits to `viewerId`'s session (it just went live, or its start-up is over). */
  limit: (viewerId: string) => Promise<void>;
  /** How long a session that just went live sends small frames before its quality limits apply, ms. */
  startUpMs?: number;
  timers?: Timers;
}

/** The first frames of a watch are small for this long (the bandwidth estimate grows meanwhile). */
export const START_UP_MS = 1500;

/** The LinkMedia of a camera page. */
export function cameraLinkMedia(options: CameraLinkMediaOptions): LinkMedia {
  const { stream, feed } = options;
  const timers = options.timers ?? realTimers;
  const startUpMs = options.startUpMs ?? START_UP_MS;
  return {
    standbyStream: () => options.makeStream([feed().track, ...stream.getAudioTracks()]),
    async apply(viewerId: string, peer: AnsweringPeer, mode: LinkMode): Promise<void> {
      const pc = peerConnectionOf(peer);
      if (!pc) throw new PawcamError('unsupported-browser', 'this browser gives no access to the peer connection');
      const thumbnails = feed();
      await applyLinkMode(pc, mode, { video: stream.getVideoTracks()[0] ?? null, audio: stream.getAudioTracks()[0] ?? null, thumbnail: thumbnails.track });
      if (mode === 'standby') {
        thumbnails.hold(viewerId);
      } else {
        thumbnails.release(viewerId);
        await options.limit(viewerId);
        // A picture at once, small, then the full quality: the limits apply again only to a session still live.
        if (await capStartUpHeight(pc)) timers.setTimeout(() => void options.limit(viewerId).catch(() => undefined), startUpMs);
      }
    },
    ended: (viewerId) => feed().release(viewerId),
  };
}
