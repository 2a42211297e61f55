/**
 * No state of either page scrolls sideways on a phone. The camera page and the web viewer (and its
 * mini view) are driven through their states in Chromium and in Firefox ESR; in each state the page is laid out at
 * 320, 360, 390 and 414 px wide and must fit: the document does not scroll sideways, no scroll box inside it does, and
 * every control and text block lies inside the screen. Each state is also saved as a screenshot (at 390 px).
 */
import type { BrowserContext as ChromiumContext, Page as ChromiumPage } from 'playwright-core';
import type { Page as FirefoxPage } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { newDeviceContext, waitFor } from './support/browser.ts';
import { newFirefoxDevice, newTrackedPage } from './support/firefox.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { ownerLinkFor } from './support/server.ts';
import { serverChromiumAndFirefox } from './support/suite.ts';

const WIDTHS = [320, 360, 390, 414] as const;
const PHONE_HEIGHT = 844;

/**
 * What overflows sideways at the current width, as plain JavaScript (a string: both drivers must run the same
 * code). Reading a box forces the layout for the new width, so no wait is needed (and a
 * background tab runs no animation frames).
 */
const SIDEWAYS_SCRIPT = `(async () => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const out = [];
  const reported = [];
  const name = (el) => el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  if (doc.scrollWidth > width) out.push('the page is ' + doc.scrollWidth + ' px wide on a ' + width + ' px screen');
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    // The content of a closed <details> is not shown; Firefox 153 keeps its boxes (content-visibility: hidden) at the
    // size of their last layout, which would read as overflow after a resize.
    const closed = el.closest('details:not([open])');
    if (closed && !Array.from(closed.children).some((c) => c.tagName === 'SUMMARY' && c.contains(el))) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((style.overflowX === 'auto' || style.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      out.push(name(el) + ' scrolls sideways (' + el.scrollWidth + ' > ' + el.clientWidth + ')');
    }
    const shown = /^(BUTTON|INPUT|SELECT|TEXTAREA|VIDEO|IMG|SVG|H1|H2|P|LABEL|SUMMARY|CODE|LI|SECTION|HEADER)$/i.test(el.tagName);
    if (shown && (r.left < -1 || r.right > width + 1) && !reported.some((o) => o.contains(el))) {
      reported.push(el);
      out.push(name(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + ' on a ' + width + ' px screen');
    }
  }
  return out;
})()`;

/** One browser tab, whichever driver runs it. */
interface Tab {
  goto(url: string): Promise<void>;
  click(css: string): Promise<void>;
  waitFor(css: string, timeoutMs?: number): Promise<void>;
  text(css: string): Promise<string>;
  setWidth(width: number, height?: number): Promise<void>;
  evaluate<T>(script: string): Promise<T>;
  shot(state: string): Promise<void>;
}

/** A browser engine as this test uses it: devices (separate storage) holding tabs. */
interface Engine {
  name: 'chromium' | 'firefox';
  newTab(device: unknown): Promise<Tab>;
  newDevice(): Promise<unknown>;
}

function chromiumTab(page: ChromiumPage): Tab {
  return {
    async goto(url) {
      await page.goto(url);
    },
    async click(css) {
      await page.locator(css).first().click({ timeout: 10_000 });
    },
    async waitFor(css, timeoutMs = 20_000) {
      await page
        .locator(css)
        .first()
        .waitFor({ timeout: timeoutMs })
        .catch(async (error: unknown) => {
          await saveScreenshot(page, import.meta.filename, 'chromium-failed-waiting');
          throw error;
        });
    },
    async text(css) {
      return ((await page.locator(css).first().textContent()) ?? '').trim();
    },
    async setWidth(width, height = PHONE_HEIGHT) {
      await page.setViewportSize({ width, height });
    },
    evaluate: (script) => page.evaluate(script),
    async shot(state) {
      await saveScreenshot(page, import.meta.filename, `chromium-${state}`);
    },
  };
}

function firefoxTab(page: FirefoxPage): Tab {
  return {
    async goto(url) {
      await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
    },
    async click(css) {
      // A background tab runs no animation frames, and puppeteer's click waits for one: bring the tab to the front.
      await page.bringToFront();
      await page.locator(css).setTimeout(10_000).click();
    },
    async waitFor(css, timeoutMs = 20_000) {
      await page.waitForSelector(css, { timeout: timeoutMs });
    },
    async text(css) {
      return (await page.$eval(css, (el) => el.textContent ?? '')).trim();
    },
    async setWidth(width, height = PHONE_HEIGHT) {
      await page.setViewport({ width, height });
    },
    evaluate: (script) => page.evaluate(script) as never,
    async shot(state) {
      await saveScreenshot(page, import.meta.filename, `firefox-${state}`);
    },
  };
}

const suite = serverChromiumAndFirefox();

/** Lay `tab` out at every phone width; returns what overflowed, per width. Saves a screenshot at 390 px. */
async function sideways(tab: Tab, state: string, widths: readonly number[] = WIDTHS): Promise<string[]> {
  const found: string[] = [];
  for (const width of widths) {
    await tab.setWidth(width);
    const problems = await tab.evaluate<string[]>(SIDEWAYS_SCRIPT);
    for (const p of problems) found.push(`${state} at ${width} px: ${p}`);
    if (width === 390) await tab.shot(state);
  }
  return found;
}

