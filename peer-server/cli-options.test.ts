import { describe, expect, it } from 'vitest';
import { parseCli } from './cli-options.ts';

describe('parseCli', () => {
  it('defaults to HTTPS on 8443', () => {
    expect(parseCli([], {})).toEqual({ kind: 'run', options: { port: 8443, http: false }, logLevel: 'info' });
  });

  it('reads flags', () => {
    const got = parseCli(['--port', '0', '--host', '127.0.0.1', '--data-dir', '/d', '--cert', 'c.pem', '--key', 'k.pem', '--log-level', 'debug'], {});
    expect(got).toEqual({ kind: 'run', options: { port: 0, http: false, host: '127.0.0.1', dataDir: '/d', cert: 'c.pem', key: 'k.pem' }, logLevel: 'debug' });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { PAWCAM_PORT: '9000', PAWCAM_HOST: '::', PAWCAM_HTTP: '1', PAWCAM_DATA_DIR: '/env', PAWCAM_LOG_LEVEL: 'warn' };
    expect(parseCli([], env)).toEqual({ kind: 'run', options: { port: 9000, http: true, host: '::', dataDir: '/env' }, logLevel: 'warn' });
    expect(parseCli(['--port', '7000', '--data-dir', '/flag'], env)).toMatchObject({ options: { port: 7000, dataDir: '/flag' } });
    expect(parseCli([], { PAWCAM_CERT: 'c', PAWCAM_KEY: 'k' })).toMatchObject({ options: { cert: 'c', key: 'k' } });
  });

  it('reads origins, proxy trust and ICE servers from flags (repeatable or comma-separated) and the environment', () => {
    const argv = ['--allow-origin', 'https://a.example,https://b.example', '--trust-proxy', '--stun', 'stun:s1.example', '--stun', 'stun:s2.example:3478'];
    argv.push('--turn', 'turn:t.example:3478?transport=udp,turns:t.example:5349', '--turn-secret', 'sekrit', '--turn-ttl', '900');
    expect(parseCli(argv, {})).toMatchObject({
      kind: 'run',
      options: {
        allowedOrigins: ['https://a.example', 'https://b.example'],
        trustProxy: true,
        stunUrls: ['stun:s1.example', 'stun:s2.example:3478'],
        turnUrls: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349'],
        turnSecret: 'sekrit',
        turnTtlSeconds: 900,
      },
    });
    const env = { PAWCAM_STUN: 'stun:env.example', PAWCAM_TURN: 'turn:env.example', PAWCAM_TURN_SECRET: 'from-env', PAWCAM_TRUST_PROXY: 'yes', PAWCAM_ALLOW_ORIGIN: 'https://c.example' };
    expect(parseCli([], env)).toMatchObject({ options: { stunUrls: ['stun:env.example'], turnUrls: ['turn:env.example'], turnSecret: 'from-env', trustProxy: true, allowedOrigins: ['https://c.example'] } });
    expect(parseCli(['--stun', 'stun:flag.example'], env)).toMatchObject({ options: { stunUrls: ['stun:flag.example'] } });
    const plain = parseCli([], {});
    expect(plain).toMatchObject({ kind: 'run' });
    if (plain.kind === 'run') for (const key of ['stunUrls', 'turnUrls', 'turnSecret', 'turnTtlSeconds', 'trustProxy', 'allowedOrigins']) expect(plain.options).not.toHaveProperty(key);
  });

  it('reads the TURN secret from a file, trimmed', () => {
    const read = (path: string) => (path === '/etc/pawcam/turn-secret' ? 'file-secret\n' : '');
    expect(parseCli(['--turn', 'turn:t.example', '--turn-secret-file', '/etc/pawcam/turn-secret'], {}, read)).toMatchObject({ options: { turnSecret: 'file-secret' } });
    expect(parseCli(['--turn', 'turn:t.example'], { PAWCAM_TURN_SECRET_FILE: '/etc/pawcam/turn-secret' }, read)).toMatchObject({ options: { turnSecret: 'file-secret' } });
    const missing = () => {
      throw new Error('ENOENT');
    };
    expect(parseCli(['--turn', 'turn:t.example', '--turn-secret-file', '/nope'], {}, missing)).toMatchObject({ kind: 'error', message: expect.stringContaining('/nope') });
    expect(parseCli(['--turn', 'turn:t.example', '--turn-secret-file', '/empty'], {}, () => '  \n')).toMatchObject({ kind: 'error', message: expect.stringContaining('empty') });
  });

  it('asks for help', () => {
    expect(parseCli(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCli(['-h'], {})).toEqual({ kind: 'help' });
  });

  it.each([
    [['--port', 'abc']],
    [['--port', '70000']],
    [['--port', '-1']],
    [['--nope']],
    [['extra']],
    [['--cert', 'c.pem']],
    [['--http', '--cert', 'c', '--key', 'k']],
    [['--log-level', 'loud']],
    [['--turn', 'turn:t.example']],
    [['--turn-secret', 's']],
    [['--turn', 'turn:t.example', '--turn-secret', 's', '--turn-secret-file', 'f']],
    [['--turn', 'http://t.example', '--turn-secret', 's']],
    [['--stun', 'turn:t.example']],
    [['--turn-ttl', '10']],
    [['--turn-ttl', 'soon']],
    [['--allow-origin', 'not an origin']],
    [['--trust-proxy=yes']],
  ])('refuses %j', (argv) => {
    expect(parseCli(argv, {})).toMatchObject({ kind: 'error' });
  });

  it('reads the enrollment-era flags and the enroll/owner subcommands', () => {
    expect(parseCli(['--open', '--rendezvous-only', '--public-url', 'https://cam.example.org', '--rendezvous', 'https://rv.example.org:8443'], {})).toMatchObject({
      kind: 'run',
      options: { open: true, rendezvousOnly: true, publicUrl: 'https://cam.example.org/', connectUrls: ['https://rv.example.org:8443/'] },
    });
    expect(parseCli([], { PAWCAM_OPEN: '1' })).toMatchObject({ options: { open: true } });
    expect(parseCli(['--public-url', 'ftp://x.example'], {})).toMatchObject({ kind: 'error', message: expect.stringMatching(/public-url/) });
    expect(parseCli(['enroll', '--data-dir', '/d', '--ttl', '2'], {})).toMatchObject({ kind: 'enroll', options: { dataDir: '/d' }, ttlMs: 7_200_000, revoke: null });
    expect(parseCli(['enroll', '--revoke', '0123abcd'], {})).toMatchObject({ kind: 'enroll', revoke: '0123abcd' });
    expect(parseCli(['enroll', '--revoke', 'nope'], {})).toMatchObject({ kind: 'error' });
    expect(parseCli(['enroll', '--ttl', '0'], {})).toMatchObject({ kind: 'error' });
    expect(parseCli(['owner'], {})).toMatchObject({ kind: 'owner' });
  });
});
