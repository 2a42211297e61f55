import type { Session, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { isPermissionGranted, setupPermissions } from './permissions.ts';

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

describe('setupPermissions', () => {
  it('installs request, check and device handlers that apply the policy', () => {
    type RequestHandler = Parameters<Session['setPermissionRequestHandler']>[0];
    type CheckHandler = Parameters<Session['setPermissionCheckHandler']>[0];
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
    expect(device!({})).toBe(false);
  });
});
