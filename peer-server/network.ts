/** The machine's LAN addresses and the URLs a phone can open, for the certificate's names and the start banner. */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isIP, isIPv6 } from 'node:net';

/** A non-loopback address of this machine. */
export interface LanAddress {
  address: string;
  family: 4 | 6;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * Every non-internal IPv4 and IPv6 address. IPv6 link-local (fe80::/10) addresses are left out: a browser cannot
 * open them without a zone ID, so they are no use in a URL or a certificate.
 */
export function lanAddresses(interfaces: Interfaces = networkInterfaces()): LanAddress[] {
  const seen = new Set<string>();
  const out: LanAddress[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      const family = info.family === 'IPv4' ? 4 : 6;
      const address = info.address.toLowerCase();
      if (family === 6 && /^fe[89ab]/.test(address)) continue;
      if (seen.has(address)) continue;
      seen.add(address);
      out.push({ address, family });
    }
  }
  return out;
}

/** A host as written in a URL (IPv6 literals in brackets). */
export function urlHost(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** The URL this process itself should use to reach a server bound to `bindHost` (a wildcard maps to loopback). */
export function loopbackUrl(scheme: 'http' | 'https', bindHost: string, port: number): string {
  const host = bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost === '::' ? '::1' : bindHost;
  return `${scheme}://${urlHost(host)}:${port}`;
}

/**
 * The URLs to open on a phone, one per LAN address the bind host covers, then localhost. `0.0.0.0` covers IPv4,
 * `::` covers both families; a specific host is the only URL.
 */
export function displayUrls(scheme: 'http' | 'https', bindHost: string, port: number, addresses: LanAddress[]): string[] {
  const families = bindHost === '0.0.0.0' ? [4] : bindHost === '::' ? [4, 6] : null;
  if (!families) return [`${scheme}://${urlHost(bindHost)}:${port}`];
  const lan = addresses.filter((a) => families.includes(a.family)).map((a) => `${scheme}://${urlHost(a.address)}:${port}`);
  return [...lan, `${scheme}://localhost:${port}`];
}

/** Loopback or link-local: no use to a phone (169.254/16 is the IPv4 link-local range; lanAddresses drops fe80::/10). */
export function unreachableFromPhone(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || /^fe[89ab]/.test(bare)) return true;
  return isIP(bare) === 4 && (bare.startsWith('127.') || bare.startsWith('169.254.'));
}
