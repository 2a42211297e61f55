import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Session, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { isPermissionGranted, setupPermissions } from './permissions.ts';

type RequestHandler = Parameters<Session['setPermissionRequestHandler']>[0];
type CheckHandler = Parameters<Session['setPermissionCheckHandler']>[0];
/** Every permission name Electron 45's request handler can be asked about (from electron.d.ts). */
type RequestPermission = Parameters<NonNullable<RequestHandler>>[1];
/** Every permission name its check handler can be asked about. */
type CheckPermission = Parameters<NonNullable<CheckHandler>>[1];

/**
 * Electron 45's permission names. `satisfies` rejects a name Electron does not have, and `complete` below fails to
 * typecheck when electron.d.ts gains one this list lacks; the last test checks the same against the file at run time.
 */
const ELECTRON_PERMISSIONS = [
  'ar', 'automatic-fullscreen', 'background-fetch', 'background-sync', 'captured-surface-control', 'clipboard-read',
  'clipboard-sanitized-write', 'deprecated-sync-clipboard-read', 'display-capture', 'fileSystem', 'fullscreen',
  'geolocation', 'geolocation-approximate', 'hand-tracking', 'hid', 'idle-detection', 'keyboardLock', 'local-fonts',
  'local-network', 'local-network-access', 'loopback-network', 'media', 'mediaKeySystem', 'midi', 'midiSysex', 'nfc',
  'notifications', 'openExternal', 'payment-handler', 'periodic-background-sync', 'persistent-storage', 'pointerLock',
  'screen-wake-lock', 'sensors', 'serial', 'smart-card', 'speaker-selection', 'storage-access', 'system-wake-lock',
  'top-level-storage-access', 'usb', 'vr', 'web-app-installation', 'web-printing', 'window-management', 'unknown',
] as const satisfies readonly (RequestPermission & CheckPermission)[];
type Listed = (typeof ELECTRON_PERMISSIONS)[number];
const complete: [Exclude<RequestPermission | CheckPermission, Listed>] extends [never] ? true : Exclude<RequestPermission | CheckPermission, Listed> = true;

/** What our viewer may use (the rest of Electron's list must be refused). */
const OURS = new Set<string>(['media', 'fullscreen', 'clipboard-sanitized-write', 'local-network-access', 'local-network', 'loopback-network']);
const LOCAL_NETWORK = ['local-network-access', 'local-network', 'loopback-network'] as const;

describe('permission policy', () => {
  it('grants media to our own origin in our own window', () => {
    expect(isPermissionGranted({ permission: 'media', requestingUrl: 'pawcam://app/index.html', fromOurWindow: true, mediaTypes: ['audio'] })).toBe(true);
    expect(isPermissionGranted({ permission: 'media', requestingUrl: 'pawcam://app', fromOurWindow: true, mediaTypes: ['audio', 'video'] })).toBe(true);
  });

  it.each([
    ['a foreign origin', { permission: 'media', requestingUrl: 'https://evil.example/', fromOurWindow: true }],
    ['our origin in a window that is not ours', { permission: 'media', requestingUrl: 'pawcam://app/index.html', fromOurWindow: false }],
    ['file://', { permission: 'media', requestingUrl: 'file:///index.html', fromOurWindow: true }],
    ['geolocation', { permission: 'geolocation', requestingUrl: 'pawcam://app/index.html', fromOurWindow: true }],
    ['notifications', { permission: 'notifications', requestingUrl: 'pawcam://app/index.html', fromOurWindow: true }],
    ['openExternal', { permission: 'openExternal', requestingUrl: 'pawcam://app/index.html', fromOurWindow: true }],
    ['display capture', { permission: 'display-capture', requestingUrl: 'pawcam://app/index.html', fromOurWindow: true }],
    ['a strange media type', { permission: 'media', requestingUrl: 'pawcam://app/', fromOurWindow: true, mediaTypes: ['screen'] }],
  ])('refuses %s', (_label, query) => {
    expect(isPermissionGranted(query)).toBe(false);
  });
});

