/**
 * Which viewer the camera's outbox drains to, over the standby links every viewer keeps (CameraSessions).
 *
 * Decision: only a viewer that stores events asks for them, and it asks by sending `detection-settings` on its
 * link (the desktop app does, each time its link connects; the web viewer never does, since it keeps nothing). The
 * outbox drains to one such session at a time — the first to ask — and when that session ends, to the
 * earliest-connected of the others that asked and are still connected. Acks (`event-ack`, `clip-ack`,
 * `events-dropped-ack`) count only from the session being drained to; an ack from anyone else is ignored (what it
 * would confirm was never sent to it, and the item stays in the outbox until its collector confirms it). A viewer
 * that never sends `detection-settings` gets nothing from the outbox.
 *
 * Why one collector and not a copy per desktop: an item leaves the outbox when it is confirmed, and the phone
 * cannot keep every item until every paired desktop, some perhaps never seen again, has it. With two desktops
 * paired, each event lands on whichever collected it; a switch of collector mid-clip is safe because the clip
 * acks carry the offset the new desktop really holds (`resume`).
 *
 * Notices: a viewer that wants to show a notification while it is open (the web viewer) sends `event-notices`; from
 * then until it says `on: false` or its session ends, each new event is copied to it as detected (`notice()`): no
 * acks, nothing from the outbox's backlog, and never to the collector, which gets the event itself. Whether anyone is
 * subscribed is reported (`onNotices`): on a phone no desktop ever set up, a subscription alone runs detection, for
 * the notices only (camera-events.ts).
 */
import type { CameraEventMessage, EventMessage, DetectionSettings } from '../../../protocol/event-messages.ts';
import type { TypedEmitter } from '../../../protocol/events.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { Timers } from '../../../protocol/timers.ts';
import type { CameraSessionsEvents } from '../station/camera-sessions.ts';
import type { Outbox } from './outbox.ts';
import { OutboxSender } from './outbox-sender.ts';

const log = createLogger('event-delivery');

/** The part of CameraSessions that carries events: a viewer's session connecting and ending, its event messages. */
export type EventLinks = Pick<TypedEmitter<Pick<CameraSessionsEvents, 'event-message' | 'connected' | 'ended'>>, 'on'> & {
  /** Send to one connected viewer; false when it has no connected session. */
  sendEvent(viewerId: string, message: EventMessage): boolean;
};

/** Options of EventDelivery. */
export interface EventDeliveryOptions {
  links: EventLinks;
  outbox: Outbox;
  timers: Timers;
  /** A collecting viewer sent its detection settings (after it has become eligible to collect). */
  onSettings(settings: DetectionSettings, viewerId: string): void;
  /** The collector changed, or the outbox may have (after an ack, a connect): the page's line re-reads both. */
  onChange(): void;
  /** Someone is subscribed to notices now (true) or no one is any more (false); called on each change of that. */
  onNotices?(subscribed: boolean): void;
  /** Resend after this long without an ack (OutboxSender's default when absent). */
  ackTimeoutMs?: number;
}

/** Drains the outbox to one collecting viewer at a time. */
export class EventDelivery {
  readonly #o: EventDeliveryOptions;
  readonly #sender: OutboxSender;
  /** Connected viewers, earliest first. */
  readonly #connected: string[] = [];
  /** Connected viewers whose current session asked for events. */
  readonly #collectors = new Set<string>();
  /** Connected viewers whose current session asked for notices of new events. */
  readonly #noticed = new Set<string>();
  #current: string | null = null;
  readonly #off: (() => void)[];
  #closed = false;

