/**
 * Camera events in the web viewer, in real Chromium against the real server: a web viewer whose owner turned on
 * "Notify me of events while this page is open" (notifications granted) asks the cameras it is linked to for a notice
 * of each new event, and shows a notification — the camera's name, the kind in plain words, the time, the event's
 * thumbnail — when the camera page detects motion; clicking it opens that camera's live view.
 *
 * In the desktop app (its main window through the desktop harness: main's real IPC and events service), the owner
 * opens Detection in the live view, turns sound off, makes motion last longer and paints a zone over the picture;
 * Save keeps them in the app and sends them to the camera over its open link, and the phone detects with them at once.
 *
 * The camera films a y4m in which a bright square crosses a still grey room every 7.5 s. Detection on a phone starts once
 * a desktop app has sent it detection settings, ever (they are kept in the page's localStorage); no desktop takes
 * part in the first test, so the phone's browser starts with such kept settings (motion only, most sensitive, no
 * cooldown), as a phone that a desktop set up earlier does. The second test's phone has nothing kept, never having met
 * a desktop: the web viewer's subscription alone runs its detection, for notices only (default settings, nothing
 * recorded or kept), until the viewer turns notifications off. The viewer's Notification constructor is wrapped to record each call and
 * still construct the real notification.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraItem, openViewer, pairNewCamera, watch } from './support/apps.ts';
import { launchChromium, newDeviceContext, waitFor } from './support/browser.ts';
import { startDesktop } from './support/desktop-harness.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { DETECTION_SETTINGS_KEY } from '../camera-web/src/events/camera-events.ts';
import { DEFAULT_DETECTION_SETTINGS, type DetectionSettings } from '../protocol/event-messages.ts';

let dir: string;
let server: TestServer;
let browser: Browser;

/**
 * A grey room (luma 60) that a bright square (luma 230) crosses from edge to edge in 2.5 s, then 5 s of the empty
 * room: each crossing is one motion event, over 2 s before the next (so it ends), and the room never learns the square.
 */
async function writeCrossingSquareY4m(path: string, width: number, height: number, fps: number): Promise<void> {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const luma = width * height;
  const chroma = (width / 2) * (height / 2);
  const size = Math.round(height / 4);
  const crossing = Math.round(fps * 2.5);
  const frames: Buffer[] = [];
  for (let i = 0; i < crossing + fps * 5; i++) {
    const frame = Buffer.alloc(6 + luma + 2 * chroma, 128);
    frame.write('FRAME\n', 0);
    frame.fill(60, 6, 6 + luma);
    if (i < crossing) {
      const x0 = Math.round((i / (crossing - 1)) * (width - size));
      const y0 = Math.round((height - size) / 2);
      for (let y = y0; y < y0 + size; y++) frame.fill(230, 6 + y * width + x0, 6 + y * width + x0 + size);
    }
    frames.push(frame);
  }
  await writeFile(path, Buffer.concat([header, ...frames]));
}

/** Settings a desktop would have sent: motion only (no sound from Chromium's beeping fake microphone), most sensitive. */
const KEPT: DetectionSettings = {
  ...DEFAULT_DETECTION_SETTINGS,
  motion: { enabled: true, sensitivity: 100, zones: null, minDurationMs: 0 },
  sound: { enabled: false, sensitivity: 50 },
  cooldownSec: 0,
};

