/**
 * A watch that heals: a series of single-attempt sessions (WatchSession) for one camera. When a session ends for a
 * reason that dialling again could fix (the connection dropped, the camera page reloaded, the camera went offline),
 * the next session is dialled after a backoff — at once when presence says the camera is back. A camera that cannot
 * be reached at all (offline, or never answering) is dialled ever more rarely, up to every few minutes, and the watch
 * says since when it has been unreachable; presence still brings it back at once. Only one session
 * exists at a time, and Stop really stops (hangup, destroy, no re-dial). It also owns the microphone used for
 * talk-back: the first dial does not wait for it (a permission prompt must not delay the picture); each session
 * offers a talk-back line and gets the track whenever it is there, re-dials reuse it, and Stop releases it.
 */
import { Backoff } from '../../../../protocol/backoff.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { createLogger } from '../../../../protocol/log.ts';
import type { EventMessage } from '../../../../protocol/event-messages.ts';
import type { CameraStatus, DataMessage } from '../../../../protocol/messages.ts';
import { WATCH_MESSAGES } from '../messages.ts';
import type { ConnectionStats } from './connection-stats.ts';
import { realTimers, type Timers } from '../../../../protocol/timers.ts';
import type { EndCode, EndReason, MicState, Watch, WatchEvents, WatchPhase } from './types.ts';

const log = createLogger('redial');

/** What the live view shows: first dial, live, healing after a drop, or over. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'ended';

/** Ends that dialling again cannot fix (or that the user chose). */
const FINAL: ReadonlySet<EndCode> = new Set<EndCode>(['stopped', 'tampered', 'not-paired', 'clock-skew', 'relay-unavailable']);

/** Whether a session that ended with `reason` should be dialled again. */
export function isRetryable(reason: EndReason): boolean {
  return reason.retryable && !FINAL.has(reason.code);
}

/** Options of RedialWatch. */
export interface RedialOptions {
  cameraId: string;
  /**
   * Makes one attempt (not started); `talkBack`: offer a talk-back line (the mic track comes through `setMic`);
   * `standbyLink`: open it as a standby link (thumbnail, no sound) rather than a live watch.
   */
  openSession: (talkBack: boolean, standbyLink: boolean) => Watch;
  /** Start as a standby link (lowered): the camera list's thumbnail, until `raise()`. */
  standby?: boolean;
  /** Asks for the microphone; rejects when it is blocked or missing. Absent = no talk-back. */
  openMic?: () => Promise<MediaStream>;
  timers?: Timers;
  backoff?: Backoff;
  /** Delays between dials of a camera that cannot be reached (offline, or no answer at all). */
  offlineBackoff?: Backoff;
}

/**
 * Whether an end means the camera could not be reached at all, rather than a connection that dropped: the server
 * says it is not connected, or no answer came while presence does not see it online (a camera page that answers
 * pings but waits for a tap is reachable: it is dialled again quickly once it streams).
 */
function unreachable(code: EndCode, presence: 'online' | 'offline' | 'unknown'): boolean {
  return code === 'camera-offline' || (code === 'timeout' && presence !== 'online');
}

/** Delays between re-dials: 0.5 s, 1 s, 2 s … 10 s. */
export function redialBackoff(): Backoff {
  return new Backoff({ initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.2 });
}

/** Delays between dials of an unreachable camera: 10 s, 20 s … 5 min (presence dials at once when it is back). */
export function offlineBackoff(): Backoff {
  return new Backoff({ initialMs: 10_000, maxMs: 300_000, factor: 2, jitter: 0.2 });
}

/** One camera watched until Stop, re-dialled after retryable ends. */
export class RedialWatch extends TypedEmitter<WatchEvents> implements Watch {
  readonly cameraId: string;
  readonly #openSession: (talkBack: boolean, standbyLink: boolean) => Watch;
  readonly #openMic: (() => Promise<MediaStream>) | null;
  readonly #timers: Timers;
  readonly #backoff: Backoff;
  readonly #offlineBackoff: Backoff;
  /** Since when the camera has been unreachable, while it is. */
  #offlineSince: number | null = null;
  /** What presence last said about the camera. */
  #presence: 'online' | 'offline' | 'unknown' = 'unknown';
  #session: Watch | null = null;
  #phase: WatchPhase = 'idle';
  #reconnecting = false;
  #retryTimer: unknown = null;
  #retryAt: number | null = null;
  #lastDrop: EndReason | null = null;
  #endReason: EndReason | null = null;
  #stream: MediaStream | null = null;
  #remoteName: string | null = null;
  #status: CameraStatus | null = null;
  #mic: MediaStream | null = null;
  #micState: MicState = 'none';
  #talking = false;
  #attempts = 0;
  /** Watching (live picture and sound) rather than standing by (thumbnail only). */
  #raised: boolean;
  /** Tells the current session's camera the mode wanted now, once its channel can carry it. */
  #syncMode: () => void = () => undefined;

