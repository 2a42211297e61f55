import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
// tsx directly rather than `npx tsx`: npm exec dies on SIGTERM without passing it on, orphaning the server.
const tsx = join(root, 'node_modules', '.bin', 'tsx');

type Child = ChildProcessByStdio<null, Readable, Readable>;
const children: Child[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function runCli(args: string[]): { child: Child; output: () => string; exited: Promise<number | null> } {
  const child = spawn(tsx, ['peer-server/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Resolve once stdout contains `pattern`; reject on exit or after `timeoutMs`. */
function waitForOutput(child: Child, output: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = output().match(pattern);
      if (match) done(() => resolve(match));
    };
    const onExit = (): void => done(() => reject(new Error(`exited before ${pattern}: ${output()}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${output()}`))), timeoutMs);
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.off('exit', onExit);
      fn();
    };
    child.stdout.on('data', check);
    child.on('exit', onExit);
    check();
  });
}

function healthz(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(`${url}/healthz`, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.setTimeout(5000, () => request.destroy(new Error('healthz timed out')));
    request.on('error', reject);
  });
}

describe('cli', () => {
  it('prints the URL and certificate fingerprint, serves, and exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pawcam-cli-'));
    dirs.push(dataDir);
    const { child, output, exited } = runCli(['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir]);
    const [, fingerprint] = await waitForOutput(child, output, /fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/);
    const [url] = output().match(/https:\/\/127\.0\.0\.1:\d+/) ?? [];
    expect(url).toBeDefined();
    expect(url).not.toMatch(/:0$/);
    expect(output()).toContain('one-time warning');

    const ca = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
    const res = await healthz(url!, ca);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true });
    expect(output()).toContain(`"fingerprint":"${fingerprint}"`);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = output().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ time: expect.any(String), level: expect.any(String), name: expect.any(String) });
    expect(output()).toContain('"msg":"shutting down"');
  });

  it('prints the owner link once; `enroll` mints a credential the running server accepts, once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pawcam-cli-'));
    dirs.push(dataDir);
    const { child, output, exited } = runCli(['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir]);
    const [, secret] = await waitForOutput(child, output, /\/viewer\/#owner=([0-9a-f]{32})/);
    await waitForOutput(child, output, /"msg":"listening"/);
    expect(JSON.stringify(JSON.parse(await readFile(join(dataDir, 'enrollment.json'), 'utf8')))).not.toContain(secret);
    const [url] = output().match(/https:\/\/127\.0\.0\.1:\d+/) ?? [];
    const ca = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');

    const enroll = runCli(['enroll', '--data-dir', dataDir, '--ttl', '2', '--note', 'test phone']);
    expect(await enroll.exited).toBe(0);
    const [, credential] = enroll.output().match(/#enroll=([0-9a-f]{40})/) ?? [];
    expect(credential).toBeDefined();
    const post = (body: unknown) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(`${url}/enroll`, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    expect(await post({ id: 'cam-cli', token: 'ab'.repeat(16), enrollment: credential })).toBe(200);
    expect(await post({ id: 'cam-cli2', token: 'cd'.repeat(16), enrollment: credential })).toBe(403);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // A restart does not print it again.
    const again = runCli(['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir]);
    await waitForOutput(again.child, again.output, /fingerprint:/);
    expect(again.output()).not.toContain('#owner=');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('prints help and exits 0', async () => {
    const { output, exited } = runCli(['--help']);
    expect(await exited).toBe(0);
    for (const flag of ['--data-dir', '--open', '--rendezvous-only', '--public-url', 'enroll', 'PAWCAM_PORT', '--allow-origin', '--trust-proxy', '--stun', '--turn ', '--turn-secret ', '--turn-secret-file', '--turn-ttl', 'PAWCAM_TURN_SECRET']) {
      expect(output()).toContain(flag);
    }
  });

  it('exits 2 on a bad flag', async () => {
    const { output, exited } = runCli(['--port', 'nope']);
    expect(await exited).toBe(2);
    expect(output()).toContain('invalid port');
  });

  it('exits 2 when TURN is configured without its secret', async () => {
    const { output, exited } = runCli(['--turn', 'turn:turn.example.org:3478']);
    expect(await exited).toBe(2);
    expect(output()).toContain('--turn-secret');
  });
});
