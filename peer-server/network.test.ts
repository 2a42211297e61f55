import { describe, expect, it } from 'vitest';
import { displayUrls, lanAddresses, loopbackUrl, urlHost } from './network.ts';

const v4 = (address: string, internal = false) => ({ address, family: 'IPv4' as const, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null });
const v6 = (address: string, internal = false) => ({ ...v4(address, internal), family: 'IPv6' as const, scopeid: 0 });

describe('lanAddresses', () => {
  it('keeps non-internal IPv4 and IPv6 addresses, without link-local IPv6 or duplicates', () => {
    const got = lanAddresses({
      lo: [v4('127.0.0.1', true), v6('::1', true)],
      eth0: [v4('192.168.1.20'), v6('FD00::20'), v6('fe80::1')],
      wlan0: [v4('192.168.1.20'), v4('10.0.0.7')],
    });
    expect(got).toEqual([
      { address: '192.168.1.20', family: 4 },
      { address: 'fd00::20', family: 6 },
      { address: '10.0.0.7', family: 4 },
    ]);
  });
});

describe('URLs', () => {
  const lan = [
    { address: '192.168.1.20', family: 4 as const },
    { address: 'fd00::20', family: 6 as const },
  ];

  it('lists one URL per LAN address the bind host covers, then localhost', () => {
    expect(displayUrls('https', '0.0.0.0', 8443, lan)).toEqual(['https://192.168.1.20:8443', 'https://localhost:8443']);
    expect(displayUrls('https', '::', 8443, lan)).toEqual(['https://192.168.1.20:8443', 'https://[fd00::20]:8443', 'https://localhost:8443']);
    expect(displayUrls('http', '192.168.1.20', 80, lan)).toEqual(['http://192.168.1.20:80']);
  });

  it('maps wildcard binds to loopback and brackets IPv6', () => {
    expect(loopbackUrl('https', '0.0.0.0', 1)).toBe('https://127.0.0.1:1');
    expect(loopbackUrl('https', '::', 1)).toBe('https://[::1]:1');
    expect(loopbackUrl('http', 'example.org', 2)).toBe('http://example.org:2');
    expect(urlHost('fd00::1')).toBe('[fd00::1]');
    expect(urlHost('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('public API', () => {
  it('exports the LAN helpers the desktop app lists phone URLs with', async () => {
    const api = await import('./index.ts');
    expect(api.lanAddresses).toBe(lanAddresses);
    expect(api.displayUrls).toBe(displayUrls);
  });
});
