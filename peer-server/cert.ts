/**
 * The server's TLS certificate: the user's own (`--cert/--key`), or a self-signed one generated on first start for
 * every name a phone may use to reach this machine, kept in the data dir and reused while it still fits.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { PawcamError } from '../protocol/errors.ts';
import type { Logger } from '../protocol/log.ts';
import { lanAddresses } from './network.ts';

/** A certificate chain and key as PEM, with the leaf's SHA-256 fingerprint. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** Colon-separated uppercase hex, as browsers show it. */
  fingerprint: string;
  selfSigned: boolean;
}

/** The names a certificate must cover. */
export interface CertNames {
  dns: string[];
  ips: string[];
}

/** Days a generated certificate is valid (within the 398 days browsers accept for any server certificate). */
const VALIDITY_DAYS = 397;
/** A stored certificate closer than this to expiry is replaced on start. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** SHA-256 fingerprint of the first certificate in `pem`. */
export function certificateFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** localhost, loopback, this host's name (and its `.local` mDNS name) and every LAN address. */
export function currentNames(host: string = hostname(), addresses = lanAddresses()): CertNames {
  const dns = new Set(['localhost']);
  const name = host.toLowerCase();
  if (DNS_NAME.test(name)) {
    dns.add(name);
    if (!name.includes('.')) dns.add(`${name}.local`);
  }
  const ips = new Set(['127.0.0.1', '::1', ...addresses.map((a) => a.address)]);
  return { dns: [...dns], ips: [...ips] };
}

/** Read the user's certificate and key (PEM files) and check they belong together. */
export async function readCertificatePair(certPath: string, keyPath: string): Promise<TlsMaterial> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch (error) {
    throw new PawcamError('bad-certificate', `cannot read the TLS certificate or key: ${String(error)}`, { cause: error });
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('the key does not match the certificate');
  } catch (error) {
    throw new PawcamError('bad-certificate', `invalid TLS certificate/key (${certPath}, ${keyPath}): ${String(error)}`, { cause: error });
  }
  return { cert, key, fingerprint: x509.fingerprint256, selfSigned: false };
}

/** Options of `loadOrCreateSelfSigned`. */
export interface SelfSignedOptions {
  dataDir: string;
  log: Logger;
  /** Names to cover (default: `currentNames()`). */
  names?: CertNames;
  now?: () => Date;
}

/**
 * The self-signed certificate in `dataDir/tls/`, generated when missing, unreadable, expiring within 30 days or not
 * covering a current name (a new LAN address), so the fingerprint a user accepted stays stable across restarts.
 */
export async function loadOrCreateSelfSigned(options: SelfSignedOptions): Promise<TlsMaterial & { generated: boolean }> {
  const now = options.now?.() ?? new Date();
  const names = options.names ?? currentNames();
  const dir = join(options.dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  await mkdir(dir, { recursive: true, mode: 0o700 });

  const stored = await readStored(certPath, keyPath);
  const reason = stored ? unfitReason(stored.x509, stored.keyMatches, names, now) : 'none stored';
  if (stored && reason === null) {
    // Someone may have copied the files around; the key must stay private either way.
    await chmod(keyPath, 0o600);
    return { cert: stored.cert, key: stored.key, fingerprint: stored.x509.fingerprint256, selfSigned: true, generated: false };
  }

  const notAfter = new Date(now.getTime() + VALIDITY_DAYS * 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'pawcam' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  await writePrivate(keyPath, pems.private, 0o600);
  await writePrivate(certPath, pems.cert, 0o644);
  const fingerprint = certificateFingerprint(pems.cert);
  options.log.info('generated a self-signed certificate', { reason, path: certPath, fingerprint, names: [...names.dns, ...names.ips] });
  return { cert: pems.cert, key: pems.private, fingerprint, selfSigned: true, generated: true };
}

async function readStored(certPath: string, keyPath: string): Promise<{ cert: string; key: string; x509: X509Certificate; keyMatches: boolean } | null> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const x509 = new X509Certificate(cert);
    return { cert, key, x509, keyMatches: x509.checkPrivateKey(createPrivateKey(key)) };
  } catch {
    return null;
  }
}

function unfitReason(x509: X509Certificate, keyMatches: boolean, names: CertNames, now: Date): string | null {
  if (!keyMatches) return 'key does not match';
  if (Date.parse(x509.validFrom) > now.getTime()) return 'not yet valid';
  if (Date.parse(x509.validTo) - now.getTime() < RENEW_BEFORE_MS) return 'expires soon';
  const missing = [...names.dns.filter((d) => x509.checkHost(d) === undefined), ...names.ips.filter((ip) => x509.checkIP(ip) === undefined)];
  return missing.length > 0 ? `does not cover ${missing.join(', ')}` : null;
}

/** Write via a temporary file and rename, so a crash never leaves half a key behind. */
async function writePrivate(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}
