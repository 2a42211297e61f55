/**
 * Presence: is each camera in the list reachable right now? The viewer pings every camera through the signaling
 * server every few seconds; a pong means online, the server's EXPIRE (our message could not be delivered) or a
 * silence longer than the timeout means offline. While the viewer itself is not connected to the server nothing can
 * be known, so every camera is 'unknown' then. Pings are MACed with the pair key (a camera answers nobody else),
 * and a pong counts only when its MAC verifies: only then did the camera itself answer, with its own name.
 */
import { signPing, verifyPong } from '../../../../protocol/auth.ts';
import type { CameraStandby, Envelope } from '../../../../protocol/envelope.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { randomHex } from '../../../../protocol/ids.ts';
import { createLogger } from '../../../../protocol/log.ts';
import type { SignalTransport, TransportState } from '../../../../protocol/transport.ts';
import { realTimers, type Timers } from '../../../../protocol/timers.ts';

const log = createLogger('presence');

/** What presence knows about a camera (the 'watching' state is layered on top by the viewer). */
export type PresenceState = 'unknown' | 'offline' | 'online';

/** A camera's presence and the name it reports about itself. */
export interface PresenceEntry {
  readonly state: PresenceState;
  /** The camera's own display name, from its last verified pong. */
  readonly reportedName?: string;
  /** This viewer holds no pair key for the camera, so it cannot even ask. */
  readonly unpaired?: true;
  /** The camera page answers but does not stream yet: what it waits for (a tap on the phone), and since when. */
  readonly standby?: CameraStandby;
}

/** Events of Presence. */
export type PresenceEvents = {
  /** A camera's state or reported name changed. */
  change: (cameraId: string, entry: PresenceEntry) => void;
};

/** Options of Presence. */
export interface PresenceOptions {
  transport: SignalTransport;
  /** The pair key of a camera, null when not paired with it. */
  keyFor: (cameraId: string) => Promise<CryptoKey | null>;
  timers?: Timers;
  /** How often every camera is pinged, ms. */
  intervalMs?: number;
  /** Silence after which a camera counts as offline, ms. */
  timeoutMs?: number;
  /** Makes ping nonces (tests pass a counter). */
  nonce?: () => string;
}

/** Ping intervals: the wire says every 3 s. */
export const PING_INTERVAL_MS = 3000;
/** No pong for this long → offline. */
export const PONG_TIMEOUT_MS = 8000;
/** How many outstanding nonces per camera are accepted in a pong (covers a few ping rounds of latency). */
const RECENT_NONCES = 4;

interface Tracked {
  entry: PresenceEntry;
  nonces: string[];
  deadline: unknown;
}

/** Tracks online/offline for a set of cameras over a SignalTransport. */
export class Presence extends TypedEmitter<PresenceEvents> {
  readonly #transport: SignalTransport;
  readonly #keyFor: (cameraId: string) => Promise<CryptoKey | null>;
  readonly #timers: Timers;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #nonce: () => string;
  readonly #cameras = new Map<string, Tracked>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #inflight = new Set<Promise<void>>();
  #running = false;
  #tick: unknown = null;

  constructor(options: PresenceOptions) {
    super();
    this.#transport = options.transport;
    this.#keyFor = options.keyFor;
    this.#timers = options.timers ?? realTimers;
    this.#intervalMs = options.intervalMs ?? PING_INTERVAL_MS;
    this.#timeoutMs = options.timeoutMs ?? PONG_TIMEOUT_MS;
    this.#nonce = options.nonce ?? (() => randomHex(8));
  }

  /** The presence of one camera ('unknown' for one not tracked). */
  get(cameraId: string): PresenceEntry {
    return this.#cameras.get(cameraId)?.entry ?? { state: 'unknown' };
  }

