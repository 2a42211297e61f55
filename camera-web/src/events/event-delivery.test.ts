import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, type CameraEventMessage, type DetectionSettings, type EventMessage } from '../../../protocol/event-messages.ts';
import { FakeTimers, flush } from '../../../protocol/testing/timers.ts';
import { EventDelivery } from './event-delivery.ts';
import { HeldLinks } from './held-links.ts';
import { Outbox } from './outbox.ts';
import { FakeLinks } from './testing/fake-links.ts';
import { MemoryStore } from './testing/outbox-fixtures.ts';

const AT = 1_800_000_000_000;
const event = (id: string): CameraEventMessage => ({ t: 'event', id, kind: 'motion', at: AT, durationMs: 0, strength: 0.5, levelDbfs: null, thumbnail: null, clip: false });
const ids = (messages: EventMessage[]): string[] => messages.map((m) => (m.t === 'event' ? m.id : m.t));

let timers: FakeTimers;
let links: FakeLinks;
let outbox: Outbox;
let settings: { viewerId: string; settings: DetectionSettings }[];

async function deliver(over: FakeLinks | HeldLinks = links): Promise<EventDelivery> {
  return new EventDelivery({ links: over, outbox, timers, onSettings: (s, viewerId) => settings.push({ viewerId, settings: s }), onChange: () => undefined });
}

beforeEach(async () => {
  timers = new FakeTimers(AT);
  links = new FakeLinks();
  outbox = await Outbox.open(new MemoryStore());
  settings = [];
  await outbox.addEvent(event('e1'));
  await outbox.addEvent(event('e2'));
});

describe('EventDelivery', () => {
  it('a web viewer that never asks for events gets none; they stay on the phone', async () => {
    const delivery = await deliver();
    links.connect('web');
    await flush();
    await delivery.idle();
    expect(links.take('web')).toEqual([]);
    expect(outbox.items).toHaveLength(2);
    expect(delivery.collector).toBeNull();
  });

  it('a desktop that sends detection-settings collects the events oldest first, one per ack', async () => {
    const delivery = await deliver();
    links.connect('desk');
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    await delivery.idle();
    expect(settings).toEqual([{ viewerId: 'desk', settings: DEFAULT_DETECTION_SETTINGS }]);
    expect(ids(links.take('desk'))).toEqual(['e1']);
    links.say('desk', { t: 'event-ack', id: 'e1' });
    await flush();
    await delivery.idle();
    expect(ids(links.take('desk'))).toEqual(['e2']);
    links.say('desk', { t: 'event-ack', id: 'e2' });
    await flush();
    await delivery.idle();
    expect(outbox.items).toEqual([]);
  });

  it('with two desktops, the first to ask collects; the other\'s acks do nothing; when the first leaves, the other gets the rest', async () => {
    const delivery = await deliver();
    links.connect('a');
    links.connect('b');
    links.say('b', DEFAULT_DETECTION_SETTINGS);
    links.say('a', DEFAULT_DETECTION_SETTINGS);
    await delivery.idle();
    // b asked first and nobody was collecting: b collects; a waits its turn.
    expect(delivery.collector).toBe('b');
    expect(ids(links.take('b'))).toEqual(['e1']);
    expect(links.take('a')).toEqual([]);
    links.say('a', { t: 'event-ack', id: 'e1' });
    await flush();
    await delivery.idle();
    expect(outbox.items).toHaveLength(2);
    links.end('b');
    await flush();
    await delivery.idle();
    expect(delivery.collector).toBe('a');
    // e1 was never confirmed: it goes again, to a.
    expect(ids(links.take('a'))).toEqual(['e1']);
  });

  it('a desktop that re-dials collects again only after it asks again', async () => {
    const delivery = await deliver();
    links.connect('desk');
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    await delivery.idle();
    links.take('desk');
    links.end('desk');
    links.connect('desk');
    await flush();
    await delivery.idle();
    expect(delivery.collector).toBeNull();
    expect(links.take('desk')).toEqual([]);
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    await delivery.idle();
    expect(ids(links.take('desk'))).toEqual(['e1']);
  });

  it('settings from a viewer with no connected session are ignored; close stops delivery', async () => {
    const delivery = await deliver();
    links.say('ghost', DEFAULT_DETECTION_SETTINGS);
    expect(settings).toEqual([]);
    delivery.close();
    links.connect('desk');
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    await flush();
    expect(links.take('desk')).toEqual([]);
  });
});

