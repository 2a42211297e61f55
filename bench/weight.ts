/**
 * Weight: what the pages cost to load (gzip size of the built JS and CSS) and what the camera page costs to run (CPU
 * seconds of its renderer process while streaming 720p30 to one viewer, and while holding one viewer's standby link),
 * against the PeerJS baseline camera page.
 * For CPU the camera and the viewer run in separate browsers, so the camera browser's renderer processes are the
 * camera page alone; Chromium reports per-process CPU time through CDP `SystemInfo.getProcessInfo`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../protocol/log.ts';
import { SUBJECT_LABELS, senderVideo, sentBytes, stopWatching, watchAndTime, type SenderVideo, type Subject } from './subjects.ts';
import { sleep } from './util.ts';

const log = createLogger('bench-weight');

/** One built file. */
export interface FileWeight {
  path: string;
  bytes: number;
  gzipBytes: number;
}

/** A built page's JS and CSS. */
export interface BundleWeight {
  dir: string;
  files: FileWeight[];
  bytes: number;
  gzipBytes: number;
}

/** Sum the JS and CSS under `dir` (every chunk, lazily loaded ones too), each gzipped at level 9. */
export async function bundleWeight(dir: string): Promise<BundleWeight> {
  const files: FileWeight[] = [];
  for (const path of await listFiles(dir)) {
    if (!/\.(m?js|css)$/.test(path)) continue;
    const content = await readFile(path);
    files.push({ path: relative(dir, path), bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length });
  }
  files.sort((a, b) => b.gzipBytes - a.gzipBytes);
  return { dir, files, bytes: sum(files.map((f) => f.bytes)), gzipBytes: sum(files.map((f) => f.gzipBytes)) };
}

async function listFiles(dir: string, depth = 0): Promise<string[]> {
  if (depth > 8) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, depth + 1)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** CPU used by a camera page while it streams (live) or holds one viewer's standby link. */
export interface CameraCpu {
  /** CPU seconds of the camera browser's renderer processes over the window. */
  rendererCpuSeconds: number;
  /** The same per second of streaming (1.0 = one core). */
  rendererCpuPerSecond: number;
  /** Every process of the camera browser (browser, GPU, network, capture service…), for context. */
  browserCpuSeconds: number;
  windowSeconds: number;
  /** What the encoder sent at the end of the window. */
  sender: SenderVideo | null;
  /**
   * What the camera page uploaded over the window, kbit/s: RTP media (outbound-rtp bytes and headers) and everything
   * its peer connections sent (transport: media, RTCP, data channel, ICE checks). null when its stats were unreadable.
   */
  upload: { mediaKbps: number; transportKbps: number; connections: number } | null;
}

/** Renderer and total CPU seconds of one browser's processes. */
async function browserCpu(browser: Browser): Promise<{ renderer: number; total: number }> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number; cpuTime: number }[] };
    let renderer = 0;
    let total = 0;
    for (const p of processInfo) {
      total += p.cpuTime;
      if (p.type === 'renderer') renderer += p.cpuTime;
    }
    return { renderer, total };
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/** How the camera is used while its CPU is read. */
export type CameraCpuMode = 'live' | 'standby' | 'idle';

/**
 * The camera's CPU and upload over `windowMs` after a warm-up (its browser is `cameraBrowser`, holding nothing else):
 * `live`, one viewer watching (Watch clicked, first frame shown); `standby`, that viewer open on its list with the
 * standby link up and its thumbnail showing, nobody watching; `idle`, no viewer at all (what standby adds is
 * standby − idle).
 */
export async function measureCameraCpu(
  subject: Subject,
  cameraBrowser: Browser,
  options: { windowMs: number; warmupMs: number; mode?: CameraCpuMode },
): Promise<CameraCpu> {
  const mode = options.mode ?? 'live';
  if (mode !== 'live' && !subject.warmOnStandby) throw new Error(`${SUBJECT_LABELS[subject.kind]} keeps no standby link`);
  let page: Page | null = null;
  if (mode === 'idle') {
    // No viewer page open: the camera alone, capturing and registered, with no link to anyone.
    await subject.idle();
    await subject.senderPage()?.locator('[data-testid=standby-links]').waitFor({ state: 'detached', timeout: 10_000 });
  } else {
    page = await subject.warmViewer();
    if (mode === 'live') await watchAndTime(subject, page);
  }
  try {
    await sleep(options.warmupMs);
    const senderPage = subject.senderPage();
    const sentBefore = senderPage ? await sentBytes(senderPage).catch(() => null) : null;
    const before = await browserCpu(cameraBrowser);
    const t0 = performance.now();
    await sleep(options.windowMs);
    const after = await browserCpu(cameraBrowser);
    const windowSeconds = (performance.now() - t0) / 1000;
    const sentAfter = senderPage ? await sentBytes(senderPage).catch(() => null) : null;
    const sender = senderPage ? ((await senderVideo(senderPage).catch(() => []))[0] ?? null) : null;
    const rendererCpuSeconds = after.renderer - before.renderer;
    const kbps = (bytes: number): number => Math.round(((bytes * 8) / 1000 / windowSeconds) * 10) / 10;
    const result: CameraCpu = {
      rendererCpuSeconds: Math.round(rendererCpuSeconds * 100) / 100,
      rendererCpuPerSecond: Math.round((rendererCpuSeconds / windowSeconds) * 1000) / 1000,
      browserCpuSeconds: Math.round((after.total - before.total) * 100) / 100,
      windowSeconds: Math.round(windowSeconds * 10) / 10,
      sender,
      upload:
        sentBefore && sentAfter
          ? { mediaKbps: kbps(sentAfter.media - sentBefore.media), transportKbps: kbps(sentAfter.transport - sentBefore.transport), connections: sentAfter.connections }
          : null,
    };
    log.info('camera CPU', { subject: SUBJECT_LABELS[subject.kind], mode, ...result });
    return result;
  } finally {
    if (mode === 'live' && page) await stopWatching(subject, page).catch(() => undefined);
  }
}
