/** Test double of the viewers' links (CameraSessions as the events code sees it): sessions connect, talk and end. */
import type { EventMessage } from '../../../../protocol/event-messages.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import type { CameraSessionsEvents } from '../../station/camera-sessions.ts';
import type { EventLinks } from '../event-delivery.ts';

/** Viewers' sessions driven by the test; what the camera sends is kept per viewer. */
export class FakeLinks extends TypedEmitter<Pick<CameraSessionsEvents, 'event-message' | 'connected' | 'ended'>> implements EventLinks {
  readonly sent = new Map<string, EventMessage[]>();
  readonly #up = new Set<string>();

  /** `viewerId`'s session connected. */
  connect(viewerId: string): void {
    this.#up.add(viewerId);
    this.emit('connected', viewerId);
  }

  /** `viewerId`'s session ended. */
  end(viewerId: string): void {
    this.#up.delete(viewerId);
    this.emit('ended', viewerId);
  }

  /** `viewerId` sent an event message. */
  say(viewerId: string, message: EventMessage): void {
    this.emit('event-message', viewerId, message);
  }

  sendEvent(viewerId: string, message: EventMessage): boolean {
    if (!this.#up.has(viewerId)) return false;
    let list = this.sent.get(viewerId);
    if (!list) this.sent.set(viewerId, (list = []));
    list.push(message);
    return true;
  }

  /** What `viewerId` got, and forget it. */
  take(viewerId: string): EventMessage[] {
    const list = this.sent.get(viewerId) ?? [];
    this.sent.delete(viewerId);
    return list;
  }
}
