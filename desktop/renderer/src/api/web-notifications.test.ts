import { describe, expect, it } from 'vitest';
import type { CameraEventMessage, EventMessage } from '../../../../protocol/event-messages.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { STORAGE_KEYS } from './web-api.ts';
import { WebNotifications, connectWebNotifications, type NotificationPort, type ShownNotification } from './web-notifications.ts';

const AT = new Date(2027, 5, 1, 14, 5, 9).getTime();
const event = (id: string, kind: CameraEventMessage['kind'] = 'barking-like', thumbnail: string | null = '/9j/2Q=='): CameraEventMessage => ({
  t: 'event',
  id,
  kind,
  at: AT,
  durationMs: 0,
  strength: 0.5,
  levelDbfs: -20,
  thumbnail,
  clip: true,
});

/** The browser's Notification API: a permission the test (or the "user" answering the prompt) sets, and what was shown. */
class FakeNotifications implements NotificationPort {
  permission: NotificationPermission = 'default';
  answer: NotificationPermission = 'granted';
  asked = 0;
  shown: { title: string; options: { body: string; icon?: string; tag: string }; notification: ShownNotification & { closed: boolean } }[] = [];
  async requestPermission(): Promise<NotificationPermission> {
    this.asked++;
    this.permission = this.answer;
    return this.answer;
  }
  show(title: string, options: { body: string; icon?: string; tag: string }) {
    const notification = { onclick: null as ShownNotification['onclick'], closed: false, close: () => void (notification.closed = true) };
    this.shown.push({ title, options, notification });
    return notification;
  }
}

function setup(stored: Record<string, string> = {}) {
  const port = new FakeNotifications();
  const storage = new Map(Object.entries(stored));
  const opened: string[] = [];
  const notifications = new WebNotifications({
    notifications: port,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
    cameraName: (id) => (id === 'cam-hall' ? 'Hall' : null),
    open: (id) => opened.push(id),
    now: () => AT + 60_000,
  });
  return { port, storage, opened, notifications };
}

describe('WebNotifications', () => {
  it('is off until turned on; turning on asks the browser once, keeps the choice, and subscribes', async () => {
    const { port, storage, notifications } = setup();
    const subscriptions: boolean[] = [];
    notifications.on('subscription', (on) => subscriptions.push(on));
    expect(notifications.state).toBe('off');
    expect(notifications.handle('cam-hall', event('00000000000000a1'))).toBe(false);
    await expect(notifications.enable()).resolves.toBe('on');
    expect(port.asked).toBe(1);
    expect(storage.get(STORAGE_KEYS.notify)).toBe('on');
    expect(subscriptions).toEqual([true]);
    notifications.disable();
    expect(subscriptions).toEqual([true, false]);
    expect(storage.get(STORAGE_KEYS.notify)).toBe('off');
    await notifications.enable();
    // Granted already: no second prompt.
    expect(port.asked).toBe(1);
  });

  it('a refused permission leaves it off and says notifications are blocked', async () => {
    const { port, notifications } = setup();
    port.answer = 'denied';
    await expect(notifications.enable()).resolves.toBe('blocked');
    expect(notifications.subscribed).toBe(false);
  });

  it('a kept choice holds after a reload only while the browser still grants the permission', () => {
    const { port, notifications } = setup({ [STORAGE_KEYS.notify]: 'on' });
    expect(notifications.state).toBe('off');
    port.permission = 'granted';
    expect(notifications.state).toBe('on');
  });

  it('shows each new event with the camera, the kind in honest words, the time and the thumbnail; a click opens the camera', async () => {
    const { port, opened, notifications } = setup();
    await notifications.enable();
    expect(notifications.handle('cam-hall', event('00000000000000a1'))).toBe(true);
    const [shown] = port.shown;
    expect(shown!.title).toBe('Hall: barking-like sound');
    expect(shown!.title).not.toMatch(/\bbark\b/i);
    expect(shown!.options.body).toMatch(/^at (14|0?2):05:09( PM)?$/);
    expect(shown!.options.icon).toBe('data:image/jpeg;base64,/9j/2Q==');
    expect(shown!.options.tag).toBe('pawcam-event-cam-hall-00000000000000a1');
    shown!.notification.onclick?.(new Event('click'));
    expect(opened).toEqual(['cam-hall']);
    expect(shown!.notification.closed).toBe(true);
    // No thumbnail: no icon. Other messages and unknown cameras: nothing.
    notifications.handle('cam-hall', event('00000000000000a2', 'motion', null));
    expect(port.shown[1]).toMatchObject({ title: 'Hall: motion', options: { tag: 'pawcam-event-cam-hall-00000000000000a2' } });
    expect(port.shown[1]!.options).not.toHaveProperty('icon');
    expect(notifications.handle('cam-hall', { t: 'event-end', id: '00000000000000a2', durationMs: 3000 })).toBe(false);
    expect(notifications.handle('cam-stranger', event('00000000000000a3'))).toBe(false);
    expect(port.shown).toHaveLength(2);
  });

  it('without the Notification API it says so and never subscribes', async () => {
    const notifications = new WebNotifications({ notifications: null, storage: { getItem: () => 'on', setItem: () => undefined }, cameraName: () => 'Hall', open: () => undefined });
    expect(notifications.state).toBe('unsupported');
    await expect(notifications.enable()).resolves.toBe('unsupported');
    const sent: EventMessage[] = [];
    notifications.linkOpened((m) => (sent.push(m), true));
    expect(sent).toEqual([]);
  });
});

describe('connectWebNotifications', () => {
  class FakeViewer extends TypedEmitter<{ 'link-open': (cameraId: string) => void; 'event-message': (cameraId: string, message: EventMessage) => void }> {
    sent: [string, EventMessage][] = [];
    open = new Set(['cam-hall']);
    model = { cameras: [{ id: 'cam-hall' }, { id: 'cam-yard' }] };
    linkOpen(cameraId: string): void {
      this.emit('link-open', cameraId);
    }
    eventMessage(cameraId: string, message: EventMessage): void {
      this.emit('event-message', cameraId, message);
    }
    sendEvent(cameraId: string, message: EventMessage): boolean {
      if (!this.open.has(cameraId)) return false;
      this.sent.push([cameraId, message]);
      return true;
    }
  }

  it('subscribes each link as it opens, tells open links when turned on or off, and shows what they send', async () => {
    const { port, notifications } = setup();
    const viewer = new FakeViewer();
    const disconnect = connectWebNotifications(viewer, notifications);
    viewer.linkOpen('cam-hall');
    expect(viewer.sent).toEqual([]);
    await notifications.enable();
    expect(viewer.sent).toEqual([['cam-hall', { t: 'event-notices', on: true }]]);
    viewer.open.add('cam-yard');
    viewer.linkOpen('cam-yard');
    expect(viewer.sent[1]).toEqual(['cam-yard', { t: 'event-notices', on: true }]);
    viewer.eventMessage('cam-hall', event('00000000000000b1', 'howling-like'));
    expect(port.shown.map((s) => s.title)).toEqual(['Hall: howling-like sound']);
    notifications.disable();
    expect(viewer.sent.slice(2)).toEqual([
      ['cam-hall', { t: 'event-notices', on: false }],
      ['cam-yard', { t: 'event-notices', on: false }],
    ]);
    disconnect();
    viewer.eventMessage('cam-hall', event('00000000000000b2'));
    expect(port.shown).toHaveLength(1);
  });
});
