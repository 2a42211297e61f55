/**
 * The web viewer's notifications of camera events while its page is open (the Notification API). A web viewer keeps
 * no events (the desktop app collects them); it asks each camera, over its link, for a copy of every new event as it
 * is detected (`event-notices`), and shows a notification with the camera's name, what happened in plain words, the
 * time and the event's thumbnail. Clicking one focuses the tab and opens that camera's live view.
 *
 * It is off until the owner turns it on with a click (the browser asks for permission only from a click), and the
 * choice is kept in this browser. Several tabs each get the copy: the notification's tag is the event, so the
 * browser shows one. The desktop app never subscribes: it collects events and notifies natively.
 */
import type { CameraEventMessage, EventMessage } from '../../../../protocol/event-messages.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { eventTime, eventTitle } from '../events-settings/event-words.ts';
import { STORAGE_KEYS, type StorageLike } from './web-api.ts';

const log = createLogger('web-notifications');

/** A shown notification, as much as this module uses. */
export interface ShownNotification {
  onclick: ((event: Event) => void) | null;
  close(): void;
}

/** The browser's Notification API (a seam for tests). */
export interface NotificationPort {
  /** 'default' (not asked yet), 'granted' or 'denied'. */
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  show(title: string, options: { body: string; icon?: string; tag: string }): ShownNotification;
}

/** The page's Notification API, or null where the browser has none (e.g. iOS Safari outside a home-screen app). */
export function browserNotifications(): NotificationPort | null {
  const N = globalThis.Notification as typeof Notification | undefined;
  if (typeof N !== 'function') return null;
  return {
    get permission() {
      return N.permission;
    },
    requestPermission: () => N.requestPermission(),
    show: (title, options) => new N(title, options),
  };
}

/** The page's localStorage, or a memory stand-in where the browser blocks site data (the choice lasts the visit). */
export function notifyStorage(): Pick<StorageLike, 'getItem' | 'setItem'> {
  try {
    const storage = globalThis.localStorage;
    storage.getItem(STORAGE_KEYS.notify);
    return storage;
  } catch {
    const memory = new Map<string, string>();
    return { getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) };
  }
}

/** What the toggle shows. */
export type NotifyState = 'unsupported' | 'off' | 'on' | 'blocked';

/** The toggle's line for each state. */
export const NOTIFY_TEXT: Record<NotifyState, string> = {
  unsupported: 'This browser cannot show notifications.',
  off: 'Notify me of events while this page is open',
  on: 'Notify me of events while this page is open',
  blocked: 'Notifications are blocked for this site; allow them in your browser’s site settings, then try again.',
};

/** Events of WebNotifications. */
export type WebNotificationsEvents = {
  /** The state changed (the toggle re-renders). */
  change: (state: NotifyState) => void;
  /** Whether cameras should send notices changed: tell every open link. */
  subscription: (on: boolean) => void;
};

/** Options of WebNotifications. */
export interface WebNotificationsOptions {
  /** The browser's API; null where there is none. */
  notifications: NotificationPort | null;
  /** Where the owner's choice is kept. */
  storage: Pick<StorageLike, 'getItem' | 'setItem'>;
  /** Our name for a camera, or null for one not in the list (its events are not shown). */
  cameraName(cameraId: string): string | null;
  /** A notification was clicked: bring the page forward and open this camera's live view. */
  open(cameraId: string): void;
  now?: () => number;
}

/** Notifications of camera events in the web viewer. */
export class WebNotifications extends TypedEmitter<WebNotificationsEvents> {
  readonly #o: WebNotificationsOptions;
  readonly #now: () => number;
  #wanted: boolean;

  constructor(options: WebNotificationsOptions) {
    super();
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#wanted = this.#read() === 'on';
  }

  /** What the toggle shows now (the permission is read live: the owner may revoke it in the browser meanwhile). */
  get state(): NotifyState {
    const port = this.#o.notifications;
    if (!port) return 'unsupported';
    if (port.permission === 'denied') return 'blocked';
    return this.#wanted && port.permission === 'granted' ? 'on' : 'off';
  }

