/** The shape of bench/results.json, and the figures and ratios read from it. */
import type { Figures } from './budgets.ts';
import type { BudgetCheck } from './budgets.ts';
import type { CapacityResult } from './capacity.ts';
import type { LatencyResult } from './latency.ts';
import { ratio } from './stats.ts';
import type { SubjectKind } from './subjects.ts';
import type { SubjectTtff } from './ttff.ts';
import type { StandbyMemory } from './standby.ts';
import type { BundleWeight, CameraCpu } from './weight.ts';

/** The parts of a run. */
export type PartName = 'weight' | 'ttff' | 'latency' | 'cpu' | 'standby' | 'capacity';

/** How a part went. */
export interface PartStatus {
  status: 'ok' | 'partial' | 'skipped' | 'failed';
  /** Why it was skipped, failed or partial. */
  reason: string | null;
  seconds: number;
  /** The machine's 1-minute load average when the part ended (2 cores: above 2, others were queueing for CPU). */
  loadAverage?: number;
}

/**
 * Whose camera CPU was measured: pawcam's and the baseline's camera watched live, pawcam's with the viewer on standby,
 * and pawcam's with no viewer at all.
 */
export type CpuSubject = 'ours' | 'peerjs' | 'oursStandby' | 'oursIdle' | 'oursDetect';

/** Everything one run measured. */
export interface BenchResults {
  version: 1;
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; loadAverage: number[]; node: string; chromium: string | null; commit: string | null; uncommittedChanges: boolean | null };
  settings: Record<string, number | string>;
  parts: Partial<Record<PartName, PartStatus>>;
  /** Everything left out, with the reason (whole parts, or one subject within a part). */
  skipped: { what: string; reason: string }[];
  /** Notes the table prints under the figures (how a number is to be read). */
  notes: string[];
  ttff: Partial<Record<SubjectKind, SubjectTtff>> | null;
  latency: LatencyResult | null;
  capacity: CapacityResult | null;
  weight: { camera: BundleWeight | null; viewer: BundleWeight | null };
  /** Camera CPU: each camera watched live by one viewer; pawcam's also with that viewer on standby and with none. */
  cpu: Partial<Record<CpuSubject, CameraCpu>> | null;
  /** The viewer's memory with standby links to several cameras. */
  standby: StandbyMemory | null;
  ratios: Record<string, number | null>;
  budgets: BudgetCheck[];
}

/** The budgets' inputs, from a run's results. */
export function figuresOf(
  r: Pick<BenchResults, 'ttff' | 'latency' | 'capacity' | 'weight' | 'cpu' | 'standby'>,
  heldTarget: number,
  standbyCamerasAsked: number,
): Figures {
  const g2g: Figures['g2g'] = {};
  for (const [format, bySubject] of Object.entries(r.latency ?? {})) {
    g2g[format] = {
      ours: bySubject.ours?.summary.median ?? null,
      peerjs: bySubject.peerjs?.summary.median ?? null,
      raw: bySubject.raw?.summary.median ?? null,
    };
  }
  const ours = r.capacity?.summary.ours;
  const stock = r.capacity?.summary.stock;
  return {
    ttffColdOurs: r.ttff?.ours?.cold.shownSummary.median ?? null,
    ttffColdPeerjs: r.ttff?.peerjs?.cold.shownSummary.median ?? null,
    ttffWarmOurs: r.ttff?.ours?.warm.shownSummary.median ?? null,
    g2g,
    held: ours && !ours.error ? ours.held : null,
    heldTarget,
    relayOurs: ours?.relayPerCpuSecond ?? null,
    relayStock: stock?.relayPerCpuSecond ?? null,
    // At the same number of cameras on both (the stock server stops at its 5,000 default).
    rssOurs: ours?.rssPerConnAtCompareBytes ?? null,
    rssStock: stock?.rssPerConnAtCompareBytes ?? null,
    cameraGzip: r.weight.camera?.gzipBytes ?? null,
    cpuOurs: r.cpu?.ours?.rendererCpuPerSecond ?? null,
    cpuPeerjs: r.cpu?.peerjs?.rendererCpuPerSecond ?? null,
    cpuOursStandby: r.cpu?.oursStandby?.rendererCpuPerSecond ?? null,
    cpuOursDetect: r.cpu?.oursDetect?.rendererCpuPerSecond ?? null,
    standbyViewerBytes: r.standby?.loaded && r.standby.linked > 0 ? r.standby.loaded.browserBytes : null,
    standbyCameras: r.standby?.loaded ? r.standby.linked : null,
    standbyCamerasAsked,
  };
}

/** Our figures over the baselines' (below 1 is better for times, memory and CPU; above 1 for throughput). */
export function ratiosOf(f: Figures): Record<string, number | null> {
  const out: Record<string, number | null> = {
    'ttff cold / PeerJS cold': ratio(f.ttffColdOurs, f.ttffColdPeerjs),
    'ttff warm (standby link) / PeerJS cold': ratio(f.ttffWarmOurs, f.ttffColdPeerjs),
  };
  for (const [format, g] of Object.entries(f.g2g)) {
    out[`glass-to-glass ${format} / PeerJS`] = ratio(g.ours, g.peerjs);
    out[`glass-to-glass ${format} / raw loopback`] = ratio(g.ours, g.raw);
  }
  out['relay per CPU-second / stock'] = ratio(f.relayOurs, f.relayStock);
  out['RSS per connection / stock, same cameras'] = ratio(f.rssOurs, f.rssStock);
  out['camera CPU / PeerJS camera'] = ratio(f.cpuOurs, f.cpuPeerjs);
  out['camera CPU on standby / watched live'] = ratio(f.cpuOursStandby, f.cpuOurs);
  out['camera CPU with detection on / off (standby)'] = ratio(f.cpuOursDetect, f.cpuOursStandby);
  for (const key of Object.keys(out)) out[key] = out[key] === null ? null : Math.round(out[key]! * 1000) / 1000;
  return out;
}
