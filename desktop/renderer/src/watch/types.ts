/** The watch pipeline's contract: what a watch is, what it emits, and the simple-peer seam it dials through. */
import type { TypedEmitter } from '../../../../protocol/events.ts';
import type { RtcConfig } from '../../../../protocol/ice.ts';
import type { EventMessage } from '../../../../protocol/event-messages.ts';
import type { CameraStatus, DataMessage } from '../../../../protocol/messages.ts';
import type { PawcamError } from '../../../../protocol/errors.ts';
import type { ConnectionStats } from './connection-stats.ts';
import type { EndReason } from './end-reasons.ts';

export type { EndCode, EndReason } from './end-reasons.ts';

/** Where a watch is. */
export type WatchPhase = 'idle' | 'connecting' | 'live' | 'ended';

/** Events of a watch. */
export type WatchEvents = {
  connecting: () => void;
  /** The peer connection is up (data channel open). */
  live: () => void;
  /** The camera's media arrived. */
  stream: (stream: MediaStream) => void;
  /** The camera said its name on the data channel. */
  hello: (name: string) => void;
  /** A data-channel message other than hello (status, control results). */
  message: (message: DataMessage) => void;
  /** An event message from the camera (events, clip chunks, drop notices), for the desktop's event store. */
  'event-message': (message: EventMessage) => void;
  /** A re-dialling watch lost its session and will dial again (never emitted by a single session). */
  reconnecting: (reason: EndReason) => void;
  /** Something else the UI shows changed (talking). */
  change: () => void;
  /** Something failed; an 'ended' follows. */
  error: (error: PawcamError) => void;
  /** The watch is over (emitted once). */
  ended: (reason: EndReason) => void;
};

/**
 * What the viewer needs from a watch. WatchSession is one attempt; RedialWatch implements the same interface on top
 * of a series of sessions.
 */
export interface Watch extends TypedEmitter<WatchEvents> {
  readonly cameraId: string;
  readonly phase: WatchPhase;
  readonly stream: MediaStream | null;
  readonly remoteName: string | null;
  readonly endReason: EndReason | null;
  start(): void;
  stop(): void;
  /** Send a data-channel message; false when there is no open channel. */
  send(message: DataMessage): boolean;
  /** Send an event message (acks, detection settings); false when there is no open channel. */
  sendEvent?(message: EventMessage): boolean;
  /** How the connection runs now (route, round trip, bitrate); null when there is no connection to ask. */
  stats(): Promise<ConnectionStats | null>;
  /** A re-dialling watch: healing after a drop. */
  readonly reconnecting?: boolean;
  /** A re-dialling watch: since when the camera could not be reached, while it keeps dialling it. */
  readonly offlineSince?: number | null;
  /** A re-dialling watch: the camera's latest status. */
  readonly status?: CameraStatus | null;
  /** A re-dialling watch: the microphone for talk-back. */
  readonly mic?: MicState;
  readonly talking?: boolean;
  /** Turn talk-back on/off; false when there is no microphone. */
  setTalking?(on: boolean): boolean;
  /** A session dialled with talk-back: send this microphone track on its talk-back audio line (now or once dialled). */
  setMic?(track: MediaStreamTrack | null): void;
  /** Presence saw the camera online (a re-dialling watch dials at once). */
  cameraOnline?(): void;
  /** Presence saw the camera offline (a re-dialling watch dials it ever more rarely). */
  cameraOffline?(): void;
  /** A standby link: watching live (true) or showing the thumbnail (false). */
  readonly raised?: boolean;
  /** A standby link: Watch on the same connection (picture and sound up, no new offer). */
  raise?(): void;
  /** A standby link: Stop watching but keep the connection for the thumbnail. */
  lower?(): void;
}

/** The talk-back microphone: none asked for, being asked for, ready, or blocked/missing. */
export type MicState = 'none' | 'pending' | 'ready' | 'blocked';

/** The options the viewer gives simple-peer. */
export interface DialOptions {
  initiator: true;
  trickle: true;
  config: RtcConfig;
  offerOptions: { offerToReceiveAudio: true; offerToReceiveVideo: true };
  /**
   * Add one sendrecv audio line for talk-back before the first offer, with no track yet: the dial does not wait for
   * the microphone, and the track is put on its sender later (no renegotiation to talk).
   */
  talkBack?: true;
}

/** A sender whose track can be swapped without renegotiation (an RTCRtpSender). */
export interface TrackSender {
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
}

/** A dialled simple-peer, with the sender of its talk-back audio line when one was asked for. */
export interface DialedPeer {
  peer: SimplePeerLike;
  talkSender: TrackSender | null;
}

/** The part of a simple-peer instance a session uses (structural, so tests can hand in a fake). */
export interface SimplePeerLike {
  on(event: 'signal', fn: (data: unknown) => void): unknown;
  on(event: 'connect' | 'close', fn: () => void): unknown;
  on(event: 'stream', fn: (stream: MediaStream) => void): unknown;
  on(event: 'data', fn: (data: unknown) => void): unknown;
  on(event: 'error', fn: (error: unknown) => void): unknown;
  on(event: 'iceStateChange', fn: (iceConnectionState: string) => void): unknown;
  signal(data: object): void;
  send(data: string): void;
  destroy(): void;
}

/** Makes the simple-peer instance for a session. */
export type CreatePeer = (options: DialOptions) => DialedPeer;

/** What a session hears from the RTCPeerConnection itself (simple-peer does not pass these on). */
export interface PeerObserver {
  /** A STUN/TURN server failed us: `errorCode` 401/403 from a TURN server means it refused our credentials. */
  candidateError(errorCode: number, url: string): void;
  /** Candidate gathering finished. */
  gatheringComplete(): void;
}

/** Reaches the RTCPeerConnection behind a simple-peer instance (rtc.ts); absent in unit tests. */
export interface PeerInspector {
  /** The connection's stats records, or null when there is no connection to ask. */
  stats(peer: SimplePeerLike): Promise<Iterable<Record<string, unknown>> | null>;
  /** Listen to what simple-peer does not report; returns the unsubscribe. */
  observe(peer: SimplePeerLike, observer: PeerObserver): () => void;
}
