/**
 * Screenshots of what the tests saw, so a person can look at each page in each state after a run: saved under
 * test-results/screenshots/ (ignored by git), one PNG per page and state, named `<test file>--<state>.png`.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

/** Where the e2e run leaves its screenshots. */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** What both drivers' pages offer (playwright's Page and puppeteer's Page both fit). */
export interface Screenshottable {
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
}

/**
 * Save a full-page screenshot of `page` as `<file>--<state>.png`; `file` is the test's `import.meta.filename` (or any
 * short label). A screenshot that cannot be taken (a closing page) is reported, never fatal: it is a record, not a check.
 */
export async function saveScreenshot(page: Screenshottable, file: string, state: string): Promise<string | null> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const label = basename(file).replace(/\.e2e\.test\.ts$/, '').replace(/\.[a-z]+$/, '');
  const name = `${label}--${state}`.replace(/[^A-Za-z0-9._-]+/g, '-');
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  try {
    await page.screenshot({ path, fullPage: true });
    return path;
  } catch (error) {
    console.warn(`could not save screenshot ${name}: ${String(error)}`);
    return null;
  }
}
