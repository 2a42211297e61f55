/** `npm run server`: run peer-server standalone, print where to point the phone, stop cleanly on SIGINT/SIGTERM. */
import { configureLogging, createLogger } from '../protocol/log.ts';
import { HELP, parseCli } from './cli-options.ts';
import { leaveRequest } from './enrollment.ts';
import { jsonLineSink } from './json-log.ts';
import { displayUrls, lanAddresses, unreachableFromPhone } from './network.ts';
import { defaultDataDir } from './paths.ts';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';

const log = createLogger('cli');

/** A stuck close (a socket that never finishes closing) must not keep a stopping server around. */
const SHUTDOWN_TIMEOUT_MS = 5000;

async function main(): Promise<void> {
  const command = parseCli(process.argv.slice(2), process.env);
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command.kind === 'error') {
    process.stderr.write(`pawcam server: ${command.message}\nRun with --help for the options.\n`);
    process.exit(2);
  }
  if (command.kind === 'enroll' || command.kind === 'owner') {
    process.stdout.write(await ownerCommand(command));
    return;
  }
  configureLogging({ sink: jsonLineSink(process.stdout), level: command.logLevel });

  let running: RunningServer;
  try {
    running = await startServer({ ...command.options, logger: createLogger('peer-server') });
  } catch (error) {
    log.error('could not start', { error: error instanceof Error ? error.message : String(error) });
    process.stderr.write(`pawcam server could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  process.stdout.write(banner(command.options, running));
  handleSignals(running);
}

/** Where links for a phone point: the public URL, else the first LAN address, else localhost. */
function linkBase(options: ServerOptions, port: number): string {
  if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
  const urls = displayUrls(options.http ? 'http' : 'https', options.host ?? '0.0.0.0', port, lanAddresses());
  return urls.find((u) => !unreachableFromPhone(new URL(u).hostname)) ?? urls.at(-1)!;
}

/** `enroll` / `owner`: leave the request for the server (running or not) and print what to open. */
async function ownerCommand(command: { kind: 'enroll' | 'owner'; options: ServerOptions; ttlMs?: number; note?: string; revoke?: string | null }): Promise<string> {
  const dataDir = command.options.dataDir ?? defaultDataDir();
  const base = linkBase(command.options, command.options.port ?? 8443);
  if (command.kind === 'owner') {
    const secret = await leaveRequest(dataDir, { op: 'owner' });
    return `New owner credential (the old owner link no longer works once the server takes this in):\n  ${base}/viewer/#owner=${secret}\nKeep it private: it lets whoever holds it enroll devices.\n`;
  }
  if (command.revoke) {
    await leaveRequest(dataDir, { op: 'revoke', id: command.revoke });
    return `Enrollment ${command.revoke} is revoked (the server takes this in at once when it is next asked, or at start).\n`;
  }
  const credential = await leaveRequest(dataDir, { op: 'mint', ttlMs: command.ttlMs ?? 0, note: command.note ?? '', now: Date.now() });
  const hours = Math.round((command.ttlMs ?? 0) / 3600_000);
  return [
    `Enrollment credential ${credential!.slice(0, 8)} (single use, valid ${hours} h; revoke with --revoke ${credential!.slice(0, 8)}):`,
    `  ${credential}`,
    'Open this on the phone to enroll its camera page:',
    `  ${base}/#enroll=${credential}`,
    '',
  ].join('\n');
}

function banner(options: ServerOptions, running: RunningServer): string {
  const scheme = options.http ? 'http' : 'https';
  const urls = displayUrls(scheme, options.host ?? '0.0.0.0', running.port, lanAddresses());
  const lines = ['', `pawcam server is running${options.open ? ' in OPEN MODE (anyone may register)' : ''}.`];
  if (options.rendezvousOnly) {
    lines.push('Rendezvous only: no pages are served here. Signaling, ICE and enrollment at', ...urls.map((u) => `  ${u}/`));
  } else {
    lines.push('Open the camera page on the phone:', ...urls.map((u) => `  ${u}/`));
    lines.push('Watch in a browser at', ...urls.map((u) => `  ${u}/viewer/`));
  }
  if (running.newOwnerSecret) {
    const base = linkBase(options, running.port);
    lines.push(
      '',
      'OWNER LINK — shown only this once; open it in the web viewer to own this server (enroll devices, pair):',
      options.rendezvousOnly ? `  owner credential: ${running.newOwnerSecret} (in your viewer: <viewer URL>#owner=${running.newOwnerSecret})` : `  ${base}/viewer/#owner=${running.newOwnerSecret}`,
      'Lost it? `npm run server -- owner` makes a new one.',
    );
  }
  if (running.certFingerprint) {
    lines.push(`Certificate SHA-256 fingerprint: ${running.certFingerprint}`);
    if (!options.cert) {
      lines.push('The first visit shows a one-time warning about this self-signed certificate: check the fingerprint, then continue.');
    }
  } else {
    lines.push('Plain HTTP: serve this through an HTTPS proxy; phones allow the camera only on https pages.');
  }
  return `${lines.join('\n')}\n\n`;
}

function handleSignals(running: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn('second signal; exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down', { signal });
    setTimeout(() => {
      log.error('shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    // Exit explicitly: PeerServer's internal timers would keep the process alive after close().
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
