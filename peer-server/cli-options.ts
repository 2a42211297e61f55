/** The CLI's flags and environment variables, parsed into ServerOptions (flags win over the environment). */
import { parseArgs } from 'node:util';
import type { LogLevel } from '../protocol/log.ts';
import { DEFAULT_PORT, type ServerOptions } from './server.ts';

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'run'; options: ServerOptions; logLevel: LogLevel }
  | { kind: 'error'; message: string };

/** `--help` text. */
export const HELP = `Usage: npm run server -- [options]

Runs the pawcam server: the camera page (/), the web viewer (/viewer/) and the signaling relay (/peerjs).

Options (environment variable in brackets):
  --port <n>         TCP port, 0 for any free one (PAWCAM_PORT, default ${DEFAULT_PORT})
  --host <addr>      address to listen on (PAWCAM_HOST, default 0.0.0.0 = every IPv4 interface; :: for IPv6 too)
  --http             plain HTTP, for running behind a TLS-terminating proxy (PAWCAM_HTTP=1)
  --cert <file>      PEM certificate (chain) to serve (PAWCAM_CERT); with --key
  --key <file>       PEM private key (PAWCAM_KEY); with --cert
  --data-dir <dir>   where the self-signed certificate is kept (PAWCAM_DATA_DIR, default ~/.pawcam-server)
  --log-level <l>    debug, info, warn or error (PAWCAM_LOG_LEVEL, default info)
  -h, --help         show this help

Without --cert/--key the server makes a self-signed certificate for this machine's names and addresses on first
start and reuses it; browsers warn about it once.
`;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Parse `argv` (without node and the script) and `env`. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        http: { type: 'boolean' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'data-dir': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };

  const portText = values.port ?? nonEmpty(env['PAWCAM_PORT']) ?? String(DEFAULT_PORT);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return { kind: 'error', message: `invalid port: ${portText}` };

  const logLevel = values['log-level'] ?? nonEmpty(env['PAWCAM_LOG_LEVEL']) ?? 'info';
  if (!isLogLevel(logLevel)) return { kind: 'error', message: `invalid log level: ${logLevel} (use ${LOG_LEVELS.join(', ')})` };

  const http = values.http ?? /^(1|true|yes|on)$/i.test(env['PAWCAM_HTTP'] ?? '');
  const cert = values.cert ?? nonEmpty(env['PAWCAM_CERT']);
  const key = values.key ?? nonEmpty(env['PAWCAM_KEY']);
  if (http && (cert || key)) return { kind: 'error', message: '--http serves plain HTTP; drop --cert/--key (or --http)' };
  if (Boolean(cert) !== Boolean(key)) return { kind: 'error', message: 'give both --cert and --key, or neither' };

  const options: ServerOptions = { port: Number(portText), http };
  const host = values.host ?? nonEmpty(env['PAWCAM_HOST']);
  if (host) options.host = host;
  if (cert && key) Object.assign(options, { cert, key });
  const dataDir = values['data-dir'] ?? nonEmpty(env['PAWCAM_DATA_DIR']);
  if (dataDir) options.dataDir = dataDir;
  return { kind: 'run', options, logLevel };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