  /** Cameras should send this viewer a notice of each new event. */
  get subscribed(): boolean {
    return this.state === 'on';
  }

  /** Turn on (from a click: the browser asks for permission only then). Resolves to the new state. */
  async enable(): Promise<NotifyState> {
    const port = this.#o.notifications;
    if (!port) return 'unsupported';
    const before = this.subscribed;
    let permission = port.permission;
    if (permission === 'default') {
      try {
        permission = await port.requestPermission();
      } catch (error) {
        log.warn('the browser did not ask for notification permission', { error: String(error) });
      }
    }
    if (permission === 'granted') {
      this.#wanted = true;
      this.#write('on');
    }
    this.#changed(before);
    return this.state;
  }

  /** Turn off: the cameras stop sending notices. */
  disable(): void {
    const before = this.subscribed;
    this.#wanted = false;
    this.#write('off');
    this.#changed(before);
  }

  /** A link to a camera opened: subscribe on it when notifications are on. */
  linkOpened(send: (message: EventMessage) => boolean): void {
    if (this.subscribed) send({ t: 'event-notices', on: true });
  }

  /** An event message arrived over a camera's link: a new event becomes a notification. True when one was shown. */
  handle(cameraId: string, message: EventMessage): boolean {
    if (message.t !== 'event' || !this.subscribed) return false;
    const name = this.#o.cameraName(cameraId);
    if (name === null) return false;
    return this.#show(cameraId, name, message);
  }

  #show(cameraId: string, name: string, event: CameraEventMessage): boolean {
    const port = this.#o.notifications;
    if (!port) return false;
    try {
      const shown = port.show(eventTitle(name, event.kind), {
        body: eventTime(event.at, this.#now()),
        // The thumbnail passed the wire's schema (base64 of at most 12 000 characters).
        ...(event.thumbnail ? { icon: `data:image/jpeg;base64,${event.thumbnail}` } : {}),
        tag: `pawcam-event-${cameraId}-${event.id}`,
      });
      shown.onclick = () => {
        shown.close();
        this.#o.open(cameraId);
      };
      return true;
    } catch (error) {
      // Chrome on Android shows notifications only from a service worker: the constructor throws there.
      log.warn('could not show a notification', { error: String(error) });
      return false;
    }
  }

  #changed(before: boolean): void {
    this.emit('change', this.state);
    if (this.subscribed !== before) this.emit('subscription', this.subscribed);
  }

  #read(): string | null {
    try {
      return this.#o.storage.getItem(STORAGE_KEYS.notify);
    } catch {
      return null;
    }
  }

  #write(value: 'on' | 'off'): void {
    try {
      this.#o.storage.setItem(STORAGE_KEYS.notify, value);
    } catch (error) {
      log.warn('could not keep the notification choice', { error: String(error) });
    }
  }
}

/** The part of the Viewer notifications need. */
export interface NotifiedViewer {
  on(event: 'link-open', listener: (cameraId: string) => void): () => void;
  on(event: 'event-message', listener: (cameraId: string, message: EventMessage) => void): () => void;
  sendEvent(cameraId: string, message: EventMessage): boolean;
  readonly model: { readonly cameras: readonly { readonly id: string }[] };
}

/**
 * Connect notifications to the viewer's links: each link that opens is subscribed (when on), each event shown, and
 * turning notifications on or off tells every open link at once. Returns the disconnect.
 */
export function connectWebNotifications(viewer: NotifiedViewer, notifications: WebNotifications): () => void {
  const offs = [
    viewer.on('link-open', (cameraId) => notifications.linkOpened((message) => viewer.sendEvent(cameraId, message))),
    viewer.on('event-message', (cameraId, message) => void notifications.handle(cameraId, message)),
    notifications.on('subscription', (on) => {
      for (const camera of viewer.model.cameras) viewer.sendEvent(camera.id, { t: 'event-notices', on });
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
