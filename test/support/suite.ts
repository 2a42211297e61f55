/** The common frame of an e2e file: one test server and one Chromium, started before its tests and closed after. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser.ts';
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
