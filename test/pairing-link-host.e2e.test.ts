/**
 * The pairing link must point where a phone can go. A viewer opened at https://localhost:PORT/viewer/
 * used to put `https://localhost:PORT/#pair=…` in the QR code. Now the server tells it its LAN addresses (here a
 * LAN-like veth address inside the test's network namespace) and the link uses one; with only loopback known, the
 * panel says a phone cannot open the link.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraItem, expectPaired, invitationLink, openCamera } from './support/apps.ts';
import { launchChromium, newDeviceContext } from './support/browser.ts';
import { addLanAddress, LAN_ADDRESS } from './support/lan.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let browser: Browser;
let removeLan: () => void;
const servers: TestServer[] = [];

beforeAll(async () => {
  removeLan = addLanAddress();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.dispose()));
  removeLan?.();
});

describe('the pairing link a viewer on localhost shows', () => {
  it('points at the server’s LAN address, which a phone on that network opens and pairs with', async () => {
    const server = await startTestServer({ host: '0.0.0.0' });
    servers.push(server);
    const viewer = await (await newDeviceContext(browser)).newPage();
    // The veth added for this file comes up while Chromium starts; Chromium may abort the first navigation with
    // ERR_NETWORK_CHANGED when it notices. Try again, at most three times.
    for (let attempt = 1; ; attempt++) {
      try {
        await viewer.goto(`https://localhost:${server.port}/viewer/#owner=${server.ownerSecret}`);
        break;
      } catch (error) {
        // The abort shows as ERR_NETWORK_CHANGED, or as this navigation interrupted by another (Chromium's error page,
        // or its own reload of the same URL).
        if (attempt >= 3 || !/ERR_NETWORK_CHANGED|interrupted by another navigation/.test(String(error))) throw error;
      }
    }
    const link = await invitationLink(viewer);
    expect(new URL(link).host).toBe(`${LAN_ADDRESS}:${server.port}`);
    expect(link).toMatch(/#pair=[^&]+&e=[0-9a-f]{40}$/);
    expect(await viewer.getByTestId('phone-url-warning').count()).toBe(0);
    await saveScreenshot(viewer, import.meta.filename, 'viewer-lan-link');

    // The phone, on the LAN, opens exactly that link: it enrolls with the link's credential and pairs.
    const phone = await openCamera(await newDeviceContext(browser), link);
    expect(new URL(phone.page.url()).host).toBe(`${LAN_ADDRESS}:${server.port}`);
    await expectPaired(viewer, phone.page);
    await cameraItem(viewer, phone.cameraId).waitFor({ timeout: 5_000 });
  });

  it('warns when the server knows only loopback addresses', async () => {
    const server = await startTestServer();
    servers.push(server);
    const viewer = await (await newDeviceContext(browser)).newPage();
    await viewer.goto(`https://localhost:${server.port}/viewer/#owner=${server.ownerSecret}`);
    await viewer.getByTestId('add-camera').click();
    const warning = viewer.getByTestId('phone-url-warning');
    await warning.waitFor({ timeout: 10_000 });
    expect(await warning.textContent()).toMatch(/phone cannot open/);
    await saveScreenshot(viewer, import.meta.filename, 'viewer-loopback-warning');
  });
});
