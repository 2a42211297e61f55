/**
 * The events timeline in the desktop app's built renderer (Chromium, through test/support/desktop-harness.ts: main's
 * real IPC gate, handlers and events store). Events are seeded into the real store as a camera's messages; the owner
 * then uses the timeline with mouse and keyboard. What this cannot show: the clip playing (the harness serves pages
 * from an https origin, where `pawcam://app/clips/…` URLs do not load) — the desktop smoke test fetches a clip
 * through main's scheme handler, whole and by range, and app-scheme.test.ts covers its refusals. The last test sets
 * how long events are kept in Settings; the clips folder picker is left to unit tests (the harness's dialog cancels).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeBase64, encodeEventMessage, type CameraEventMessage, type EventKind } from '../protocol/event-messages.ts';
import { localDay } from '../protocol/local-day.ts';
import { launchChromium, waitFor } from './support/browser.ts';
import { startDesktop, type DesktopHarness } from './support/desktop-harness.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const camera = { id: 'cam-7a11e00000000000000000000000e7e5', name: 'Hall', addedAt: 1 };
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0xff, 0xd9]);

let server: TestServer;
let browser: Browser;
let desktop: DesktopHarness;
let page: Page;
const today = new Date();
const at = (daysAgo: number, hour: number, minute: number): number => new Date(today.getFullYear(), today.getMonth(), today.getDate() - daysAgo, hour, minute).getTime();
const event = (id: string, kind: Exclude<EventKind, 'camera-offline'>, when: number, clip = false): CameraEventMessage => ({
  t: 'event',
  id,
  kind,
  at: when,
  durationMs: 12_000,
  strength: 0.4,
  levelDbfs: kind === 'motion' ? null : -20,
  thumbnail: encodeBase64(JPEG),
  clip,
});
const seeded = {
  motion: event('00000000000000c1', 'motion', at(0, 0, 20)),
  bark: event('00000000000000c2', 'barking-like', at(0, 0, 40), true),
  loud: event('00000000000000c3', 'loud-sound', at(0, 0, 50)),
  yesterday: event('00000000000000c4', 'howling-like', at(1, 14, 5)),
};

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  desktop = await startDesktop({ browser, server });
  page = desktop.page;
  await desktop.settings.update({ cameras: [camera] });
  for (const m of Object.values(seeded)) expect(await desktop.events.handleMessage(camera.id, encodeEventMessage(m))).toEqual({ t: 'event-ack', id: m.id });
  await page.reload();
  await page.getByTestId('camera-item').first().waitFor();
}, 120_000);

afterAll(async () => {
  await desktop?.close();
  await browser?.close();
  await server?.dispose();
});

const listed = (): Promise<string[]> => page.getByTestId('timeline-event').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset['kind'] ?? ''));

it('the Events button counts new events; the timeline lists the day by kind in plain words, filters, deletes after a confirm and writes the report', async () => {
  const events = page.getByTestId('camera-events');
  await expect.poll(() => page.getByTestId('camera-unseen').textContent()).toBe('4');
  expect(await events.getAttribute('aria-label')).toBe('Events of Hall, 4 new');

  await events.click();
  await page.getByTestId('timeline').waitFor();
  expect(await page.getByTestId('timeline-day').textContent()).toBe('Today');
  await expect.poll(listed).toEqual(['motion', 'barking-like', 'loud-sound']);
  // Shown is seen: today's three leave the count; yesterday's stays new.
  await expect.poll(() => page.getByTestId('camera-unseen').textContent()).toBe('1');
  const words = (await page.getByTestId('timeline').innerText()).toLowerCase();
  expect(words).toContain('barking-like sound');
  expect(words).not.toMatch(/\bbark\b|\bbarks\b/);

  // Filter: without motion, then back.
  await page.getByTestId('kind-motion').uncheck();
  await expect.poll(listed).toEqual(['barking-like', 'loud-sound']);
  await page.getByTestId('kind-motion').check();
  await expect.poll(listed).toEqual(['motion', 'barking-like', 'loud-sound']);

  // Keyboard: the list is reachable and an event opens with Enter; its clip is still on its way.
  await page.locator(`[data-event-id="${seeded.bark.id}"]`).focus();
  await page.keyboard.press('Enter');
  expect(await page.locator(`[data-event-id="${seeded.bark.id}"]`).getAttribute('aria-current')).toBe('true');
  expect(await page.getByTestId('timeline-clip-note').textContent()).toContain('Clip still arriving');
  expect(await page.getByTestId('timeline-detail').textContent()).toMatch(/^00:40:00 · 12 s$/);

  // Delete asks first; Keep keeps it, Delete removes it from the list and from the store.
  await page.getByTestId('timeline-delete').click();
  await page.getByTestId('timeline-keep').click();
  await page.getByTestId('timeline-delete').click();
  await page.getByTestId('timeline-confirm-delete').click();
  await expect.poll(listed).toEqual(['motion', 'loud-sound']);
  expect(desktop.events.listDay(camera.id, localDay(seeded.bark.at)).map((r) => r.id)).toEqual([seeded.motion.id, seeded.loud.id]);

  // The daily report: written next to the clips, opened, and the line says where.
  await page.getByTestId('timeline-report').click();
  await expect.poll(() => page.getByTestId('timeline-report-result').textContent()).toMatch(/^Daily report saved to .*pawcam-report-Hall-.*\.html and opened in your browser\.$/);
  const report = desktop.opened.find((p) => p.endsWith('.html'));
  expect(report && existsSync(report)).toBe(true);

  // Previous day: yesterday's event; the next-day button stops at today.
  await page.getByTestId('timeline-previous').click();
  await expect.poll(listed).toEqual(['howling-like']);
  expect(await page.getByTestId('timeline-day').textContent()).toBe('Yesterday');
  await page.getByTestId('timeline-next').click();
  await expect.poll(listed).toEqual(['motion', 'loud-sound']);
  expect(await page.getByTestId('timeline-next').isDisabled()).toBe(true);
}, 90_000);

it('a clicked notification opens that camera\'s timeline on the event\'s day with the event selected', async () => {
  await page.getByTestId('timeline-close').click();
  await page.getByTestId('timeline').waitFor({ state: 'detached' });
  await desktop.command({ type: 'open-event', cameraId: camera.id, eventId: seeded.yesterday.id, at: seeded.yesterday.at });
  await page.getByTestId('timeline').waitFor();
  expect(await page.getByTestId('timeline-day').textContent()).toBe('Yesterday');
  await expect.poll(() => page.locator(`[data-event-id="${seeded.yesterday.id}"]`).getAttribute('aria-current')).toBe('true');
  expect(await page.getByTestId('timeline-detail').textContent()).toMatch(/^14:05:00 · 12 s$/);
  // Seen now: no camera has new events left.
  await waitFor(() => page.getByTestId('camera-unseen').count(), (n) => n === 0, { what: 'the new-event badge to go' });
});

it('fits a narrow window without scrolling sideways', async () => {
  for (const width of [360, 700, 1100]) {
    await page.setViewportSize({ width, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `at ${width} px`).toBeLessThanOrEqual(0);
    const timeline = await page.getByTestId('timeline').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(timeline, `timeline at ${width} px`).toBeLessThanOrEqual(0);
  }
});

it('in Settings the owner keeps events for fewer days: refused out of range, then saved to settings.json, and older events go at once', async () => {
  const old = event('00000000000000c5', 'motion', at(10, 9, 0));
  expect(await desktop.events.handleMessage(camera.id, encodeEventMessage(old))).toEqual({ t: 'event-ack', id: old.id });
  expect(desktop.events.listDay(camera.id, localDay(old.at)).map((r) => r.id)).toEqual([old.id]);
  await page.getByTestId('timeline-close').click();
  await page.getByTestId('timeline').waitFor({ state: 'detached' });

  await page.getByTestId('settings').click();
  const panel = page.getByTestId('settings-panel');
  expect(await panel.getByTestId('clips-folder').textContent()).toBe(`${desktop.clipsDir} (default)`);
  const days = panel.getByTestId('retention-days');
  expect(await days.inputValue()).toBe('30');
  expect(await panel.getByTestId('retention-gigabytes').inputValue()).toBe('20');

  await days.fill('0');
  await days.press('Enter');
  await expect.poll(() => panel.getByTestId('settings-error').textContent()).toMatch(/^Not saved: Keep events for 1 to 3650 days/);
  expect(await days.inputValue()).toBe('30');

  await days.fill('7');
  await days.press('Enter');
  await panel.getByTestId('settings-saved').waitFor();
  const stored = async (): Promise<unknown> => (JSON.parse(await readFile(join(desktop.userDataDir, 'settings.json'), 'utf8')) as { events: { retentionDays: unknown } }).events.retentionDays;
  await expect.poll(stored).toBe(7);
  expect(await page.evaluate(() => (window as unknown as { pawcam: { getSettings(): Promise<{ retentionDays?: number | null }> } }).pawcam.getSettings())).toMatchObject({ retentionDays: 7, retentionGigabytes: 20 });
  // Applied at once: the ten-day-old event is gone; today's stay.
  await expect.poll(() => desktop.events.listDay(camera.id, localDay(old.at)).length).toBe(0);
  expect(desktop.events.listDay(camera.id, localDay(seeded.motion.at)).map((r) => r.id)).toEqual([seeded.motion.id, seeded.loud.id]);

  // An empty box: no size limit.
  await panel.getByTestId('retention-gigabytes').fill('');
  await panel.getByTestId('retention-gigabytes').press('Enter');
  await expect.poll(() => desktop.settings.get().events.retentionGigabytes).toBeNull();
  expect(await panel.getByTestId('retention-gigabytes').getAttribute('placeholder')).toBe('no limit');
});