  constructor(options: EventDeliveryOptions) {
    this.#o = options;
    this.#sender = new OutboxSender({
      outbox: options.outbox,
      timers: options.timers,
      ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
      send: (message) => {
        const to = this.#current;
        // OutboxSender treats a throw as "the channel is gone" and waits for the next connect().
        if (to === null || !options.links.sendEvent(to, message)) throw new Error('the collecting viewer has no connected session');
      },
    });
    this.#off = [
      options.links.on('connected', (viewerId) => this.#onConnected(viewerId)),
      options.links.on('ended', (viewerId) => this.#onEnded(viewerId)),
      options.links.on('event-message', (viewerId, message) => this.#onMessage(viewerId, message)),
    ];
  }

  /** The viewer the outbox drains to now, or null. */
  get collector(): string | null {
    return this.#current;
  }

  /** The viewers that get a notice of each new event now (tests, logs). */
  get noticeViewers(): readonly string[] {
    return [...this.#noticed];
  }

  /**
   * A new event was detected: copy it to every viewer that asked for notices, except the collector (the outbox
   * delivers the event itself to it). A copy that cannot be sent is lost: a notice is for now or never.
   */
  notice(message: CameraEventMessage): void {
    if (this.#closed) return;
    for (const viewerId of this.#noticed) {
      if (viewerId === this.#current) continue;
      if (!this.#o.links.sendEvent(viewerId, message)) log.debug('an event notice could not be sent', { viewer: viewerId });
    }
  }

  /** Everything queued so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.#sender.idle();
  }

  /** Stop listening and delivering (what is not confirmed stays in the outbox). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#off.splice(0)) off();
    this.#sender.disconnect();
    this.#current = null;
    this.#noticed.clear();
  }

  #onConnected(viewerId: string): void {
    // A re-dial replaces a session (its 'ended' comes first); the new session must ask for events again.
    this.#forget(viewerId);
    this.#connected.push(viewerId);
  }

  #onEnded(viewerId: string): void {
    this.#forget(viewerId);
  }

  #forget(viewerId: string): void {
    const i = this.#connected.indexOf(viewerId);
    if (i >= 0) this.#connected.splice(i, 1);
    this.#collectors.delete(viewerId);
    this.#unsubscribe(viewerId);
    if (this.#current !== viewerId) return;
    log.info('the collecting viewer left; events wait for the next one', { viewer: viewerId });
    this.#sender.disconnect();
    this.#current = null;
    this.#choose();
    this.#o.onChange();
  }

  #unsubscribe(viewerId: string): void {
    if (!this.#noticed.delete(viewerId)) return;
    if (this.#noticed.size === 0) this.#o.onNotices?.(false);
  }

  #onMessage(viewerId: string, message: EventMessage): void {
    if (!this.#connected.includes(viewerId)) return;
    switch (message.t) {
      case 'detection-settings': {
        this.#collectors.add(viewerId);
        this.#o.onSettings(message, viewerId);
        if (this.#current === null) {
          this.#choose();
          this.#o.onChange();
        }
        return;
      }
      case 'event-notices':
        if (!message.on) this.#unsubscribe(viewerId);
        else if (!this.#noticed.has(viewerId)) {
          this.#noticed.add(viewerId);
          if (this.#noticed.size === 1) this.#o.onNotices?.(true);
        }
        return;
      case 'event-ack':
      case 'clip-ack':
      case 'events-dropped-ack':
        if (viewerId !== this.#current) {
          log.debug('ignored an ack from a viewer the outbox is not draining to', { viewer: viewerId, t: message.t });
          return;
        }
        void this.#sender.handle(message).then(() => this.#o.onChange());
        return;
      case 'event':
      case 'event-end':
      case 'clip-chunk':
      case 'events-dropped':
        // Camera → desktop messages: a viewer sending them is confused; nothing changes.
        log.debug('ignored an event message a viewer does not send', { viewer: viewerId, t: message.t });
        return;
    }
  }

  #choose(): void {
    if (this.#closed || this.#current !== null) return;
    const next = this.#connected.find((id) => this.#collectors.has(id));
    if (next === undefined) return;
    this.#current = next;
    log.info('delivering events to a viewer', { viewer: next });
    void this.#sender.connect().then(() => this.#o.onChange());
  }
}
