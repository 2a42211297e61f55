/** Real Chromium for end-to-end tests: Debian's build, fake media devices, loopback-only ICE. */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; never a downloaded one. */
export const CHROMIUM_PATH = process.env['PAWCAM_CHROMIUM'] ?? '/usr/bin/chromium';

const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/** Options for a test browser. */
export interface LaunchOptions {
  /** Feed this .y4m file as the camera (else Chromium's moving test pattern). */
  fakeVideo?: string;
  /** Feed this .wav file as the microphone (else Chromium's beeps). */
  fakeAudio?: string;
  /** Leave out the auto-accepting permission UI, so getUserMedia is refused. */
  denyMedia?: boolean;
  /** Extra Chromium flags. */
  args?: string[];
}

/** Launch Chromium with fake camera and microphone. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const args = [...BASE_FLAGS, '--use-fake-device-for-media-stream'];
  if (!options.denyMedia) args.push('--use-fake-ui-for-media-stream');
  if (options.fakeVideo) args.push(`--use-file-for-fake-video-capture=${options.fakeVideo}`);
  if (options.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${options.fakeAudio}`);
  args.push(...(options.args ?? []));
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, timeout: 30_000 });
}

/**
 * Every RTCPeerConnection a page creates is kept in `window.__pcs`, so a test can read getStats the way a user
 * would notice problems (frames decoded, audio packets) without any test hook in the product.
 */
export const TRACK_PEER_CONNECTIONS = `(() => {
  const Orig = window.RTCPeerConnection;
  if (!Orig || window.__pcs) return;
  const pcs = [];
  Object.defineProperty(window, '__pcs', { value: pcs });
  class Tracked extends Orig {
    constructor(...args) { super(...args); pcs.push(this); }
  }
  window.RTCPeerConnection = Tracked;
})();`;

/** A fresh context (its own storage: another device) whose pages track their peer connections. */
export async function newDeviceContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 760 } });
  await context.addInitScript(TRACK_PEER_CONNECTIONS);
  return context;
}

/** What the user would notice of a page's incoming media. */
export interface MediaStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioPacketsReceived: number;
  openConnections: number;
  candidateTypes: string[];
}

/**
 * Sum inbound media over the page's open peer connections, as plain JavaScript (a string, not a function: every
 * engine's driver must get the same code whatever the test transpiler adds).
 */
export const INBOUND_STATS_SCRIPT = `(async () => {
    const pcs = (window.__pcs || []).filter((pc) => pc.connectionState !== 'closed');
    const out = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPacketsReceived: 0, openConnections: pcs.length, candidateTypes: [] };
    for (const pc of pcs) {
      const stats = await pc.getStats();
      const byId = new Map();
      stats.forEach((r) => byId.set(r.id, r));
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          out.framesDecoded += Number(r.framesDecoded || 0);
          out.frameWidth = Number(r.frameWidth || out.frameWidth);
          out.frameHeight = Number(r.frameHeight || out.frameHeight);
        }
        if (r.type === 'inbound-rtp' && r.kind === 'audio') out.audioPacketsReceived += Number(r.packetsReceived || 0);
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
          const local = byId.get(r.localCandidateId);
          if (local) out.candidateTypes.push(String(local.candidateType));
        }
      });
    }
    return out;
  })()`;

/** Sum inbound media over the page's open peer connections. */
export async function inboundStats(page: Page): Promise<MediaStats> {
  return page.evaluate(INBOUND_STATS_SCRIPT) as Promise<MediaStats>;
}

/** Poll `probe` until `accept` holds, at most `timeoutMs` (bounded count and time); returns the last value. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 250, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const maxRounds = Math.ceil(timeoutMs / intervalMs) + 1;
  let last: T | undefined;
  for (let round = 0; round < maxRounds && Date.now() <= deadline; round++) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