const engines: Engine[] = [
  {
    name: 'chromium',
    newDevice: () => newDeviceContext(suite.chromium),
    newTab: async (device) => chromiumTab(await (device as ChromiumContext).newPage()),
  },
  {
    name: 'firefox',
    newDevice: () => newFirefoxDevice(suite.firefox),
    newTab: async (device) => firefoxTab(await newTrackedPage(device as Awaited<ReturnType<typeof newFirefoxDevice>>)),
  },
];

describe.each(engines)('no sideways scrolling on a phone in $name', (engine) => {
  it('the camera page and the web viewer fit 320–414 px in every state', async () => {
    const problems: string[] = [];
    const viewerDevice = await engine.newDevice();
    const viewer = await engine.newTab(viewerDevice);
    const phoneDevice = await engine.newDevice();
    const phone = await engine.newTab(phoneDevice);

    await viewer.setWidth(390);
    // The owner's viewer opens the owner link once, as the server printed it (the server is closed).
    await viewer.goto(ownerLinkFor(suite.server.url) ?? `${suite.server.url}/viewer/`);
    await viewer.waitFor('[data-testid=add-camera]');
    problems.push(...(await sideways(viewer, 'viewer-empty')));

    await phone.setWidth(390);
    await phone.goto(`${suite.server.url}/`);
    await phone.waitFor('[data-testid=start-camera]');
    problems.push(...(await sideways(phone, 'camera-idle')));
    await phone.click('details:has([data-testid=pair-code]) > summary');
    problems.push(...(await sideways(phone, 'camera-code-form')));

    // Pairing: the viewer's QR panel, the phone opening the link (before and after Start camera).
    await viewer.click('[data-testid=add-camera]');
    await viewer.waitFor('[data-testid=pair-qr]');
    const link = await waitFor(
      () => viewer.evaluate<string>(`document.querySelector('[data-testid=pair-link]')?.value ?? ''`),
      (text) => text.includes('#pair='),
      { what: 'the pairing link' },
    );
    problems.push(...(await sideways(viewer, 'viewer-pair-qr')));
    // As the phone's camera app opens it: a fresh page load (a link sent to the open page asks for a yes first).
    await phone.goto('about:blank');
    await phone.goto(link);
    await phone.waitFor('[data-testid=pair-status][data-state=waiting]');
    problems.push(...(await sideways(phone, 'camera-pair-waiting')));
    await phone.click('[data-testid=start-camera]');
    await phone.waitFor('[data-testid=pair-status][data-state=paired]');
    await phone.waitFor('[data-testid=server-state][data-state=open]');
    problems.push(...(await sideways(phone, 'camera-paired-ready')));
    await viewer.waitFor('[data-testid=pair-status][data-state=paired]');
    problems.push(...(await sideways(viewer, 'viewer-paired')));
    await viewer.click('[data-testid=pair-finish]');

    const cameraId = await phone.evaluate<string>(`document.querySelector('[data-testid=camera-id]')?.textContent?.trim() ?? ''`);
    expect(cameraId).toMatch(/^cam-[0-9a-f]{32}$/);
    const item = `[data-testid=camera-item][data-camera-id="${cameraId}"]`;
    await viewer.waitFor(`${item}[data-state=online]`);
    problems.push(...(await sideways(viewer, 'viewer-camera-online')));

    // Live: the viewer watches, the phone shows LIVE.
    await viewer.click(`${item} [data-testid=watch]`);
    await viewer.waitFor('[data-testid=live-state][data-state=live]');
    await phone.waitFor('[data-testid=live][data-viewers="1"]');
    problems.push(...(await sideways(viewer, 'viewer-watching')));
    problems.push(...(await sideways(phone, 'camera-live')));

    await viewer.click('[data-testid=settings]');
    await viewer.waitFor('[data-testid=settings-panel]');
    problems.push(...(await sideways(viewer, 'viewer-settings')));
    await viewer.click('[data-testid=settings-panel-close]');

    // A server outage while live: both pages say so without growing sideways.
    await suite.server.stop();
    await phone.waitFor('[data-testid=server-state][data-state=retrying]');
    problems.push(...(await sideways(phone, 'camera-server-down')));
    await viewer.waitFor('[data-testid=server-state][data-state=retrying]');
    problems.push(...(await sideways(viewer, 'viewer-server-down')));
    await suite.server.restart();
    await phone.waitFor('[data-testid=server-state][data-state=open]', 30_000);

    // The mini view, as a phone-sized page and as a small window.
    const mini = await engine.newTab(viewerDevice);
    await mini.setWidth(390);
    await mini.goto(`${suite.server.url}/viewer/index.html?view=mini&camera=${cameraId}`);
    await mini.waitFor('[data-testid=mini-view]');
    problems.push(...(await sideways(mini, 'viewer-mini')));

    await phone.click('[data-testid=stop-camera]');
    await phone.waitFor('[data-testid=start-camera]');
    problems.push(...(await sideways(phone, 'camera-stopped')));

    expect(problems).toEqual([]);
    // A dozen states, four widths each, a server restart: room for a loaded 2-core machine.
  }, 240_000);
});
