/**
 * The viewers' links as the events code sees them, held from the moment the camera answers until that code has
 * loaded (a dynamic import, then the IndexedDB outbox): a desktop whose link connects meanwhile sends its
 * `detection-settings` once, at connect, and losing it would leave its events undelivered until it re-dialled.
 * Small on purpose: it sits in the station's chunk, the rest of the events code does not.
 */
import { TypedEmitter } from '../../../protocol/events.ts';
import type { EventMessage } from '../../../protocol/event-messages.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { CameraSessionsEvents } from '../station/camera-sessions.ts';
import type { EventLinks } from './event-delivery.ts';

const log = createLogger('held-links');

type LinkEvents = Pick<CameraSessionsEvents, 'event-message' | 'connected' | 'ended'>;
type Held = { t: 'connected' | 'ended'; viewerId: string } | { t: 'event-message'; viewerId: string; message: EventMessage };

/** Most link events held (sessions are capped at a handful; each sends a few messages before anyone answers). */
const MAX_HELD = 256;

/** Records the links' events until `release()`, then replays them in order and passes the rest straight on. */
export class HeldLinks extends TypedEmitter<LinkEvents> implements EventLinks {
  readonly #links: EventLinks;
  #held: Held[] | null = [];
  readonly #off: (() => void)[];

  constructor(links: EventLinks) {
    super();
    this.#links = links;
    this.#off = [
      links.on('connected', (viewerId) => this.#take({ t: 'connected', viewerId })),
      links.on('ended', (viewerId) => this.#take({ t: 'ended', viewerId })),
      links.on('event-message', (viewerId, message) => this.#take({ t: 'event-message', viewerId, message })),
    ];
  }

  sendEvent(viewerId: string, message: EventMessage): boolean {
    return this.#links.sendEvent(viewerId, message);
  }

  /** Replay what was held to the listeners now subscribed; from now on, events go straight through. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const h of held) this.#emit(h);
  }

  /** Stop listening to the links. */
  close(): void {
    for (const off of this.#off.splice(0)) off();
    this.#held = null;
    this.removeAllListeners();
  }

  #take(h: Held): void {
    if (!this.#held) return this.#emit(h);
    if (this.#held.length >= MAX_HELD) {
      log.warn('too many link events before the events code loaded; dropping the oldest');
      this.#held.shift();
    }
    this.#held.push(h);
  }

  #emit(h: Held): void {
    if (h.t === 'event-message') this.emit('event-message', h.viewerId, h.message);
    else this.emit(h.t, h.viewerId);
  }
}
