#!/usr/bin/env node
// Runs a command inside a fresh network namespace that has only loopback, so browsers under test gather ICE
// candidates on 127.0.0.1 alone and no test traffic can leave the machine. Needs root (or user namespaces);
// where neither is available it says so and runs the command as is.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: in-netns.mjs COMMAND [ARGS…]');
  process.exit(2);
}

const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;
const inner = `ip link set lo up && (sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 || true) && exec ${args.map(quote).join(' ')}`;

function run(cmd, cmdArgs, env) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env });
  if (r.error) return { started: false, status: 1 };
  return { started: true, status: r.status ?? 1, signal: r.signal };
}

if (process.env.PAWCAM_IN_NETNS === '1') {
  const r = run(args[0], args.slice(1), process.env);
  process.exit(r.status);
}

const env = { ...process.env, PAWCAM_IN_NETNS: '1', PATH: `${process.cwd()}/node_modules/.bin:${process.env.PATH}` };
// Plain unshare as root; with user namespaces (-r) for a non-root developer.
const probe = spawnSync('unshare', ['-n', 'true']);
const unshareArgs = probe.status === 0 ? ['-n'] : ['-r', '-n'];
const check = spawnSync('unshare', [...unshareArgs, 'true']);
if (check.status !== 0) {
  console.error('in-netns: cannot create a network namespace here (needs root or user namespaces); running without isolation');
  const r = run(args[0], args.slice(1), env);
  process.exit(r.status);
}
const r = run('unshare', [...unshareArgs, 'sh', '-c', inner], env);
process.exit(r.status);
