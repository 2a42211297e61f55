import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../peer-server/index.ts';
import type { RunningServer, ServerOptions } from '../../peer-server/index.ts';
import { PawcamError } from '../../protocol/errors.ts';
import {
  VERIFY,
  certificateVerifier,
  displayFingerprint,
  normaliseFingerprint,
  pemFingerprint,
  setupServer,
  startEmbeddedServer,
  type StartServer,
  type VerifyRequest,
} from './embedded-server.ts';

/** The PEM certificate a TLS server on 127.0.0.1:port presents. */
function peerCertificatePem(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const der = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(der).toString());
    });
    socket.on('error', reject);
  });
}

function fakeRunning(options: ServerOptions, fingerprint: string | null = 'AA:'.repeat(31) + 'AA'): RunningServer {
  const refuse = async (): Promise<never> => {
    throw new Error('not in this fake');
  };
  return {
    url: `https://127.0.0.1:${options.port || 40000}`,
    port: options.port || 40000,
    certFingerprint: fingerprint,
    newOwnerSecret: null,
    owner: { mint: refuse, openCode: () => ({ expiresAt: 0 }), enroll: () => true, list: () => [], revoke: refuse, resetOwner: async () => 'f0'.repeat(16) },
    phoneUrls: () => [],
    close: async () => undefined,
  };
}

describe('fingerprints', () => {
  it('normalises every common spelling of a SHA-256 fingerprint', () => {
    const hex = 'ab'.repeat(32);
    expect(normaliseFingerprint('AB:'.repeat(31) + 'AB')).toBe(hex);
    expect(normaliseFingerprint(hex.toUpperCase())).toBe(hex);
    expect(normaliseFingerprint(`sha256/${Buffer.from(hex, 'hex').toString('base64')}`)).toBe(hex);
    expect(normaliseFingerprint('sha256/AAAA')).toBeNull();
    expect(normaliseFingerprint('AB:CD')).toBeNull();
    expect(normaliseFingerprint('zz'.repeat(32))).toBeNull();
    expect(pemFingerprint('not a certificate')).toBeNull();
  });

  it('shows a fingerprint as browsers do', () => {
    expect(displayFingerprint('ab'.repeat(31) + '0f')).toBe('AB:'.repeat(31) + '0F');
  });
});

describe('the embedded server and its pinned certificate (real peer-server)', () => {
  let dataDir: string;
  let running: RunningServer;
  let pem: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pawcam-embedded-'));
    // Tests stay on loopback; the app binds 0.0.0.0.
    running = await startEmbeddedServer({ startServer, dataDir, preferredPort: 0, host: '127.0.0.1' });
    pem = await peerCertificatePem(running.port);
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reports a fingerprint that matches the certificate it serves', () => {
    expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(normaliseFingerprint(running.certFingerprint!)).toBe(pemFingerprint(pem));
  });

  it('accepts that certificate when Chromium rejects it, and nothing else', async () => {
    const pins = [normaliseFingerprint(running.certFingerprint!)!];
    const verify = certificateVerifier(() => pins);
    const verdict = (request: VerifyRequest): number => {
      let result = Number.NaN;
      verify(request, (r) => (result = r));
      return result;
    };
    // Self-signed: Chromium says ERR_CERT_AUTHORITY_INVALID (-202).
    expect(verdict({ hostname: '127.0.0.1', certificate: { data: pem }, errorCode: -202 })).toBe(VERIFY.accept);
    // A different self-signed certificate (an attacker's) keeps Chromium's rejection.
    const other = (await generate([{ name: 'commonName', value: 'pawcam' }], { keySize: 2048 })).cert;
    expect(verdict({ hostname: '127.0.0.1', certificate: { data: other }, errorCode: -202 })).toBe(VERIFY.useChromium);
    expect(verdict({ hostname: 'x', certificate: { data: 'garbage' }, errorCode: -202 })).toBe(VERIFY.useChromium);
    // A certificate Chromium already trusts is left to Chromium.
    expect(verdict({ hostname: 'example.com', certificate: { data: other }, errorCode: 0 })).toBe(VERIFY.useChromium);
  });
});

