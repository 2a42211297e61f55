/**
 * Which PeerServer the viewer uses. With no remote server configured, pawcam starts peer-server inside the app
 * (zero-setup LAN mode: phones on the home network open https://<this PC>:8443/). That server's certificate is
 * self-signed, so Chromium would refuse it; we pin it instead: a certificate Chromium rejects is accepted only when
 * its SHA-256 fingerprint is exactly the embedded server's (or the one the user pinned for a remote server).
 */
import { X509Certificate } from 'node:crypto';
import type { Session } from 'electron';
import { createLogger } from '../../protocol/log.ts';
import type { RunningServer, ServerOptions } from '../../peer-server/index.ts';

const log = createLogger('embedded-server');

/** peer-server's `startServer`, injected. */
export type StartServer = (options: ServerOptions) => Promise<RunningServer>;

/** The port phones are told about; another free one is used when it is taken. */
export const PREFERRED_PORT = 8443;

/** Where the embedded server listens: every IPv4 interface, so phones on the LAN reach it. */
export const EMBEDDED_BIND_HOST = '0.0.0.0';

/** The server the viewer talks to. */
export interface ServerEndpoint {
  /** Base URL for this machine's viewer. */
  url: string;
  /** The pinned certificate fingerprint (normalised hex), if any. */
  fingerprint: string | null;
  embedded: boolean;
  /** The embedded server's port (null for a remote server, or when it is not running). */
  port: number | null;
  /** The address the embedded server listens on (null for a remote server). */
  bindHost: string | null;
  /** The embedded server's own list of phone URLs (its public URL and LAN addresses, read when asked). */
  phoneUrls?: () => string[];
  /** Why the embedded server is not running, when it is not. */
  error?: string;
  /**
   * The server owner's credential the viewer uses to enroll itself and mint each pairing link's enrollment: made
   * afresh in-process for the embedded server on every start (nobody else needs it), or the one the user gave for a
   * remote server; null when there is none (the viewer then works only with IDs already enrolled, or an open server).
   */
  owner: string | null;
  close(): Promise<void>;
}

/**
 * A SHA-256 fingerprint in any common spelling (`AB:CD:…` as Node and openssl print it, bare hex, or Chromium's
 * `sha256/<base64>`) as 64 lowercase hex digits; null when it is not one.
 */
export function normaliseFingerprint(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed.toLowerCase().startsWith('sha256/')) {
    const bytes = Buffer.from(trimmed.slice(7), 'base64');
    return bytes.length === 32 ? bytes.toString('hex') : null;
  }
  const hex = trimmed.replace(/[:\s]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** A normalised fingerprint as browsers and peer-server's banner show it: `AB:CD:…`. */
export function displayFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

/** The SHA-256 fingerprint of a PEM certificate, normalised; null when it does not parse. */
export function pemFingerprint(pem: string): string | null {
  try {
    return normaliseFingerprint(new X509Certificate(pem).fingerprint256);
  } catch {
    return null;
  }
}

/** Chromium's verdicts for `setCertificateVerifyProc`. */
export const VERIFY = { accept: 0, reject: -2, useChromium: -3 } as const;

/** What the verifier reads of a request. */
export interface VerifyRequest {
  hostname: string;
  certificate: { data: string };
  errorCode: number;
}

/**
 * The certificate verifier: Chromium's own verdict stands for every certificate it trusts and every one that is
 * not pinned; a pinned fingerprint turns its rejection (self-signed, name mismatch) into acceptance.
 */
export function certificateVerifier(pins: () => readonly string[]): (request: VerifyRequest, callback: (result: number) => void) => void {
  return (request, callback) => {
    if (request.errorCode === 0) return callback(VERIFY.useChromium);
    const fingerprint = pemFingerprint(request.certificate.data);
    if (fingerprint !== null && pins().includes(fingerprint)) return callback(VERIFY.accept);
    log.warn('certificate refused', { host: request.hostname, errorCode: request.errorCode });
    return callback(VERIFY.useChromium);
  };
}

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
  }
  return undefined;
}

/** Start the embedded server on `preferredPort`, or on a free port when that one is taken. */
export async function startEmbeddedServer(deps: { startServer: StartServer; dataDir: string; preferredPort?: number; host?: string }): Promise<RunningServer> {
  const base: ServerOptions = { host: deps.host ?? EMBEDDED_BIND_HOST, dataDir: deps.dataDir };
  const preferred = deps.preferredPort ?? PREFERRED_PORT;
  try {
    return await deps.startServer({ ...base, port: preferred });
  } catch (error) {
    if (causeCode(error) !== 'EADDRINUSE' && causeCode(error) !== 'EACCES') throw error;
    log.warn('the preferred port is taken; using a free one', { port: preferred, error: String(error) });
    return await deps.startServer({ ...base, port: 0 });
  }
}

/** What choosing the server needs. */
export interface ServerSetupDeps {
  /** A remote server URL from settings, or null for the embedded one. */
  remoteUrl: string | null;
  /** A fingerprint the user pinned for the remote server's self-signed certificate. */
  remoteFingerprint: string | null;
  startServer: StartServer;
  /** userData/server */
  dataDir: string;
  /** The port that worked last time (phones have it bookmarked). */
  preferredPort?: number;
  session: Pick<Session, 'setCertificateVerifyProc'>;
  /** Where the embedded server listens (default EMBEDDED_BIND_HOST). */
  host?: string;
  /** The remote server's owner credential, from Settings. */
  remoteOwner?: string | null;
}

const OWNER_CREDENTIAL = /^[0-9a-f]{32}$/;

/** Start or pick the server, and pin its certificate on the viewer's session. Never throws. */
export async function setupServer(deps: ServerSetupDeps): Promise<ServerEndpoint> {
  let endpoint: ServerEndpoint;
  if (deps.remoteUrl) {
    const fingerprint = deps.remoteFingerprint ? normaliseFingerprint(deps.remoteFingerprint) : null;
    if (deps.remoteFingerprint && !fingerprint) log.warn('the pinned server fingerprint is not a SHA-256 fingerprint; ignoring it');
    const owner = deps.remoteOwner?.trim().toLowerCase() ?? null;
    if (owner && !OWNER_CREDENTIAL.test(owner)) log.warn('the remote server owner credential is not 32 hex digits; ignoring it');
    endpoint = { url: deps.remoteUrl, fingerprint, embedded: false, port: null, bindHost: null, owner: owner && OWNER_CREDENTIAL.test(owner) ? owner : null, close: async () => undefined };
  } else {
    const bindHost = deps.host ?? EMBEDDED_BIND_HOST;
    try {
      const running = await startEmbeddedServer({ ...deps, host: bindHost });
      const fingerprint = running.certFingerprint ? normaliseFingerprint(running.certFingerprint) : null;
      log.info('embedded server started', { url: running.url, port: running.port });
      const owner = await running.owner.resetOwner();
      endpoint = { url: running.url, fingerprint, embedded: true, port: running.port, bindHost, owner, phoneUrls: () => running.phoneUrls(), close: () => running.close() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error('the embedded server could not start', { error: message });
      // The viewer still opens and shows the server as unreachable (retrying) instead of the app failing to start.
      const port = deps.preferredPort ?? PREFERRED_PORT;
      endpoint = { url: `https://127.0.0.1:${port}`, fingerprint: null, embedded: true, port: null, bindHost, error: message, owner: null, close: async () => undefined };
    }
  }
  const pins = endpoint.fingerprint ? [endpoint.fingerprint] : [];
  deps.session.setCertificateVerifyProc(certificateVerifier(() => pins));
  return endpoint;
}