  constructor(options: RedialOptions) {
    super();
    this.cameraId = options.cameraId;
    this.#openSession = options.openSession;
    this.#openMic = options.openMic ?? null;
    this.#timers = options.timers ?? realTimers;
    this.#backoff = options.backoff ?? redialBackoff();
    this.#offlineBackoff = options.offlineBackoff ?? offlineBackoff();
    this.#raised = options.standby !== true;
  }

  /** Watching live (true) or standing by with the thumbnail (false). */
  get raised(): boolean {
    return this.#raised;
  }

  /**
   * Watch: the camera sends its picture and sound on the link's negotiated lines (no new offer, nothing through the
   * server); the microphone for talk-back is asked for now.
   */
  raise(): void {
    if (this.#phase === 'ended' || this.#raised) return;
    this.#raised = true;
    this.#openMicNow();
    this.#syncMode();
    this.emit('change');
  }

  /** Stop watching but keep the link: back to the thumbnail, talk-back off and the microphone released. */
  lower(): void {
    if (this.#phase === 'ended' || !this.#raised) return;
    this.#raised = false;
    if (this.#talking) this.#session?.send({ t: 'talk', on: false });
    this.#talking = false;
    this.#session?.setMic?.(null);
    if (this.#mic) stopTracks(this.#mic);
    this.#mic = null;
    this.#micState = 'none';
    this.#syncMode();
    this.emit('change');
  }

  get phase(): WatchPhase {
    return this.#phase;
  }

  /** The state the live view shows. */
  get liveState(): LiveState {
    if (this.#phase === 'ended') return 'ended';
    if (this.#phase === 'live') return 'live';
    return this.#reconnecting ? 'reconnecting' : 'connecting';
  }

  /** Healing after a drop (phase is 'connecting' meanwhile). */
  get reconnecting(): boolean {
    return this.#reconnecting;
  }

  /** When the next dial is due while reconnecting (null while a dial is under way). */
  get retryAt(): number | null {
    return this.#retryAt;
  }

  /** Since when (ms since the epoch) the camera could not be reached, while re-dialling it; null otherwise. */
  get offlineSince(): number | null {
    return this.#offlineSince;
  }

  /** Why the last session dropped, while reconnecting. */
  get lastDrop(): EndReason | null {
    return this.#lastDrop;
  }

  get stream(): MediaStream | null {
    return this.#stream;
  }

  get remoteName(): string | null {
    return this.#remoteName;
  }

  get endReason(): EndReason | null {
    return this.#endReason;
  }

  /** The camera's latest status report. */
  get status(): CameraStatus | null {
    return this.#status;
  }

  get mic(): MicState {
    return this.#micState;
  }

  get talking(): boolean {
    return this.#talking;
  }

  /** Sessions dialled so far. */
  get attempts(): number {
    return this.#attempts;
  }

  start(): void {
    if (this.#phase !== 'idle') return;
    this.#phase = 'connecting';
    this.emit('connecting');
    if (this.#raised) this.#openMicNow();
    this.#dial();
  }

  /** Ask for the microphone (once per raise): the picture never waits for it. */
  #openMicNow(): void {
    if (this.#openMic && this.#micState === 'none') {
      this.#micState = 'pending';
      this.#openMic().then(
        (stream) => {
          if (this.#phase === 'ended' || !this.#raised || this.#micState !== 'pending') {
            stopTracks(stream);
            return;
          }
          // Muted until the owner talks: it goes on the session's talk-back line now, so talking needs no renegotiation.
          for (const track of stream.getAudioTracks()) track.enabled = false;
          this.#mic = stream;
          this.#micState = stream.getAudioTracks().length > 0 ? 'ready' : 'blocked';
          this.#session?.setMic?.(this.#micTrack());
          this.emit('change');
        },
        (error: unknown) => {
          if (this.#phase === 'ended' || this.#micState !== 'pending') return;
          log.info('no microphone: watching without talk-back', { error: String(error) });
          this.#micState = 'blocked';
          this.emit('change');
        },
      );
    }
  }

  /** Stop for good: hang up, destroy, release the microphone, no re-dial. */
  stop(): void {
    if (this.#phase === 'ended') return;
    this.#finish({ code: 'stopped', message: WATCH_MESSAGES.stopped, retryable: false });
  }

  /** Presence saw the camera come online: while waiting to re-dial, dial now. */
  cameraOnline(): void {
    this.#presence = 'online';
    if (this.#phase === 'ended' || !this.#reconnecting || this.#retryTimer === null) return;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#dial();
  }

  /** Presence saw the camera offline: the next dials come ever more rarely until it is back. */
  cameraOffline(): void {
    this.#presence = 'offline';
  }

  /** Turn talk-back on or off: enables the mic track and tells the camera. False when there is no microphone. */
  setTalking(on: boolean): boolean {
    const track = this.#micTrack();
    if (!track) return false;
    if (this.#talking === on) return true;
    this.#talking = on;
    track.enabled = on;
    this.#session?.send({ t: 'talk', on });
    this.emit('change');
    return true;
  }

  send(message: DataMessage): boolean {
    return this.#session?.send(message) ?? false;
  }

  sendEvent(message: EventMessage): boolean {
    return this.#session?.sendEvent?.(message) ?? false;
  }

  stats(): Promise<ConnectionStats | null> {
    return this.#session?.stats() ?? Promise.resolve(null);
  }

  #dial(): void {
    if (this.#phase === 'ended') return;
    this.#retryAt = null;
    // Never two sessions for one camera: the old one is over before the next is made.
    const old = this.#session;
    this.#session = null;
    old?.stop();
    this.#attempts++;
    const standbyLink = !this.#raised;
    const session = this.#openSession(this.#openMic !== null, standbyLink);
    this.#session = session;
    const mic = this.#micTrack();
    if (mic) session.setMic?.(mic);
    const mine = (): boolean => this.#session === session && this.#phase !== 'ended';
    // What the camera was last told this session carries (the offer says it first). A switch asked for before the
    // channel could carry it is sent as soon as it can: on the session going live, or on the camera's hello.
    let told: 'standby' | 'live' = standbyLink ? 'standby' : 'live';
    const syncMode = (): void => {
      const wanted = this.#raised ? 'live' : 'standby';
      if (mine() && wanted !== told && session.send({ t: 'link', mode: wanted })) told = wanted;
    };
    this.#syncMode = syncMode;
    session.on('live', () => {
      if (!mine()) return;
      syncMode();
      this.#phase = 'live';
      this.#reconnecting = false;
      this.#lastDrop = null;
      this.#offlineSince = null;
      this.#backoff.reset();
      this.#offlineBackoff.reset();
      // A talk that was held across a re-dial carries on.
      if (this.#talking) session.send({ t: 'talk', on: true });
      this.emit('live');
    });
    session.on('stream', (stream) => {
      if (!mine()) return;
      this.#stream = stream;
      this.emit('stream', stream);
    });
    session.on('hello', (name) => {
      if (!mine()) return;
      syncMode();
      this.#remoteName = name;
      this.emit('hello', name);
    });
    session.on('event-message', (message) => {
      if (mine()) this.emit('event-message', message);
    });
    session.on('message', (message) => {
      if (!mine()) return;
      if (message.t === 'status') this.#status = message;
      this.emit('message', message);
    });
    session.on('ended', (reason) => {
      if (!mine()) return;
      this.#session = null;
      if (isRetryable(reason)) this.#scheduleRedial(reason);
      else this.#finish(reason);
    });
    session.start();
  }

  #micTrack(): MediaStreamTrack | null {
    return this.#mic?.getAudioTracks()[0] ?? null;
  }

  #scheduleRedial(reason: EndReason): void {
    const gone = unreachable(reason.code, this.#presence);
    if (gone) this.#offlineSince ??= this.#timers.now();
    else this.#offlineSince = null;
    // A vanished camera is not dialled every few seconds for ever: its delays grow to minutes. Nor is a full camera
    // by a link that only stands by (a Watch asks again sooner).
    const slow = gone || (!this.#raised && reason.code === 'camera-busy');
    const delay = slow ? this.#offlineBackoff.next() : this.#backoff.next();
    log.info('re-dialling', { cameraId: this.cameraId, after: reason.code, delayMs: delay });
    this.#phase = 'connecting';
    this.#reconnecting = true;
    this.#lastDrop = reason;
    this.#retryAt = this.#timers.now() + delay;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      this.#dial();
    }, delay);
    this.emit('reconnecting', reason);
  }

  #finish(reason: EndReason): void {
    this.#phase = 'ended';
    this.#reconnecting = false;
    this.#retryAt = null;
    this.#endReason = reason;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const session = this.#session;
    this.#session = null;
    session?.stop();
    this.#talking = false;
    if (this.#mic) stopTracks(this.#mic);
    this.#mic = null;
    this.emit('ended', reason);
    this.removeAllListeners();
  }
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