describe('every permission Electron 45 can ask about', () => {
  it.each(ELECTRON_PERMISSIONS.map((p) => [p]))('%s: our viewer in our window gets it only if it is one we use', (permission) => {
    const query = { permission, requestingUrl: 'pawcam://app/index.html', fromOurWindow: true, mediaTypes: ['audio', 'video'] };
    expect(isPermissionGranted(query)).toBe(OURS.has(permission));
    expect(isPermissionGranted({ ...query, requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(isPermissionGranted({ ...query, requestingUrl: 'http://127.0.0.1:8443/' })).toBe(false);
    expect(isPermissionGranted({ ...query, fromOurWindow: false })).toBe(false);
  });

  it('refuses a name Electron does not list (a future permission is denied until we decide)', () => {
    expect(isPermissionGranted({ permission: 'local-network-everything', requestingUrl: 'pawcam://app/', fromOurWindow: true })).toBe(false);
    expect(isPermissionGranted({ permission: '', requestingUrl: 'pawcam://app/', fromOurWindow: true })).toBe(false);
  });

  it('the list is exactly electron.d.ts\'s, for both handlers', async () => {
    expect(complete).toBe(true);
    const dts = await readFile(createRequire(import.meta.url).resolve('electron/electron.d.ts'), 'utf8');
    for (const method of ['setPermissionRequestHandler', 'setPermissionCheckHandler']) {
      const signature = new RegExp(`${method}\\(handler: \\(\\(webContents: [^,]+, permission: ([^,]+),`).exec(dts);
      expect(signature, method).not.toBeNull();
      const names = [...signature![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]);
      expect(new Set(names), method).toEqual(new Set(ELECTRON_PERMISSIONS));
    }
  });
});

describe('Local Network Access (the viewer reaching https://127.0.0.1 and LAN servers)', () => {
  it.each(LOCAL_NETWORK.map((p) => [p]))('%s is granted to pawcam://app in our window, or asked by the network stack without a window', (permission) => {
    expect(isPermissionGranted({ permission, requestingUrl: 'pawcam://app', fromOurWindow: true })).toBe(true);
    expect(isPermissionGranted({ permission, requestingUrl: 'pawcam://app', fromOurWindow: false, noWebContents: true })).toBe(true);
  });

  it.each(LOCAL_NETWORK.map((p) => [p]))('%s is refused to any other origin, and to our origin in a window that is not ours', (permission) => {
    for (const origin of ['https://evil.example', 'http://192.168.1.20:8443', 'file://', 'pawcam://other', 'pawcam://user@app']) {
      expect(isPermissionGranted({ permission, requestingUrl: origin, fromOurWindow: true }), origin).toBe(false);
      expect(isPermissionGranted({ permission, requestingUrl: origin, fromOurWindow: false, noWebContents: true }), origin).toBe(false);
    }
    expect(isPermissionGranted({ permission, requestingUrl: 'pawcam://app', fromOurWindow: false })).toBe(false);
  });

  it('a check without a window grants nothing but the local network', () => {
    for (const permission of ELECTRON_PERMISSIONS.filter((p) => !(LOCAL_NETWORK as readonly string[]).includes(p))) {
      expect(isPermissionGranted({ permission, requestingUrl: 'pawcam://app', fromOurWindow: false, noWebContents: true, mediaTypes: ['audio'] }), permission).toBe(false);
    }
  });
});

describe('setupPermissions', () => {
  it('installs request, check and device handlers that apply the policy', () => {
    let request: RequestHandler = null;
    let check: CheckHandler = null;
    let device: ((d: unknown) => boolean) | null = null;
    const session = {
      setPermissionRequestHandler: (h: RequestHandler) => void (request = h),
      setPermissionCheckHandler: (h: CheckHandler) => void (check = h),
      setDevicePermissionHandler: (h: (d: unknown) => boolean) => void (device = h),
    } as unknown as Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>;
    setupPermissions({ session, isOurWebContents: (id) => id === 1 });
    const ours = { id: 1 } as WebContents;
    const theirs = { id: 2 } as WebContents;
    const answers: boolean[] = [];
    const details = (url: string) => ({ requestingUrl: url, isMainFrame: true, mediaTypes: ['audio' as const] }) as never;
    request!(ours, 'media', (g) => answers.push(g), details('pawcam://app/index.html'));
    request!(theirs, 'media', (g) => answers.push(g), details('pawcam://app/index.html'));
    request!(ours, 'media', (g) => answers.push(g), details('https://evil.example/'));
    expect(answers).toEqual([true, false, false]);
    expect(check!(ours, 'media', 'pawcam://app', { isMainFrame: true, mediaType: 'audio' })).toBe(true);
    expect(check!(null, 'media', 'pawcam://app', { isMainFrame: true })).toBe(false);
    expect(check!(ours, 'geolocation', 'pawcam://app', { isMainFrame: true })).toBe(false);
    for (const permission of LOCAL_NETWORK) {
      const lna: boolean[] = [];
      request!(ours, permission, (g) => lna.push(g), { requestingUrl: 'pawcam://app/index.html', isMainFrame: true });
      request!(theirs, permission, (g) => lna.push(g), { requestingUrl: 'pawcam://app/index.html', isMainFrame: true });
      request!(ours, permission, (g) => lna.push(g), { requestingUrl: 'https://evil.example/', isMainFrame: true });
      expect(lna, permission).toEqual([true, false, false]);
      expect(check!(ours, permission, 'pawcam://app', { isMainFrame: true }), permission).toBe(true);
      expect(check!(null, permission, 'pawcam://app', { isMainFrame: true }), permission).toBe(true);
      expect(check!(null, permission, 'https://evil.example', { isMainFrame: true }), permission).toBe(false);
      expect(check!(theirs, permission, 'pawcam://app', { isMainFrame: true }), permission).toBe(false);
    }
    expect(device!({})).toBe(false);
  });
});
