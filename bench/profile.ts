/**
 * Where a server's relay time went: a V8 CPU profile (inspector `Profiler.stop`) summarised by stage (WebSocket
 * framing in `ws`, PeerServer, pawcam's guard, Node's network core, garbage collection, V8 itself) and by the
 * functions with the most self time. Pure, so it is tested on hand-made profiles.
 */

/** The parts of a V8 CPU profile this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** One stage's share of the busy time. */
export interface StageTime {
  stage: string;
  ms: number;
  /** Share of the busy (non-idle) samples, 0…1. */
  share: number;
}

/** A profile summarised. */
export interface ProfileSummary {
  /** Wall time profiled and the part of it the process was not idle, ms. */
  wallMs: number;
  busyMs: number;
  samples: number;
  stages: StageTime[];
  /** The functions with the most self time. */
  top: { fn: string; ms: number; share: number }[];
}

/** The stage a function belongs to, from its script URL and name. */
export function stageOf(functionName: string, url: string): string | null {
  if (functionName === '(idle)') return null;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 and native code outside JS';
  if (url.includes('/node_modules/ws/')) return 'ws: WebSocket framing, send and receive';
  if (url.includes('/node_modules/peer/')) return 'PeerServer (npm peer)';
  if (url.includes('/node_modules/express/') || url.includes('/node_modules/router/')) return 'express (HTTP)';
  const ours = /\/(peer-server|protocol)\/([^/]+)$/.exec(url);
  if (ours) return `pawcam ${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return 'Node core: net, streams, buffers, timers';
  if (url === '') return functionName === 'parse' || functionName === 'stringify' ? 'JSON (native)' : 'native builtins';
  return 'other JS';
}

/** Summarise `profile`: busy time per stage, largest first, and the `topN` functions with the most self time. */
export function summariseProfile(profile: CpuProfile, topN = 10): ProfileSummary {
  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  const msPerSample = total > 0 ? wallMs / total : 0;
  const stages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const stage = stageOf(functionName, url);
    if (stage === null) continue;
    busy += hits;
    stages.set(stage, (stages.get(stage) ?? 0) + hits);
    const file = url.split('/').slice(-2).join('/');
    const fn = `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + hits);
  }
  const share = (hits: number): number => (busy > 0 ? Math.round((hits / busy) * 1000) / 1000 : 0);
  const ms = (hits: number): number => Math.round(hits * msPerSample * 10) / 10;
  return {
    wallMs: Math.round(wallMs),
    busyMs: Math.round(busy * msPerSample),
    samples: total,
    stages: [...stages].sort((a, b) => b[1] - a[1]).map(([stage, hits]) => ({ stage, ms: ms(hits), share: share(hits) })),
    top: [...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([fn, hits]) => ({ fn, ms: ms(hits), share: share(hits) })),
  };
}
