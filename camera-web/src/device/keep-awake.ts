/**
 * Keeps the phone's screen on while it streams, and watches whether the page is in front. The Screen Wake Lock API
 * where the browser has it (released by the browser whenever the page is hidden, so it is taken again on return);
 * otherwise (iOS before 16.4) a tiny inline video started in the Start tap; otherwise nothing, and the page says
 * how to keep the phone awake by hand.
 */
import { TypedEmitter } from '../../../protocol/events.ts';
import { createLogger } from '../../../protocol/log.ts';

const log = createLogger('keep-awake');

/** How the screen is kept on. */
export type AwakeMethod = 'wake-lock' | 'video' | 'none';

/** What the page and the viewers are told. */
export interface AwakeState {
  method: AwakeMethod;
  /** The screen is being kept on right now. */
  held: boolean;
  /** The page is not in front (the OS may stop it). */
  hidden: boolean;
}

/** The part of a WakeLockSentinel we use. */
export interface WakeLockSentinelLike {
  release(): Promise<void>;
  addEventListener(type: 'release', listener: () => void): void;
}

/** `navigator.wakeLock`. */
export interface WakeLockLike {
  request(type: 'screen'): Promise<WakeLockSentinelLike>;
}

/** The part of `document` we use. */
export interface VisibilityLike {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** The fallback video. */
export interface AwakeVideoLike {
  play(): Promise<void>;
  pause(): void;
}

/** Options of KeepAwake. */
export interface KeepAwakeOptions {
  wakeLock: WakeLockLike | null;
  document: VisibilityLike;
  /** Where Wake Lock is missing: makes the fallback video (null while it is not available). */
  video: (() => AwakeVideoLike | null) | null;
}

/** Events of KeepAwake. */
export type KeepAwakeEvents = {
  change: (state: AwakeState) => void;
  /** The page came back to the front (reconnect, check the camera). */
  visible: () => void;
};

/** Keeps the screen on and reports visibility. */
export class KeepAwake extends TypedEmitter<KeepAwakeEvents> {
  readonly #options: KeepAwakeOptions;
  readonly #method: AwakeMethod;
  #sentinel: WakeLockSentinelLike | null = null;
  #requesting = false;
  #video: AwakeVideoLike | null = null;
  #held = false;
  #hidden: boolean;
  #running = false;
  readonly #onVisibility = (): void => this.#visibilityChanged();

  constructor(options: KeepAwakeOptions) {
    super();
    this.#options = options;
    this.#method = options.wakeLock ? 'wake-lock' : options.video ? 'video' : 'none';
    this.#hidden = options.document.visibilityState === 'hidden';
    options.document.addEventListener('visibilitychange', this.#onVisibility);
  }

  get state(): AwakeState {
    return { method: this.#method, held: this.#held, hidden: this.#hidden };
  }

  /** Start keeping the screen on; call inside the Start tap (the fallback video needs the gesture). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#acquire();
  }

  /** Let the screen sleep again (the camera stopped). */
  stop(): void {
    this.#running = false;
    const sentinel = this.#sentinel;
    this.#sentinel = null;
    if (sentinel) void sentinel.release().catch(() => undefined);
    this.#video?.pause();
    this.#setHeld(false);
  }

  /** Stop listening to the page for good. */
  dispose(): void {
    this.stop();
    this.#options.document.removeEventListener('visibilitychange', this.#onVisibility);
    this.removeAllListeners();
  }

  #acquire(): void {
    if (!this.#running || this.#hidden) return;
    if (this.#options.wakeLock) this.#requestLock(this.#options.wakeLock);
    else if (this.#options.video) this.#playVideo(this.#options.video);
  }

  #requestLock(wakeLock: WakeLockLike): void {
    if (this.#sentinel || this.#requesting) return;
    this.#requesting = true;
    wakeLock.request('screen').then(
      (sentinel) => {
        this.#requesting = false;
        if (!this.#running) {
          void sentinel.release().catch(() => undefined);
          return;
        }
        this.#sentinel = sentinel;
        sentinel.addEventListener('release', () => {
          if (this.#sentinel !== sentinel) return;
          this.#sentinel = null;
          this.#setHeld(false);
          // Released while in front (a battery saver): not fought over; taken again on the next return.
          if (!this.#hidden) log.info('the wake lock was released while the page is in front');
        });
        this.#setHeld(true);
      },
      (error: unknown) => {
        this.#requesting = false;
        // Refused while the page is not in front, or by a battery saver: tried again on the next return.
        log.warn('the screen wake lock was refused', { error: String(error) });
        this.#setHeld(false);
      },
    );
  }

  #playVideo(make: () => AwakeVideoLike | null): void {
    this.#video ??= make();
    if (!this.#video) {
      log.warn('no way to keep the screen on in this browser');
      return;
    }
    this.#video.play().then(
      () => this.#setHeld(this.#running && !this.#hidden),
      (error: unknown) => {
        log.warn('the keep-awake video did not play', { error: String(error) });
        this.#setHeld(false);
      },
    );
  }

  #visibilityChanged(): void {
    const hidden = this.#options.document.visibilityState === 'hidden';
    if (hidden === this.#hidden) return;
    this.#hidden = hidden;
    log.info(hidden ? 'the page went to the background' : 'the page is in front again');
    if (hidden) {
      // The browser drops the wake lock and pauses media in the background: say so now.
      if (this.#method === 'video') this.#setHeld(false);
      this.emit('change', this.state);
      return;
    }
    this.#acquire();
    this.emit('change', this.state);
    this.emit('visible');
  }

  #setHeld(held: boolean): void {
    if (this.#held === held) return;
    this.#held = held;
    this.emit('change', this.state);
  }
}

/**
 * The fallback video in the page: inline, on screen (1 px), unmuted and rewound by hand rather than looped, because
 * WebKit keeps the display awake only for a playing, unmuted video with an audio track that is not looping
 * (HTMLMediaElement::shouldDisableSleep). `src` is camera-web/public/awake.mp4: 2 s of 16×16 black H.264 with
 * silent AAC, 1.5 KB (ffmpeg from lavfi color + anullsrc, no SEI or metadata).
 */
export function browserAwakeVideo(src: string): AwakeVideoLike {
  const video = document.createElement('video');
  video.setAttribute('playsinline', '');
  video.setAttribute('aria-hidden', 'true');
  video.src = src;
  video.addEventListener('timeupdate', () => {
    if (video.currentTime > 1) video.currentTime = 0;
  });
  video.style.cssText = 'position:fixed;left:0;bottom:0;width:1px;height:1px;opacity:0.01;pointer-events:none';
  document.body.appendChild(video);
  return { play: () => video.play(), pause: () => video.pause() };
}
