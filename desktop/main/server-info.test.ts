import { describe, expect, it } from 'vitest';
import type { LanAddress } from '../../peer-server/index.ts';
import { phoneUrls, serverInfo } from './server-info.ts';

const lan: LanAddress[] = [
  { address: '192.168.1.20', family: 4 },
  { address: 'fd00::20', family: 6 },
  { address: '169.254.3.4', family: 4 },
  { address: '10.0.0.7', family: 4 },
];
const hex = 'ab'.repeat(31) + '01';
const shown = 'AB:'.repeat(31) + '01';

describe('phone URLs', () => {
  it('lists one https URL per LAN address the bind covers, without loopback or link-local', () => {
    expect(phoneUrls('0.0.0.0', 8443, lan)).toEqual(['https://192.168.1.20:8443/', 'https://10.0.0.7:8443/']);
    expect(phoneUrls('::', 8443, lan)).toEqual(['https://192.168.1.20:8443/', 'https://[fd00::20]:8443/', 'https://10.0.0.7:8443/']);
    expect(phoneUrls('127.0.0.1', 8443, lan)).toEqual([]);
  });
});

describe('server info', () => {
  it('embedded: the LAN URLs and the certificate fingerprint as browsers show it', () => {
    const info = serverInfo({ url: 'https://127.0.0.1:8443', embedded: true, port: 8443, bindHost: '0.0.0.0', fingerprint: hex }, lan);
    expect(info).toEqual({ embedded: true, phoneUrls: ['https://192.168.1.20:8443/', 'https://10.0.0.7:8443/'], fingerprint: shown, loopbackOnly: false });
  });

  it('embedded but not running: nothing to open', () => {
    expect(serverInfo({ url: 'https://127.0.0.1:8443', embedded: true, port: null, bindHost: '0.0.0.0', fingerprint: null }, lan)).toEqual({ embedded: true, phoneUrls: [], fingerprint: null, loopbackOnly: true });
  });

  it('remote: the server URL and the pinned fingerprint', () => {
    expect(serverInfo({ url: 'https://cams.example.net', embedded: false, port: null, bindHost: null, fingerprint: hex }, lan)).toEqual({
      embedded: false,
      phoneUrls: ['https://cams.example.net/'],
      fingerprint: shown,
      loopbackOnly: false,
    });
    expect(serverInfo({ url: 'https://example.net/pawcam', embedded: false, port: null, bindHost: null, fingerprint: null }, [])).toEqual({
      embedded: false,
      phoneUrls: ['https://example.net/pawcam/'],
      fingerprint: null,
      loopbackOnly: false,
    });
  });

  it('warns when only loopback is known: an embedded server on a machine without a LAN, a remote URL on localhost', () => {
    expect(serverInfo({ url: 'https://127.0.0.1:8443', embedded: true, port: 8443, bindHost: '0.0.0.0', fingerprint: hex }, [])).toMatchObject({ phoneUrls: [], loopbackOnly: true });
    expect(serverInfo({ url: 'https://localhost:8443', embedded: false, port: null, bindHost: null, fingerprint: null }, lan)).toMatchObject({ loopbackOnly: true });
  });
});