describe('EventDelivery notices', () => {
  it('a web viewer that asks for notices gets each new event as detected, not the backlog, and sends no acks', async () => {
    const delivery = await deliver();
    links.connect('web');
    links.say('web', { t: 'event-notices', on: true });
    await delivery.idle();
    // The two kept events are the collector's business: the web viewer gets none of them.
    expect(links.take('web')).toEqual([]);
    delivery.notice(event('n1'));
    expect(ids(links.take('web'))).toEqual(['n1']);
    // Nothing of the outbox moved: a notice is a copy.
    expect(outbox.items).toHaveLength(2);
    expect(delivery.collector).toBeNull();
  });

  it('the collector gets no notice (the outbox delivers it the event); other subscribers do', async () => {
    const delivery = await deliver();
    links.connect('desk');
    links.connect('web');
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    links.say('desk', { t: 'event-notices', on: true });
    links.say('web', { t: 'event-notices', on: true });
    await delivery.idle();
    links.take('desk');
    delivery.notice(event('n1'));
    expect(links.take('desk')).toEqual([]);
    expect(ids(links.take('web'))).toEqual(['n1']);
  });

  it('notices stop when the viewer says off, when its session ends, and for a new session until it asks again', async () => {
    const delivery = await deliver();
    links.connect('web');
    links.connect('tab2');
    links.say('web', { t: 'event-notices', on: true });
    links.say('tab2', { t: 'event-notices', on: true });
    links.say('web', { t: 'event-notices', on: false });
    delivery.notice(event('n1'));
    expect(links.take('web')).toEqual([]);
    expect(ids(links.take('tab2'))).toEqual(['n1']);
    links.end('tab2');
    links.connect('tab2');
    delivery.notice(event('n2'));
    expect(links.take('tab2')).toEqual([]);
    expect(delivery.noticeViewers).toEqual([]);
    // A viewer with no connected session cannot subscribe.
    links.say('ghost', { t: 'event-notices', on: true });
    expect(delivery.noticeViewers).toEqual([]);
    links.say('tab2', { t: 'event-notices', on: true });
    delivery.close();
    delivery.notice(event('n3'));
    expect(links.take('tab2')).toEqual([]);
  });

  it('says when the first viewer subscribes and when the last one stops (off or its session ending), not in between', async () => {
    const changes: boolean[] = [];
    const delivery = new EventDelivery({ links, outbox, timers, onSettings: () => undefined, onChange: () => undefined, onNotices: (on) => changes.push(on) });
    links.connect('web');
    links.connect('tab2');
    links.say('web', { t: 'event-notices', on: false });
    expect(changes).toEqual([]);
    links.say('web', { t: 'event-notices', on: true });
    links.say('web', { t: 'event-notices', on: true });
    links.say('tab2', { t: 'event-notices', on: true });
    expect(changes).toEqual([true]);
    links.say('web', { t: 'event-notices', on: false });
    expect(changes).toEqual([true]);
    links.end('tab2');
    expect(changes).toEqual([true, false]);
    links.say('web', { t: 'event-notices', on: true });
    links.say('web', { t: 'event-notices', on: false });
    expect(changes).toEqual([true, false, true, false]);
    delivery.close();
  });
});

describe('HeldLinks', () => {
  it('a desktop that connected and asked before the events code was there still collects, once released', async () => {
    const held = new HeldLinks(links);
    links.connect('desk');
    links.say('desk', DEFAULT_DETECTION_SETTINGS);
    const delivery = await deliver(held);
    expect(delivery.collector).toBeNull();
    held.release();
    await delivery.idle();
    expect(delivery.collector).toBe('desk');
    expect(ids(links.take('desk'))).toEqual(['e1']);
    // After release, events pass straight through.
    links.say('desk', { t: 'event-ack', id: 'e1' });
    await flush();
    await delivery.idle();
    expect(ids(links.take('desk'))).toEqual(['e2']);
    held.close();
  });
});
