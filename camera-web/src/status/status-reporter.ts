/**
 * The camera's status for its viewers (battery, the video actually sent, quality, facing, torch, uptime, wake lock,
 * page hidden): sent to each viewer when it connects, every few seconds, and at once when something changes.
 */
import { createLogger } from '../../../protocol/log.ts';
import type { CameraStatus } from '../../../protocol/messages.ts';
import type { Timers } from '../../../protocol/timers.ts';
import type { CameraSessions } from '../station/camera-sessions.ts';
import type { CameraState } from '../media/local-camera.ts';
import { peerConnectionOf, sentVideo, type SentVideo } from '../media/peer-media.ts';

const log = createLogger('status-reporter');

/** How often every viewer gets the status. */
export const STATUS_INTERVAL_MS = 5_000;
/** Changes arriving together are sent as one status. */
const COALESCE_MS = 250;

/** Battery as the Battery Status API tells it (Chrome on Android); null elsewhere. */
export type BatteryInfo = NonNullable<CameraStatus['battery']>;

/** Where the status comes from. */
export interface StatusSources {
  camera(): CameraState;
  /** What the camera captures, for browsers that give no sender stats. */
  captureSize(): SentVideo | null;
  battery(): BatteryInfo | null;
  wakeLock(): boolean;
  hidden(): boolean;
}

/** Options of StatusReporter. */
export interface StatusReporterOptions {
  sessions: Pick<CameraSessions, 'peers' | 'send'>;
  sources: StatusSources;
  timers: Timers;
  /** Epoch ms the camera started streaming. */
  startedAt: number;
  /** The video a session's encoder sends now (sender stats; injectable for tests). */
  videoOf?: (peer: object) => Promise<SentVideo | null>;
  intervalMs?: number;
}

const fromStats = async (peer: object): Promise<SentVideo | null> => {
  const pc = peerConnectionOf(peer);
  return pc ? sentVideo(pc) : null;
};

function clampVideo(video: SentVideo | null): CameraStatus['video'] {
  if (!video || !(video.width > 0) || !(video.height > 0)) return null;
  const int = (n: number) => Math.min(10_000, Math.max(0, Math.round(n)));
  const fps = Number.isFinite(video.fps) ? Math.min(1000, Math.max(0, Math.round(video.fps * 10) / 10)) : 0;
  return { width: int(video.width), height: int(video.height), fps };
}

/** Sends `status` to the viewers. */
export class StatusReporter {
  readonly #options: StatusReporterOptions;
  readonly #timers: Timers;
  readonly #videoOf: (peer: object) => Promise<SentVideo | null>;
  #tick: unknown = null;
  #soon: unknown = null;
  #running = false;

  constructor(options: StatusReporterOptions) {
    this.#options = options;
    this.#timers = options.timers;
    this.#videoOf = options.videoOf ?? fromStats;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    this.#timers.clearTimeout(this.#tick);
    this.#timers.clearTimeout(this.#soon);
    this.#tick = this.#soon = null;
  }

  /** Something the viewers see changed: send soon (changes arriving together go as one). */
  changed(): void {
    if (!this.#running || this.#soon !== null) return;
    this.#soon = this.#timers.setTimeout(() => {
      this.#soon = null;
      void this.sendAll();
    }, COALESCE_MS);
  }

  /** The status as `viewerId`'s session sees it (its own sender's video). */
  async statusFor(peer: object): Promise<CameraStatus> {
    const { sources, startedAt } = this.#options;
    let video: SentVideo | null = null;
    try {
      video = await this.#videoOf(peer);
    } catch (error) {
      log.debug('no sender stats', { error: String(error) });
    }
    const camera = sources.camera();
    return {
      t: 'status',
      battery: sources.battery(),
      video: clampVideo(video ?? sources.captureSize()),
      quality: camera.quality,
      facing: camera.facing,
      torch: camera.torch,
      uptimeSec: Math.max(0, Math.floor((this.#timers.now() - startedAt) / 1000)),
      wakeLock: sources.wakeLock(),
      hidden: sources.hidden(),
    };
  }

  /** Send one viewer its status now (it just connected). */
  async sendTo(viewerId: string): Promise<void> {
    const session = this.#options.sessions.peers().find((s) => s.viewerId === viewerId && s.connected);
    if (session) this.#options.sessions.send(viewerId, await this.statusFor(session.peer));
  }

  /** Send every connected viewer its status now. */
  async sendAll(): Promise<void> {
    const connected = this.#options.sessions.peers().filter((s) => s.connected);
    await Promise.all(connected.map(async ({ viewerId, peer }) => this.#options.sessions.send(viewerId, await this.statusFor(peer))));
  }

  #schedule(): void {
    this.#tick = this.#timers.setTimeout(() => {
      this.#tick = null;
      if (!this.#running) return;
      void this.sendAll().finally(() => {
        if (this.#running) this.#schedule();
      });
    }, this.#options.intervalMs ?? STATUS_INTERVAL_MS);
  }
}

/** The part of a BatteryManager we read. */
export interface BatteryLike {
  level: number;
  charging: boolean;
  addEventListener(type: 'levelchange' | 'chargingchange', listener: () => void): void;
  removeEventListener(type: 'levelchange' | 'chargingchange', listener: () => void): void;
}

/** Battery level and charging, kept current; null where the browser has no Battery Status API (Safari, Firefox). */
export class BatteryWatch {
  #battery: BatteryLike | null = null;
  #stopped = false;
  readonly #onChange: () => void;
  readonly #listener = (): void => this.#onChange();

  constructor(getBattery: (() => Promise<BatteryLike>) | null, onChange: () => void) {
    this.#onChange = onChange;
    if (!getBattery) return;
    getBattery().then(
      (battery) => {
        if (this.#stopped) return;
        this.#battery = battery;
        battery.addEventListener('levelchange', this.#listener);
        battery.addEventListener('chargingchange', this.#listener);
        onChange();
      },
      (error: unknown) => log.info('no battery information', { error: String(error) }),
    );
  }

  get current(): BatteryInfo | null {
    const b = this.#battery;
    if (!b || !Number.isFinite(b.level)) return null;
    return { level: Math.min(1, Math.max(0, b.level)), charging: b.charging === true };
  }

  stop(): void {
    this.#stopped = true;
    this.#battery?.removeEventListener('levelchange', this.#listener);
    this.#battery?.removeEventListener('chargingchange', this.#listener);
  }
}

/** `navigator.getBattery` where the browser has it (Chrome; not Safari or Firefox). */
export function browserBattery(): (() => Promise<BatteryLike>) | null {
  const nav = navigator as Navigator & { getBattery?: () => Promise<BatteryLike> };
  return typeof nav.getBattery === 'function' ? () => nav.getBattery!() : null;
}