  /** Track exactly these cameras: new ones start 'unknown' and are pinged at once, removed ones are forgotten. */
  setCameras(ids: readonly string[]): void {
    const wanted = new Set(ids);
    for (const [id, tracked] of this.#cameras) {
      if (wanted.has(id)) continue;
      this.#timers.clearTimeout(tracked.deadline);
      this.#cameras.delete(id);
    }
    for (const id of wanted) {
      if (this.#cameras.has(id)) continue;
      this.#cameras.set(id, { entry: { state: 'unknown' }, nonces: [], deadline: null });
      if (this.#running && this.#transport.state === 'open') this.#ping(id);
    }
  }

  /** Ask one camera now (after it was paired again: its key changed). */
  refresh(cameraId: string): void {
    const tracked = this.#cameras.get(cameraId);
    if (!tracked || !this.#running || this.#transport.state !== 'open') return;
    this.#ping(cameraId);
  }

  /** Resolves once every ping being signed and pong being checked has been handled (for tests). */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Start pinging (now if the transport is open, else as soon as it opens). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe.push(
      this.#transport.on('message', (from, envelope) => this.#onMessage(from, envelope)),
      this.#transport.on('expire', (peerId) => this.#onExpire(peerId)),
      this.#transport.on('state', (state) => this.#onTransportState(state)),
    );
    this.#onTransportState(this.#transport.state);
  }

  /** Stop pinging and drop every timer. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#stopTicking();
    for (const tracked of this.#cameras.values()) {
      this.#timers.clearTimeout(tracked.deadline);
      tracked.deadline = null;
    }
  }

  #onTransportState(state: TransportState): void {
    if (state === 'open') {
      this.#stopTicking();
      this.#round();
      return;
    }
    // Without the server we cannot tell; say so rather than guess 'offline'.
    this.#stopTicking();
    for (const [id, tracked] of this.#cameras) {
      this.#timers.clearTimeout(tracked.deadline);
      tracked.deadline = null;
      tracked.nonces = [];
      this.#set(id, tracked, { ...tracked.entry, state: 'unknown' });
    }
  }

  #round(): void {
    for (const id of this.#cameras.keys()) this.#ping(id);
    this.#tick = this.#timers.setTimeout(() => {
      this.#tick = null;
      if (this.#running && this.#transport.state === 'open') this.#round();
    }, this.#intervalMs);
  }

  #stopTicking(): void {
    this.#timers.clearTimeout(this.#tick);
    this.#tick = null;
  }

  #ping(id: string): void {
    const tracked = this.#cameras.get(id);
    if (!tracked) return;
    const nonce = this.#nonce();
    tracked.nonces.push(nonce);
    if (tracked.nonces.length > RECENT_NONCES) tracked.nonces.shift();
    this.#track(this.#sendPing(id, tracked, nonce));
  }

  async #sendPing(id: string, tracked: Tracked, nonce: string): Promise<void> {
    const key = await this.#lookUp(id);
    if (this.#cameras.get(id) !== tracked || !this.#running) return;
    if (!key) {
      // Without a key the camera would not answer: say "not paired", not "offline".
      this.#timers.clearTimeout(tracked.deadline);
      tracked.deadline = null;
      this.#set(id, tracked, { state: 'unknown', unpaired: true });
      return;
    }
    if (tracked.entry.unpaired) this.#set(id, tracked, { state: 'unknown' });
    const auth = await signPing(key, { viewerId: this.#transport.id, cameraId: id, nonce }, this.#timers.now());
    if (this.#cameras.get(id) !== tracked || !this.#running || this.#transport.state !== 'open') return;
    // The deadline runs from the last pong (or from the first unanswered ping).
    if (tracked.deadline === null) this.#armDeadline(id, tracked);
    this.#transport.send(id, { v: 1, kind: 'ping', nonce, auth });
  }

  async #lookUp(id: string): Promise<CryptoKey | null> {
    try {
      return await this.#keyFor(id);
    } catch (error) {
      log.warn('could not load a pair key', { cameraId: id, error: String(error) });
      return null;
    }
  }

  /** Run async work without letting it reject into nowhere; `settled()` waits for it. */
  #track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => log.error('presence work failed', { error: String(error) }));
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }

  #armDeadline(id: string, tracked: Tracked): void {
    this.#timers.clearTimeout(tracked.deadline);
    tracked.deadline = this.#timers.setTimeout(() => {
      tracked.deadline = null;
      if (this.#cameras.get(id) !== tracked) return;
      log.debug('no pong in time', { cameraId: id });
      this.#set(id, tracked, { state: 'offline', reportedName: tracked.entry.reportedName });
    }, this.#timeoutMs);
  }

  #onMessage(from: string, envelope: Envelope): void {
    if (envelope.kind !== 'pong') return;
    const tracked = this.#cameras.get(from);
    if (!tracked) {
      log.debug('pong from a camera not in the list', { from });
      return;
    }
    // Only pongs to our own recent pings count: an unsolicited pong proves nothing about now.
    if (!tracked.nonces.includes(envelope.nonce)) {
      log.debug('pong with an unknown nonce', { from });
      return;
    }
    const { nonce, name, mac, standby } = envelope;
    if (name === undefined || mac === undefined) {
      log.debug('ignored an unsigned pong', { from });
      return;
    }
    this.#track(this.#checkPong(from, tracked, nonce, name, mac, standby));
  }

  async #checkPong(from: string, tracked: Tracked, nonce: string, name: string, mac: string, standby?: CameraStandby): Promise<void> {
    const key = await this.#lookUp(from);
    if (!key) return;
    // Trust boundary: the server relays pongs and could forge one for a camera that is gone; only the camera holds
    // the key that makes this MAC.
    if (!(await verifyPong(key, { viewerId: this.#transport.id, cameraId: from, nonce }, name, mac, standby))) {
      log.warn('ignored a pong that did not verify', { from });
      return;
    }
    if (this.#cameras.get(from) !== tracked || !this.#running || !tracked.nonces.includes(nonce)) return;
    tracked.nonces = tracked.nonces.filter((n) => n !== nonce);
    this.#armDeadline(from, tracked);
    this.#set(from, tracked, { state: 'online', reportedName: name, ...(standby ? { standby } : {}) });
  }

  #onExpire(peerId: string): void {
    const tracked = this.#cameras.get(peerId);
    if (!tracked) return;
    this.#timers.clearTimeout(tracked.deadline);
    tracked.deadline = null;
    this.#set(peerId, tracked, { state: 'offline', reportedName: tracked.entry.reportedName });
  }

  #set(id: string, tracked: Tracked, next: PresenceEntry): void {
    const prev = tracked.entry;
    const entry: PresenceEntry = {
      state: next.state,
      ...(next.reportedName === undefined ? {} : { reportedName: next.reportedName }),
      ...(next.unpaired ? { unpaired: true as const } : {}),
      ...(next.standby ? { standby: next.standby } : {}),
    };
    tracked.entry = entry;
    const standbyChanged = prev.standby?.need !== entry.standby?.need || prev.standby?.since !== entry.standby?.since;
    if (prev.state !== entry.state || prev.reportedName !== entry.reportedName || prev.unpaired !== entry.unpaired || standbyChanged) {
      this.emit('change', id, entry);
    }
  }
}
