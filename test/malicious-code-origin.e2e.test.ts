/**
 * Who serves the code: a page host that swaps a chunk serves a page that does not run (Subresource
 * Integrity, strict CSP); a `--rendezvous-only` server serves no pages, and a camera page served by another origin
 * the owner trusts pairs and streams signaling through it, learning its URL from the pairing link and keeping it
 * across a reload; on an origin with a trusted certificate the camera page starts from its service worker's cache
 * while its host is down, and on the default self-signed certificate the browser refuses the worker and the page
 * works as before.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraItem, expectPaired, invitationLink } from './support/apps.ts';
import { waitFor } from './support/browser.ts';
import { launchChromium, newDeviceContext } from './support/browser.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const dist = join(import.meta.dirname, '..', 'dist');
let browser: Browser;
const servers: TestServer[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.dispose()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('a page host that swaps the code', () => {
  it('serves a camera page whose swapped chunk the browser refuses to run', async () => {
    const webRoot = await mkdtemp(join(tmpdir(), 'pawcam-tampered-'));
    dirs.push(webRoot);
    await cp(dist, webRoot, { recursive: true });
    const assets = join(webRoot, 'camera-web', 'assets');
    const station = (await readdir(assets)).find((f) => /^station-.*\.js$/.test(f));
    if (!station) throw new Error('no station chunk in the build');
    // The "malicious server": same file name, code that would read the pairing secret.
    await writeFile(join(assets, station), `${await readFile(join(assets, station), 'utf8')}\n;window.__tampered = location.hash;`);
    const server = await startTestServer({ webRoot });
    servers.push(server);

    const page = await (await newDeviceContext(browser)).newPage();
    const integrityErrors: string[] = [];
    page.on('console', (m) => {
      if (/integrity/i.test(m.text())) integrityErrors.push(m.text());
    });
    const response = await page.goto(await server.enrollmentLink());
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    await page.getByTestId('start-camera').click();
    await page.getByTestId('error').waitFor({ timeout: 20_000 });
    expect(integrityErrors.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __tampered?: string }).__tampered)).toBeUndefined();
    await saveScreenshot(page, import.meta.filename, 'camera-tampered-chunk');
  });
});

describe('a rendezvous-only server', () => {
  it('serves no pages; a camera page from the owner’s page host pairs through it and keeps its URL across a reload', async () => {
    const [pagePort, rendezvousPort] = [await freePort(), await freePort()];
    const pagesOrigin = `https://127.0.0.1:${pagePort}`;
    const rendezvous = await startTestServer({ port: rendezvousPort, rendezvousOnly: true, allowedOrigins: [pagesOrigin] });
    servers.push(rendezvous);
    // The page host (the desktop app's embedded server on the LAN, or any static host): its pages may talk to the
    // rendezvous (CSP connect-src), nothing else.
    const pages = await startTestServer({ port: pagePort, connectUrls: [rendezvous.url] });
    servers.push(pages);

    const bare = await (await newDeviceContext(browser)).newPage();
    const none = await bare.goto(`${rendezvous.url}/`);
    expect(none?.status()).toBe(404);

    // The owner opens the viewer from the page host with the rendezvous's owner link (which names the rendezvous).
    const viewer = await (await newDeviceContext(browser)).newPage();
    await viewer.goto(`${pagesOrigin}/viewer/#owner=${rendezvous.ownerSecret}&r=${encodeURIComponent(`${rendezvous.url}/`)}`);
    const link = await invitationLink(viewer);
    expect(new URL(link).origin).toBe(pagesOrigin);
    expect(link).toContain(`&r=${encodeURIComponent(`${rendezvous.url}/`)}`);

    const phone = await newDeviceContext(browser);
    const camera = await phone.newPage();
    const sockets: string[] = [];
    camera.on('websocket', (ws) => sockets.push(new URL(ws.url()).origin));
    await camera.goto(link);
    await camera.getByTestId('start-camera').click();
    await camera.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 20_000 });
    await expectPaired(viewer, camera);
    const cameraId = ((await camera.getByTestId('camera-id').textContent()) ?? '').trim();
    await cameraItem(viewer, cameraId).waitFor({ timeout: 5_000 });
    expect(new Set(sockets)).toEqual(new Set([rendezvous.url.replace('https:', 'wss:')]));

    // Reloaded (no link in the address any more), the page still goes to the rendezvous.
    await camera.reload();
    await waitFor(
      async () => (await camera.getByTestId('start-camera').isVisible()) || (await camera.locator('[data-testid=server-state][data-state=open]').isVisible()),
      (ready) => ready,
      { what: 'the reloaded camera page' },
    );
    // A page starting by itself shows a disabled "Starting…" button: tap only an enabled one.
    const startable = camera.locator('[data-testid=start-camera]:not([disabled])');
    await startable.or(camera.getByTestId('stop-camera')).first().waitFor({ timeout: 30_000 });
    if (!(await camera.getByTestId('stop-camera').isVisible())) await startable.click();
    await camera.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 20_000 });
    expect(sockets.at(-1)).toBe(rendezvous.url.replace('https:', 'wss:'));
    await saveScreenshot(camera, import.meta.filename, 'camera-on-rendezvous-only');
  });
});

describe('the camera page’s offline cache', () => {
  async function spkiHash(server: TestServer): Promise<string> {
    const pem = await readFile(join(server.dataDir, 'tls', 'cert.pem'), 'utf8');
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(der).digest('base64');
  }

  async function controlled(page: Page): Promise<void> {
    await waitFor(() => page.evaluate(() => navigator.serviceWorker.controller !== null), (yes) => yes, { what: 'the service worker to control the page' });
  }

  it('starts the camera page from the cache while its host is down, on a certificate the browser trusts', async () => {
    const server = await startTestServer();
    servers.push(server);
    // As if the certificate were a real one: Chromium trusts this key (service workers need a trusted certificate).
    const trusting = await launchChromium({ args: [`--ignore-certificate-errors-spki-list=${await spkiHash(server)}`] });
    try {
      const context = await trusting.newContext();
      const page = await context.newPage();
      await page.goto(await server.enrollmentLink());
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      await page.reload();
      await controlled(page);
      await server.stop();
      await page.reload();
      await page.getByTestId('start-camera').waitFor({ timeout: 15_000 });
      await saveScreenshot(page, import.meta.filename, 'camera-from-cache-host-down');
      await server.restart();
    } finally {
      await trusting.close();
    }
  });

  it('is refused on the default self-signed certificate, and the page works as before', async () => {
    const server = await startTestServer();
    servers.push(server);
    const page = await (await newDeviceContext(browser)).newPage();
    const said = new Promise<string>((resolve) => page.on('console', (m) => /offline cache/.test(m.text()) && resolve(m.text())));
    await page.goto(await server.enrollmentLink());
    expect(await said).toMatch(/no offline cache/);
    await page.getByTestId('start-camera').click();
    await page.locator('[data-testid=server-state][data-state=open]').waitFor({ timeout: 20_000 });
  });
});