describe('startEmbeddedServer', () => {
  it('uses 8443 on 0.0.0.0 with the data dir', async () => {
    const calls: ServerOptions[] = [];
    const start: StartServer = async (o) => (calls.push(o), fakeRunning(o));
    await startEmbeddedServer({ startServer: start, dataDir: '/d' });
    expect(calls).toEqual([{ host: '0.0.0.0', dataDir: '/d', port: 8443 }]);
  });

  it('falls back to a free port when 8443 is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    const calls: ServerOptions[] = [];
    const start: StartServer = async (o) => {
      calls.push(o);
      if (o.port === taken) throw new PawcamError('listen-failed', `cannot listen on 0.0.0.0:${taken}`, { cause: Object.assign(new Error('in use'), { code: 'EADDRINUSE' }) });
      return fakeRunning(o);
    };
    try {
      await startEmbeddedServer({ startServer: start, dataDir: '/d', preferredPort: taken });
    } finally {
      blocker.close();
    }
    expect(calls.map((c) => c.port)).toEqual([taken, 0]);
  });

  it('does not hide other start failures', async () => {
    const start: StartServer = async () => {
      throw new Error('bad certificate');
    };
    await expect(startEmbeddedServer({ startServer: start, dataDir: '/d' })).rejects.toThrow('bad certificate');
  });
});

describe('setupServer', () => {
  const session = () => {
    const procs: unknown[] = [];
    return { procs, session: { setCertificateVerifyProc: (p: unknown) => void procs.push(p) } };
  };

  it('starts the embedded server when no remote URL is configured, and pins its certificate', async () => {
    const { procs, session: s } = session();
    let started = 0;
    const endpoint = await setupServer({
      remoteUrl: null,
      remoteFingerprint: null,
      startServer: async (o) => (started++, fakeRunning(o)),
      dataDir: '/d',
      session: s,
    });
    expect(started).toBe(1);
    expect(endpoint).toMatchObject({ url: 'https://127.0.0.1:8443', embedded: true, port: 8443, bindHost: '0.0.0.0', fingerprint: 'aa'.repeat(32) });
    // The viewer owns its embedded server: a fresh owner credential, made in-process.
    expect(endpoint.owner).toBe('f0'.repeat(16));
    expect(procs).toHaveLength(1);
  });

  it('hands the viewer the remote server’s owner credential from Settings, when it is one', async () => {
    const { session: s } = session();
    const base = { remoteUrl: 'https://cams.example.net', remoteFingerprint: null, startServer: async () => fakeRunning({}), dataDir: '/d', session: s };
    expect((await setupServer({ ...base, remoteOwner: ` ${'AB'.repeat(16)} ` })).owner).toBe('ab'.repeat(16));
    expect((await setupServer({ ...base, remoteOwner: 'nope' })).owner).toBeNull();
    expect((await setupServer(base)).owner).toBeNull();
  });

  it('uses a remote server without starting anything, pinning only what the user pinned', async () => {
    const { session: s } = session();
    const endpoint = await setupServer({
      remoteUrl: 'https://cams.example.net',
      remoteFingerprint: 'not-a-fingerprint',
      startServer: async () => {
        throw new Error('must not start');
      },
      dataDir: '/d',
      session: s,
    });
    expect(endpoint).toMatchObject({ url: 'https://cams.example.net', embedded: false, fingerprint: null, bindHost: null });
  });

  it('keeps the app usable when the embedded server cannot start', async () => {
    const { session: s } = session();
    const endpoint = await setupServer({
      remoteUrl: null,
      remoteFingerprint: null,
      startServer: async () => {
        throw new Error('disk on fire');
      },
      dataDir: '/d',
      session: s,
    });
    expect(endpoint).toMatchObject({ url: 'https://127.0.0.1:8443', error: 'disk on fire', fingerprint: null });
  });
});