/** Records each `new Notification(title, options)` the page makes (and still makes the real one). */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  if (typeof Real !== 'function' || window.__notifications) return;
  const shown = [];
  Object.defineProperty(window, '__notifications', { value: shown });
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      shown.push({ title, body: options && options.body, icon: options && options.icon, tag: options && options.tag, notification: this });
    }
  }
  window.Notification = Recorded;
})();`;

interface Shown {
  title: string;
  body: string;
  icon: string | undefined;
  tag: string;
}

const shownNotifications = (viewer: Page): Promise<Shown[]> =>
  viewer.evaluate(() => ((window as unknown as { __notifications?: Shown[] }).__notifications ?? []).map(({ title, body, icon, tag }) => ({ title, body, icon, tag })));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-event-settings-'));
  const video = join(dir, 'crossing-square.y4m');
  await writeCrossingSquareY4m(video, 320, 240, 10);
  server = await startTestServer();
  browser = await launchChromium({ fakeVideo: video });
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('web viewer notifications of camera events', () => {
  it('with notifications allowed and turned on, motion on a linked camera shows a notification that opens its live view', async () => {
    const viewerContext = await newDeviceContext(browser);
    // Chromium's grant replaces the origin's permissions: the microphone (talk-back) must stay granted with it.
    await viewerContext.grantPermissions(['notifications', 'microphone', 'camera'], { origin: server.url });
    await viewerContext.addInitScript(RECORD_NOTIFICATIONS);
    const phone = await newDeviceContext(browser);
    await phone.addInitScript(
      ([key, value]) => {
        if (location.pathname === '/' && localStorage.getItem(key) === null) localStorage.setItem(key, value);
      },
      [DETECTION_SETTINGS_KEY, JSON.stringify(KEPT)] as const,
    );
    try {
      const viewer = await openViewer(viewerContext, server.url);
      const toggle = viewer.getByTestId('notify-toggle');
      await expect(toggle.isChecked()).resolves.toBe(false);
      const camera = await pairNewCamera(viewer, phone);
      const name = (await cameraItem(viewer, camera.cameraId).getByTestId('camera-name').inputValue()).trim();
      expect(name).not.toBe('');
      // The phone detects with the kept settings, with nobody collecting: events wait on the phone.
      await camera.page.locator('[data-testid=detection][data-state=on]').waitFor({ timeout: 20_000 });

      await toggle.click();
      await viewer.locator('[data-testid=notify-events][data-state=on]').waitFor({ timeout: 5_000 });
      expect(await toggle.isChecked()).toBe(true);

      const [first] = await waitFor(() => shownNotifications(viewer), (list) => list.length > 0, { timeoutMs: 45_000, intervalMs: 500, what: 'a notification of motion' });
      expect(first!.title).toBe(`${name}: motion`);
      expect(first!.body).toMatch(/^at \d{1,2}:\d{2}:\d{2}/);
      expect(first!.icon).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/]{100,}={0,2}$/);
      expect(first!.tag).toMatch(new RegExp(`^pawcam-event-${camera.cameraId}-[0-9a-f]{16}$`));
      // Only the viewer was notified: the events stay on the phone for a desktop to collect.
      await waitFor(() => camera.page.getByTestId('detection').getAttribute('data-waiting'), (n) => Number(n) > 0, { what: 'events waiting on the phone' });

      // Clicking the notification opens the camera's live view.
      await expect(viewer.getByTestId('live-view').count()).resolves.toBe(0);
      await viewer.evaluate(() => {
        const [entry] = (window as unknown as { __notifications: { notification: Notification }[] }).__notifications;
        entry?.notification.onclick?.(new Event('click'));
      });
      await expect(viewer.getByTestId('live-camera-name').textContent({ timeout: 10_000 })).resolves.toBe(name);

      // Turned off: the camera is told at once, and later motion shows nothing more.
      await toggle.click();
      await viewer.locator('[data-testid=notify-events][data-state=off]').waitFor({ timeout: 5_000 });
      const count = (await shownNotifications(viewer)).length;
      const waiting = Number(await camera.page.getByTestId('detection').getAttribute('data-waiting'));
      // New events keep being detected on the phone (the square crosses every 7.5 s)…
      await waitFor(() => camera.page.getByTestId('detection').getAttribute('data-waiting'), (n) => Number(n) > waiting, { timeoutMs: 30_000, what: 'a new event on the phone' });
      // …and none reaches the viewer.
      expect((await shownNotifications(viewer)).length).toBe(count);
    } finally {
      await viewerContext.close();
      await phone.close();
    }
  }, 240_000);

  it('a phone no desktop ever set up detects for a web viewer\'s notifications alone, keeps nothing, and stops when they are turned off', async () => {
    const viewerContext = await newDeviceContext(browser);
    await viewerContext.grantPermissions(['notifications', 'microphone', 'camera'], { origin: server.url });
    await viewerContext.addInitScript(RECORD_NOTIFICATIONS);
    // Nothing stored on this phone: no desktop ever sent it settings.
    const phone = await newDeviceContext(browser);
    try {
      const viewer = await openViewer(viewerContext, server.url);
      const toggle = viewer.getByTestId('notify-toggle');
      const camera = await pairNewCamera(viewer, phone);
      const name = (await cameraItem(viewer, camera.cameraId).getByTestId('camera-name').inputValue()).trim();
      const line = camera.page.getByTestId('detection');
      await camera.page.locator('[data-testid=detection][data-state=not-asked]').waitFor({ timeout: 20_000 });

      await toggle.click();
      await viewer.locator('[data-testid=notify-events][data-state=on]').waitFor({ timeout: 5_000 });
      // The subscription alone starts detection, and the phone says what it does and what it does not.
      await camera.page.locator('[data-testid=detection][data-state=notices]').waitFor({ timeout: 20_000 });
      await expect(line.textContent()).resolves.toBe('Motion and sound detection on for notifications — nothing is recorded or kept on this phone');

      // The square crosses every 7.5 s: a motion notification with the event's thumbnail.
      const shown = await waitFor(
        () => shownNotifications(viewer),
        (list) => list.some((n) => n.title === `${name}: motion`),
        { timeoutMs: 45_000, intervalMs: 500, what: 'a notification of motion' },
      );
      const motion = shown.find((n) => n.title === `${name}: motion`)!;
      expect(motion.body).toMatch(/^at \d{1,2}:\d{2}:\d{2}/);
      expect(motion.icon).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/]{100,}={0,2}$/);
      // Nothing kept on the phone: no event waiting, no settings stored (it still has never met a desktop).
      await expect(line.getAttribute('data-waiting')).resolves.toBe('0');
      await expect(line.getAttribute('data-state')).resolves.toBe('notices');
      await expect(camera.page.evaluate((key) => localStorage.getItem(key), DETECTION_SETTINGS_KEY)).resolves.toBeNull();

      // Turned off in the viewer: the phone's detection stops, and its line says so.
      await toggle.click();
      await viewer.locator('[data-testid=notify-events][data-state=off]').waitFor({ timeout: 5_000 });
      await camera.page.locator('[data-testid=detection][data-state=not-asked]').waitFor({ timeout: 10_000 });
      await expect(line.textContent()).resolves.toBe('Motion and sound detection off — it starts when your desktop app connects');
      await expect(line.getAttribute('data-waiting')).resolves.toBe('0');
    } finally {
      await viewerContext.close();
      await phone.close();
    }
  }, 240_000);
});

describe('detection settings in the desktop app', () => {
  it('settings and zones saved from the live view reach the camera over its open link at once', async () => {
    const desktop = await startDesktop({ browser, server });
    const phone = await newDeviceContext(browser);
    try {
      const app = desktop.page;
      const camera = await pairNewCamera(app, phone);
      // The link opened and the desktop sent the camera's (default) settings: detection runs, motion and sound.
      await waitFor(() => camera.page.getByTestId('detection').textContent(), (t) => t?.startsWith('Motion and sound detection on') === true, { timeoutMs: 40_000, what: 'detection on' });

      await watch(app, camera.cameraId);
      await app.getByTestId('detection-settings').click();
      const panel = app.getByTestId('event-settings');
      await panel.getByTestId('sound-enabled').waitFor({ timeout: 10_000 });
      await panel.getByTestId('sound-enabled').uncheck();
      await panel.getByTestId('motion-min-duration').fill('2');
      await panel.getByTestId('alert-loud-sound').uncheck();

      // Zones: clear the grid, then drag along the top row of the picture, from its first square to its fourth.
      await panel.getByTestId('draw-zones').click();
      const overlay = app.getByTestId('zone-overlay');
      await panel.getByTestId('zones-clear').click();
      await expect(overlay.getAttribute('data-watched')).resolves.toBe('0');
      const cell = async (index: number) => {
        const box = await overlay.locator(`[data-testid=zone-cell][data-index="${index}"]`).boundingBox({ timeout: 5_000 });
        if (!box) throw new Error(`zone cell ${index} is not on screen`);
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      };
      await overlay.scrollIntoViewIfNeeded({ timeout: 5_000 });
      // The grid lies on the picture itself, not on the letterbox bars around it.
      const picture = await app.getByTestId('live-video').evaluate((el) => {
        const v = el as HTMLVideoElement;
        const r = v.getBoundingClientRect();
        const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
        return { x: r.x + (r.width - v.videoWidth * scale) / 2, y: r.y + (r.height - v.videoHeight * scale) / 2, width: v.videoWidth * scale };
      });
      const corner = (await overlay.locator('[data-testid=zone-cell][data-index="0"]').boundingBox({ timeout: 5_000 }))!;
      expect(Math.abs(corner.x - picture.x)).toBeLessThan(2);
      expect(Math.abs(corner.y - picture.y)).toBeLessThan(2);
      expect(Math.abs(corner.width * 16 - picture.width)).toBeLessThan(4);
      const from = await cell(0);
      const to = await cell(3);
      await app.mouse.move(from.x, from.y);
      await app.mouse.down();
      await app.mouse.move(to.x, to.y, { steps: 2 });
      await app.mouse.up();
      await expect(overlay.getAttribute('data-watched')).resolves.toBe('4');
      await panel.getByTestId('draw-zones').click();
      await overlay.waitFor({ state: 'detached', timeout: 5_000 });
      await panel.getByTestId('event-settings-save').click();
      await expect(panel.getByTestId('event-settings-result').textContent({ timeout: 10_000 })).resolves.toBe('Saved — the camera uses these settings now.');

      // The phone has them: kept for its next start, and its line says what runs now.
      const kept = await waitFor(
        () => camera.page.evaluate((key) => localStorage.getItem(key), DETECTION_SETTINGS_KEY),
        (text) => text !== null && (JSON.parse(text) as DetectionSettings).sound.enabled === false,
        { timeoutMs: 10_000, what: 'the new settings on the phone' },
      );
      const settings = JSON.parse(kept!) as DetectionSettings;
      expect(settings.motion).toEqual({ enabled: true, sensitivity: DEFAULT_DETECTION_SETTINGS.motion.sensitivity, minDurationMs: 2000, zones: { cols: 16, rows: 12, cells: `1111${'0'.repeat(16 * 12 - 4)}` } });
      await waitFor(() => camera.page.getByTestId('detection').textContent(), (t) => t?.startsWith('Motion detection on') === true, { what: 'the line without sound' });
      // The desktop keeps them too (with the muted kind), and sends the same at the next connection.
      const prefs = await app.evaluate(
        (id) => (window as unknown as { pawcam: { getEventPrefs(id: string): Promise<{ detection: DetectionSettings; mutedKinds: string[] }> } }).pawcam.getEventPrefs(id),
        camera.cameraId,
      );
      expect(prefs.detection).toEqual(settings);
      expect(prefs.mutedKinds).toEqual(['loud-sound']);
    } finally {
      await desktop.close();
      await phone.close();
      await rm(desktop.dir, { recursive: true, force: true });
    }
  }, 240_000);
});
