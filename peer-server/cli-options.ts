/** The CLI's flags and environment variables, parsed into ServerOptions (flags win over the environment). */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LogLevel } from '../protocol/log.ts';
import { parseAllowedOrigins } from './origin.ts';
import { DEFAULT_PORT, pageUrl, type ServerOptions } from './server.ts';
import { checkIceConfig, DEFAULT_TURN_TTL_SECONDS } from './turn.ts';

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'run'; options: ServerOptions; logLevel: LogLevel }
  /** `enroll`: mint an enrollment credential (or revoke one) for the server using this data dir. */
  | { kind: 'enroll'; options: ServerOptions; ttlMs: number; note: string; revoke: string | null }
  /** `owner`: make a new owner credential (the old owner link stops working). */
  | { kind: 'owner'; options: ServerOptions }
  | { kind: 'error'; message: string };

/** `--help` text. */
export const HELP = `Usage: npm run server -- [options]
       npm run server -- enroll [--ttl <hours>] [--note <text>] [--revoke <name>] [--data-dir <dir>]
       npm run server -- owner [--data-dir <dir>]

Runs the pawcam server: the camera page (/), the web viewer (/viewer/) and the signaling relay (/peerjs).
The server is closed: a device registers only with an enrollment from its owner. On first start it prints the
owner link (open it once in the web viewer); the desktop app and the owner link mint enrollments for each pairing.
  enroll             print a single-use enrollment credential and a link for a phone (default lifetime 24 h);
                     --revoke <name> withdraws an unused one (its first 8 digits)
  owner              make a new owner credential and print its link (the old one stops working)

Options (environment variable in brackets):
  --port <n>         TCP port, 0 for any free one (PAWCAM_PORT, default ${DEFAULT_PORT})
  --host <addr>      address to listen on (PAWCAM_HOST, default 0.0.0.0 = every IPv4 interface; :: for IPv6 too)
  --http             plain HTTP, for running behind a TLS-terminating proxy (PAWCAM_HTTP=1)
  --cert <file>      PEM certificate (chain) to serve (PAWCAM_CERT); with --key
  --key <file>       PEM private key (PAWCAM_KEY); with --cert
  --data-dir <dir>   where the self-signed certificate and the ID registrations are kept
                     (PAWCAM_DATA_DIR, default ~/.pawcam-server)
  --trust-proxy      behind a reverse proxy: take the client address from X-Forwarded-For and the host from
                     X-Forwarded-Host (PAWCAM_TRUST_PROXY=1); only if every request comes through that proxy
  --allow-origin <o> another origin (scheme://host[:port]) whose pages may use this server, besides its own pages
                     and the desktop app; repeatable or comma-separated (PAWCAM_ALLOW_ORIGIN)
  --stun <url>       STUN server handed to clients, e.g. stun:turn.example.org:3478; repeatable or
                     comma-separated (PAWCAM_STUN; default none, so no third-party server is contacted)
  --turn <url>       TURN server handed to clients with short-lived credentials, e.g.
                     turn:turn.example.org:3478?transport=udp; repeatable or comma-separated (PAWCAM_TURN)
  --turn-secret <s>  coturn's static-auth-secret (PAWCAM_TURN_SECRET); prefer --turn-secret-file, since
                     command lines are visible to other users of the machine
  --turn-secret-file <file>
                     read the TURN secret from this file (PAWCAM_TURN_SECRET_FILE)
  --turn-ttl <s>     lifetime of minted TURN credentials in seconds (PAWCAM_TURN_TTL, default ${DEFAULT_TURN_TTL_SECONDS})
  --open             OPEN MODE: anyone who reaches the server may register IDs and get TURN credentials, as
                     before enrollment existed (PAWCAM_OPEN=1). Only on a network where everyone is trusted.
  --rendezvous-only  serve no pages, only signaling, ICE and enrollment (PAWCAM_RENDEZVOUS_ONLY=1); the pages
                     come from an origin you trust (the desktop app, a static host): list it with --allow-origin
  --public-url <u>   the https URL phones reach this server at from anywhere (PAWCAM_PUBLIC_URL); pairing
                     links use it first
  --rendezvous <u>   a rendezvous-only server the pages served here may use (PAWCAM_RENDEZVOUS); repeatable;
                     it joins the pages' Content-Security-Policy connect-src
  --log-level <l>    debug, info, warn or error (PAWCAM_LOG_LEVEL, default info)
  -h, --help         show this help

Without --cert/--key the server makes a self-signed certificate for this machine's names and addresses on first
start and reuses it; browsers warn about it once. Without --stun/--turn clients use host candidates only (LAN).
`;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Parse `argv` (without node and the script) and `env`; `readText` reads the TURN secret file. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv, readText: (path: string) => string = (path) => readFileSync(path, 'utf8')): CliCommand {
  const sub = argv[0] === 'enroll' || argv[0] === 'owner' ? argv[0] : null;
  if (sub) return parseSubcommand(sub, argv.slice(1), env);
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
        'trust-proxy': { type: 'boolean' },
        'allow-origin': { type: 'string', multiple: true },
        stun: { type: 'string', multiple: true },
        turn: { type: 'string', multiple: true },
        'turn-secret': { type: 'string' },
        'turn-secret-file': { type: 'string' },
        'turn-ttl': { type: 'string' },
        'log-level': { type: 'string' },
        open: { type: 'boolean' },
        'rendezvous-only': { type: 'boolean' },
        'public-url': { type: 'string' },
        rendezvous: { type: 'string', multiple: true },
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

  const http = values.http ?? isTrue(env['PAWCAM_HTTP']);
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
  if (values['trust-proxy'] ?? isTrue(env['PAWCAM_TRUST_PROXY'])) options.trustProxy = true;
  if (values.open ?? isTrue(env['PAWCAM_OPEN'])) options.open = true;
  if (values['rendezvous-only'] ?? isTrue(env['PAWCAM_RENDEZVOUS_ONLY'])) options.rendezvousOnly = true;
  const publicUrl = values['public-url'] ?? nonEmpty(env['PAWCAM_PUBLIC_URL']);
  const connectUrls = list(values.rendezvous, env['PAWCAM_RENDEZVOUS']);
  try {
    if (publicUrl) options.publicUrl = pageUrl(publicUrl, '--public-url');
    if (connectUrls.length > 0) options.connectUrls = connectUrls.map((u) => pageUrl(u, '--rendezvous'));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }

  const allowedOrigins = list(values['allow-origin'], env['PAWCAM_ALLOW_ORIGIN']);
  const stunUrls = list(values.stun, env['PAWCAM_STUN']);
  const turnUrls = list(values.turn, env['PAWCAM_TURN']);
  const secret = turnSecret(values['turn-secret'] ?? nonEmpty(env['PAWCAM_TURN_SECRET']), values['turn-secret-file'] ?? nonEmpty(env['PAWCAM_TURN_SECRET_FILE']), readText);
  if (typeof secret === 'object') return secret;
  const ttlText = values['turn-ttl'] ?? nonEmpty(env['PAWCAM_TURN_TTL']) ?? String(DEFAULT_TURN_TTL_SECONDS);
  if (!/^\d{1,6}$/.test(ttlText)) return { kind: 'error', message: `invalid TURN credential lifetime: ${ttlText} (seconds)` };
  const ttlSeconds = Number(ttlText);
  try {
    parseAllowedOrigins(allowedOrigins);
    checkIceConfig({ stunUrls, turnUrls, turnSecret: secret, ttlSeconds });
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (allowedOrigins.length > 0) options.allowedOrigins = allowedOrigins;
  if (stunUrls.length > 0) options.stunUrls = stunUrls;
  if (turnUrls.length > 0) Object.assign(options, { turnUrls, turnSecret: secret });
  if (ttlSeconds !== DEFAULT_TURN_TTL_SECONDS) options.turnTtlSeconds = ttlSeconds;
  return { kind: 'run', options, logLevel };
}

/** `enroll` and `owner`: they act on the data dir (and print links for the port and public URL given). */
function parseSubcommand(sub: 'enroll' | 'owner', argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        'public-url': { type: 'string' },
        ttl: { type: 'string' },
        note: { type: 'string' },
        revoke: { type: 'string' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const options: ServerOptions = {};
  const dataDir = values['data-dir'] ?? nonEmpty(env['PAWCAM_DATA_DIR']);
  if (dataDir) options.dataDir = dataDir;
  const portText = values.port ?? nonEmpty(env['PAWCAM_PORT']) ?? String(DEFAULT_PORT);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return { kind: 'error', message: `invalid port: ${portText}` };
  options.port = Number(portText);
  const publicUrl = values['public-url'] ?? nonEmpty(env['PAWCAM_PUBLIC_URL']);
  try {
    if (publicUrl) options.publicUrl = pageUrl(publicUrl, '--public-url');
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (sub === 'owner') {
    if (values.ttl || values.note || values.revoke) return { kind: 'error', message: 'owner takes only --data-dir, --port and --public-url' };
    return { kind: 'owner', options };
  }
  const ttlText = values.ttl ?? '24';
  if (!/^\d{1,3}$/.test(ttlText) || Number(ttlText) < 1 || Number(ttlText) > 720) return { kind: 'error', message: `invalid --ttl: ${ttlText} (hours, 1 to 720)` };
  if (values.revoke !== undefined && !/^[0-9a-f]{8}$/.test(values.revoke)) return { kind: 'error', message: `invalid --revoke: ${values.revoke} (the credential's first 8 hex digits)` };
  return { kind: 'enroll', options, ttlMs: Number(ttlText) * 3600_000, note: (values.note ?? 'npm run server -- enroll').slice(0, 100), revoke: values.revoke ?? null };
}

/** The TURN secret from the flag/env or a file (not both), or an error. */
function turnSecret(given: string | undefined, file: string | undefined, readText: (path: string) => string): string | undefined | CliCommand {
  if (given !== undefined && file !== undefined) return { kind: 'error', message: 'give the TURN secret or a file holding it, not both' };
  if (file === undefined) return given;
  let text: string;
  try {
    text = readText(file).trim();
  } catch (error) {
    return { kind: 'error', message: `cannot read the TURN secret file ${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
  return text === '' ? { kind: 'error', message: `the TURN secret file ${file} is empty` } : text;
}

/** A repeatable, comma-separated option: the flags if any were given, else the environment variable. */
function list(flags: string[] | undefined, env: string | undefined): string[] {
  const items = flags && flags.length > 0 ? flags : env !== undefined ? [env] : [];
  return items.flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

function isTrue(value: string | undefined): boolean {
  return /^(1|true|yes|on)$/i.test(value ?? '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
