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
  ])('refuses %j', (argv) => {
    expect(parseCli(argv, {})).toMatchObject({ kind: 'error' });
  });
});
