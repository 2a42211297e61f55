/** Helpers for peer-server's own tests (a raw PeerJS-protocol client, HTTP calls, log capture); used by tests only. */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import type { LogRecord, Logger } from '../protocol/log.ts';
import type { RunningServer } from './server.ts';

/** A server message as a test reads it. */
export type Message = Record<string, unknown>;

/** A registration token (32 hex digits) made from a short label, so tests read well. */
export function token(label: string): string {
  return Buffer.from(label).toString('hex').padEnd(32, '0').slice(0, 64);
}

/** A logger that appends to `records`. */
export function captureLogs(records: LogRecord[]): Logger {
  const at = (level: LogRecord['level']) => (msg: string, fields?: Record<string, unknown>) => records.push({ level, name: 'test', msg, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An HTTP response as a test reads it. */
export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  fingerprint: string | undefined;
}

/** One request with a bounded wait; over HTTPS only the given CA is trusted. */
export function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.request(url, { method: init.method ?? 'GET', headers: init.headers, ca: init.ca, agent: false }, (res) => {
      const tls = res.socket as TLSSocket;
      const fingerprint = typeof tls.getPeerCertificate === 'function' ? tls.getPeerCertificate().fingerprint256 : undefined;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`${init.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** GET `url`. */
export function get(url: string, ca?: string): Promise<Response> {
  return request(url, { ca });
}

/** How many peers healthz reports. */
export async function peersOnline(server: RunningServer, ca?: string): Promise<number> {
  const res = await get(`${server.url}/healthz`, ca);
  return (JSON.parse(res.body) as { peersOnline: number }).peersOnline;
}

/** Poll until `check` holds (for server-side effects no client event announces), bounded. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Options of `Client.connect`. */
export interface ConnectOptions {
  ca?: string;
  origin?: string;
  headers?: Record<string, string>;
}

/** A raw PeerJS-protocol client: every server message is kept, and `next` waits for one that matches. */
export class Client {
  /** Every socket made, so a test's cleanup can end them. */
  static readonly all: WebSocket[] = [];

  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status when the upgrade was refused (never settles otherwise). */
  readonly refused: Promise<number>;
  #waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      const waiter = this.#waiters.find((w) => w.match(message));
      if (waiter) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      } else this.messages.push(message);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.refused = new Promise((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  }

  static connect(server: RunningServer, id: string, tok: string, options: ConnectOptions = {}): Client {
    const base = server.url.replace(/^http/, 'ws');
    const ws = new WebSocket(`${base}/peerjs/peerjs?key=pawcam&id=${id}&token=${tok}&version=1.5.5`, {
      ca: options.ca,
      origin: options.origin,
      headers: options.headers,
    });
    Client.all.push(ws);
    ws.on('error', () => {});
    return new Client(ws);
  }

  /** End every socket made so far. */
  static terminateAll(): void {
    for (const ws of Client.all.splice(0)) ws.terminate();
  }

  next(match: (m: Message) => boolean, timeoutMs = 5000): Promise<Message> {
    const index = this.messages.findIndex(match);
    if (index >= 0) return Promise.resolve(this.messages.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (m: Message) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  ofType(type: string, timeoutMs?: number): Promise<Message> {
    return this.next((m) => m['type'] === type, timeoutMs);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }
}

/** A signal envelope carrying an offer, as the viewer sends it. */
export const offer = (sid: string, sdp = 'v=0\r\n') => ({ v: 1, kind: 'signal', sid, signal: { type: 'offer', sdp } });
