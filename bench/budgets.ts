/** The budgets, checked against the figures of one run. Printed pass/fail; they never fail the process. */

/** The figures the budgets read (null: not measured in this run). */
export interface Figures {
  /** Median ms from Watch to the first frame shown. */
  ttffColdOurs: number | null;
  ttffColdPeerjs: number | null;
  /** pawcam's warm start is a Watch on the camera's standby link (its thumbnail showing). */
  ttffWarmOurs: number | null;
  /** Median glass-to-glass ms per picture format. */
  g2g: Record<string, { ours: number | null; peerjs: number | null; raw: number | null }>;
  /** Cameras our server held, and how many the bench tried for. */
  held: number | null;
  heldTarget: number;
  /** Relayed frames per server CPU-second. */
  relayOurs: number | null;
  relayStock: number | null;
  /** Server memory per registered connection with the same number of cameras on both, bytes. */
  rssOurs: number | null;
  rssStock: number | null;
  /** Camera page JS+CSS, gzip bytes. */
  cameraGzip: number | null;
  /** Camera page renderer CPU seconds per second while streaming 720p30 to one viewer. */
  cpuOurs: number | null;
  cpuPeerjs: number | null;
  /** The same camera page with one viewer holding a standby link and nobody watching. */
  cpuOursStandby: number | null;
  /** The same standby camera page with motion and sound detection on (detectors, pre-roll recorders, outbox). */
  cpuOursDetect: number | null;
  /** The viewer browser's memory with `standbyCameras` standby links up, bytes (of `standbyCamerasAsked`). */
  standbyViewerBytes: number | null;
  standbyCameras: number | null;
  standbyCamerasAsked: number;
}

/** One budget's verdict. */
export interface BudgetCheck {
  id: string;
  /** The budget in words. */
  what: string;
  actual: number | null;
  limit: number | null;
  unit: string;
  /** null: a figure is missing (the part was skipped). */
  pass: boolean | null;
  /** How far off a miss is, in words ('' on pass). */
  miss: string;
  /** A figure that is reported, with no limit to pass or fail. */
  reportOnly?: boolean;
}

/** The camera page's gzip budget, in bytes (90 KB, kB = 1000 bytes as bundlers report). */
export const CAMERA_GZIP_BUDGET = 90_000;

/** Check every budget. */
export function checkBudgets(f: Figures): BudgetCheck[] {
  const checks: BudgetCheck[] = [
    atMost('ttff-cold', 'cold time to first frame ≤ PeerJS baseline median', f.ttffColdOurs, f.ttffColdPeerjs, 'ms'),
    atMost('ttff-warm-standby', 'warm time to first frame (Watch on a standby link) ≤ 25% of PeerJS cold median', f.ttffWarmOurs, times(f.ttffColdPeerjs, 0.25), 'ms'),
  ];
  for (const [format, g] of Object.entries(f.g2g)) {
    checks.push(atMost(`g2g-${format}-peerjs`, `glass-to-glass ${format} ≤ 0.8× PeerJS`, g.ours, times(g.peerjs, 0.8), 'ms'));
    checks.push(atMost(`g2g-${format}-floor`, `glass-to-glass ${format} within 40 ms of the raw loopback`, g.ours, plus(g.raw, 40), 'ms'));
  }
  checks.push(
    atLeast('capacity-held', `${f.heldTarget.toLocaleString('en-US')} registered cameras held`, f.held, f.heldTarget, 'cameras'),
    atLeast('relay', 'relay throughput ≥ 0.9× stock', ratioOf(f.relayOurs, f.relayStock), 0.9, '×'),
    atMost('rss', 'RSS per connection ≤ 1.2× stock (same number of cameras)', ratioOf(f.rssOurs, f.rssStock), 1.2, '×'),
    atMost('camera-gzip', 'camera page ≤ 90 KB gzip JS+CSS', f.cameraGzip, CAMERA_GZIP_BUDGET, 'B'),
    atMost('camera-cpu', 'camera-page CPU ≤ 1.1× baseline camera page', ratioOf(f.cpuOurs, f.cpuPeerjs), 1.1, '×'),
    atMost('camera-cpu-standby', 'camera-page CPU with one viewer on standby ≤ 0.25× the camera watched live', ratioOf(f.cpuOursStandby, f.cpuOurs), 0.25, '×'),
    atMost('camera-cpu-detect', 'camera-page CPU with detection on ≤ 1.15× without (one viewer on standby)', ratioOf(f.cpuOursDetect, f.cpuOursStandby), 1.15, '×'),
    {
      id: 'standby-memory',
      what: `viewer memory with ${standbyCount(f)} cameras on standby (reported)`,
      actual: f.standbyViewerBytes,
      limit: null,
      unit: 'B',
      pass: null,
      miss: '',
      reportOnly: true,
    },
  );
  return checks;
}

/** How many cameras the memory figure holds, saying so when it is fewer than asked. */
function standbyCount(f: Figures): string {
  if (f.standbyCameras === null || f.standbyCameras === f.standbyCamerasAsked) return String(f.standbyCamerasAsked);
  return `ONLY ${f.standbyCameras} (of ${f.standbyCamerasAsked} asked)`;
}

function atMost(id: string, what: string, actual: number | null, limit: number | null, unit: string): BudgetCheck {
  if (actual === null || limit === null) return { id, what, actual, limit, unit, pass: null, miss: '' };
  const pass = actual <= limit;
  return { id, what, actual, limit, unit, pass, miss: pass ? '' : `${show(actual - limit, unit)} over${percent(actual, limit)}` };
}

function atLeast(id: string, what: string, actual: number | null, limit: number | null, unit: string): BudgetCheck {
  if (actual === null || limit === null) return { id, what, actual, limit, unit, pass: null, miss: '' };
  const pass = actual >= limit;
  return { id, what, actual, limit, unit, pass, miss: pass ? '' : `${show(limit - actual, unit)} short${percent(actual, limit)}` };
}

function percent(actual: number, limit: number): string {
  if (limit === 0) return '';
  return ` (${Math.round(Math.abs(actual / limit - 1) * 100)}%)`;
}

function show(value: number, unit: string): string {
  if (unit === '×') return `${value.toFixed(2)}×`;
  if (unit === 'B') return `${Math.round(value).toLocaleString('en-US')} B`;
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
}

function times(value: number | null, factor: number): number | null {
  return value === null ? null : value * factor;
}

function plus(value: number | null, add: number): number | null {
  return value === null ? null : value + add;
}

function ratioOf(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}
