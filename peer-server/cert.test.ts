import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../protocol/log.ts';
import { currentNames, loadOrCreateSelfSigned, readCertificatePair, type CertNames } from './cert.ts';

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const names: CertNames = { dns: ['localhost', 'pawcam-box', 'pawcam-box.local'], ips: ['127.0.0.1', '::1', '192.168.1.20', 'fd00::20'] };
const DAY = 24 * 60 * 60 * 1000;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pawcam-cert-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('loadOrCreateSelfSigned', () => {
  it('generates a certificate for every name, stores it with a private key file, and reports its fingerprint', async () => {
    const dataDir = await tempDir();
    const tls = await loadOrCreateSelfSigned({ dataDir, log: quiet, names });
    expect(tls.generated).toBe(true);
    expect(tls.selfSigned).toBe(true);
    const x509 = new X509Certificate(await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8'));
    expect(tls.fingerprint).toBe(x509.fingerprint256);
    expect(tls.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    for (const dns of names.dns) expect(x509.checkHost(dns)).toBe(dns);
    for (const ip of names.ips) expect(x509.checkIP(ip)).toBeDefined();
    expect(x509.checkIP('10.9.9.9')).toBeUndefined();
    expect((await stat(join(dataDir, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);
    expect(Date.parse(x509.validTo) - Date.now()).toBeGreaterThan(390 * DAY);
  });

  it('reuses the stored certificate while it fits', async () => {
    const dataDir = await tempDir();
    const first = await loadOrCreateSelfSigned({ dataDir, log: quiet, names });
    const second = await loadOrCreateSelfSigned({ dataDir, log: quiet, names: { dns: ['localhost'], ips: ['192.168.1.20'] } });
    expect(second.generated).toBe(false);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.key).toBe(first.key);
  });

  it('regenerates when a current address is not covered', async () => {
    const dataDir = await tempDir();
    const first = await loadOrCreateSelfSigned({ dataDir, log: quiet, names });
    const moved = await loadOrCreateSelfSigned({ dataDir, log: quiet, names: { ...names, ips: [...names.ips, '10.0.0.7'] } });
    expect(moved.generated).toBe(true);
    expect(moved.fingerprint).not.toBe(first.fingerprint);
    expect(new X509Certificate(moved.cert).checkIP('10.0.0.7')).toBe('10.0.0.7');
  });

  it('regenerates when the certificate expires within 30 days', async () => {
    const dataDir = await tempDir();
    const first = await loadOrCreateSelfSigned({ dataDir, log: quiet, names });
    const later = () => new Date(Date.now() + 370 * DAY);
    const renewed = await loadOrCreateSelfSigned({ dataDir, log: quiet, names, now: later });
    expect(renewed.generated).toBe(true);
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
  });

  it('replaces unreadable or mismatched files', async () => {
    const dataDir = await tempDir();
    await mkdir(join(dataDir, 'tls'), { recursive: true });
    await writeFile(join(dataDir, 'tls', 'cert.pem'), 'garbage');
    await writeFile(join(dataDir, 'tls', 'key.pem'), 'garbage');
    expect((await loadOrCreateSelfSigned({ dataDir, log: quiet, names })).generated).toBe(true);

    const other = await loadOrCreateSelfSigned({ dataDir: await tempDir(), log: quiet, names });
    await writeFile(join(dataDir, 'tls', 'key.pem'), other.key);
    expect((await loadOrCreateSelfSigned({ dataDir, log: quiet, names })).generated).toBe(true);
  });
});

describe('readCertificatePair', () => {
  it('reads a matching pair and refuses a key from another certificate', async () => {
    const dir = await tempDir();
    const a = await loadOrCreateSelfSigned({ dataDir: join(dir, 'a'), log: quiet, names });
    const b = await loadOrCreateSelfSigned({ dataDir: join(dir, 'b'), log: quiet, names });
    const pair = await readCertificatePair(join(dir, 'a', 'tls', 'cert.pem'), join(dir, 'a', 'tls', 'key.pem'));
    expect(pair).toMatchObject({ fingerprint: a.fingerprint, selfSigned: false });
    await expect(readCertificatePair(join(dir, 'a', 'tls', 'cert.pem'), join(dir, 'b', 'tls', 'key.pem'))).rejects.toMatchObject({ code: 'bad-certificate', message: expect.stringMatching(/does not match/) });
    await expect(readCertificatePair(join(dir, 'missing.pem'), join(dir, 'b', 'tls', 'key.pem'))).rejects.toMatchObject({ code: 'bad-certificate', message: expect.stringMatching(/cannot read/) });
    expect(b.fingerprint).not.toBe(a.fingerprint);
  });
});

describe('currentNames', () => {
  it('covers localhost, loopback, the host name with its .local name, and the LAN addresses', () => {
    const got = currentNames('PawBox', [
      { address: '192.168.1.20', family: 4 },
      { address: 'fd00::20', family: 6 },
    ]);
    expect(got.dns).toEqual(['localhost', 'pawbox', 'pawbox.local']);
    expect(got.ips).toEqual(['127.0.0.1', '::1', '192.168.1.20', 'fd00::20']);
  });

  it('leaves out a host name that is not a DNS name', () => {
    expect(currentNames('my box_1', []).dns).toEqual(['localhost']);
  });
});
