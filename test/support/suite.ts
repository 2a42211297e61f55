/** The common frames of an e2e file: one test server and its browsers, started before its tests and closed after. */
import type { Browser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser.ts';
import { launchFirefox } from './firefox.ts';
import { startTestServer, type TestServer } from './server.ts';

/** What `serverAndChromium` gives a test file (set once its beforeAll ran). */
export interface ServerAndChromium {
  server: TestServer;
  browser: Browser;
}

/** Start a test server and Chromium before the file's tests and close both after them. */
export function serverAndChromium(): ServerAndChromium {
  const suite = {} as ServerAndChromium;
  beforeAll(async () => {
    suite.server = await startTestServer();
    suite.browser = await launchChromium();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.dispose();
  });
  return suite;
}

/** What `serverChromiumAndFirefox` gives a test file (set once its beforeAll ran). */
export interface ServerChromiumAndFirefox {
  server: TestServer;
  chromium: Browser;
  firefox: FirefoxBrowser;
}

/** Start a test server, Chromium and Firefox ESR before the file's tests and close all three after them. */
export function serverChromiumAndFirefox(): ServerChromiumAndFirefox {
  const suite = {} as ServerChromiumAndFirefox;
  beforeAll(async () => {
    suite.server = await startTestServer();
    // Both at once (startup is most of such a file's time); whichever started is closed in afterAll if the other failed.
    const [c, f] = await Promise.allSettled([launchChromium(), launchFirefox()]);
    if (c.status === 'fulfilled') suite.chromium = c.value;
    if (f.status === 'fulfilled') suite.firefox = f.value;
    if (c.status === 'rejected') throw c.reason;
    if (f.status === 'rejected') throw f.reason;
  });
  afterAll(async () => {
    await Promise.allSettled([suite.chromium?.close(), suite.firefox?.close()]);
    await suite.server?.dispose();
  });
  return suite;
}
