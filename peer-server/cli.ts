/** `npm run server`: run peer-server standalone, print where to point the phone, stop cleanly on SIGINT/SIGTERM. */
import { configureLogging, createLogger } from '../protocol/log.ts';
import { HELP, parseCli } from './cli-options.ts';
import { jsonLineSink } from './json-log.ts';
import { displayUrls, lanAddresses } from './network.ts';
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

function banner(options: ServerOptions, running: RunningServer): string {
  const scheme = options.http ? 'http' : 'https';
  const urls = displayUrls(scheme, options.host ?? '0.0.0.0', running.port, lanAddresses());
  const lines = ['', 'pawcam server is running.', 'Open the camera page on the phone:', ...urls.map((u) => `  ${u}/`)];
  lines.push('Watch in a browser at', ...urls.map((u) => `  ${u}/viewer/`));
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
