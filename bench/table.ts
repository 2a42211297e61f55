/** The readable report printed after a run: aligned tables of the figures, ratios, budgets and skips. */
import type { BudgetCheck } from './budgets.ts';
import type { BenchResults } from './results.ts';
import type { RunSummary, Summary } from './stats.ts';
import type { ProfileSummary } from './profile.ts';
import { SUBJECT_LABELS, type SubjectKind } from './subjects.ts';
import type { ViewerMemory } from './standby.ts';
import type { CameraCpu } from './weight.ts';

/** Align rows of cells into columns (first row is the header, underlined). */
export function renderTable(rows: readonly (readonly string[])[], indent = '  '): string {
  if (rows.length === 0) return '';
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: readonly string[]): string =>
    indent +
    widths
      .map((w, c) => (r[c] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  return [line(head!), indent + widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** `median / p90 (n)` in ms, or '—'; with failed runs (counted in n and in the median), `(n, k failed)`. */
export function showSummary(s: Summary | RunSummary | undefined | null, digits = 0): string {
  const failed = s && 'failed' in s ? s.failed : 0;
  if (!s || s.n === 0 || s.median === null || s.p90 === null) return failed > 0 ? `— (${failed} failed)` : '—';
  return `${s.median.toFixed(digits)} / ${s.p90.toFixed(digits)} (${s.n}${failed > 0 ? `, ${failed} failed` : ''})`;
}

/** A CPU profile as rows: stages by share of busy time, then the busiest functions. */
export function renderProfile(label: string, p: ProfileSummary | null | undefined): string[] {
  if (!p) return [];
  return [
    `  ${label}: ${p.busyMs} ms busy in ${p.wallMs} ms profiled (${p.samples} samples)`,
    renderTable([['stage', 'share', 'ms'], ...p.stages.slice(0, 8).map((st) => [st.stage, `${(st.share * 100).toFixed(1)}%`, st.ms.toFixed(0)])], '    '),
    renderTable([['busiest functions (self time)', 'share'], ...p.top.slice(0, 6).map((f) => [f.fn.slice(0, 80), `${(f.share * 100).toFixed(1)}%`])], '    '),
  ];
}

function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function kb(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '—' : `${(bytes / 1000).toFixed(1)} kB`;
}

const KINDS: SubjectKind[] = ['ours', 'peerjs', 'raw'];

function verdict(check: BudgetCheck): string {
  if (check.reportOnly) return check.actual === null ? 'SKIP' : 'REPORT';
  return check.pass === null ? 'SKIP' : check.pass ? 'PASS' : 'FAIL';
}

function showBudgetValue(value: number | null, unit: string): string {
  if (value === null) return '—';
  if (unit === '×') return `${value.toFixed(2)}×`;
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  if (unit === 'B') return value >= 10e6 ? mb(value) : kb(value);
  return `${num(value)} ${unit}`;
}

/** The whole report. */
export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `pawcam bench — ${r.startedAt} — commit ${m.commit ?? '?'}${m.uncommittedChanges ? ' (+ uncommitted changes)' : ''} — ${m.cpus} CPUs, load ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')} — ${m.chromium ?? 'Chromium ?'} — ${r.durationSeconds.toFixed(0)} s`,
  );

  out.push('', 'Parts');
  out.push(
    renderTable([
      ['part', 'status', 'seconds', 'load after', 'note'],
      ...Object.entries(r.parts).map(([name, p]) => [name, p.status, p.seconds.toFixed(0), p.loadAverage === undefined ? '' : p.loadAverage.toFixed(2), p.reason ?? '']),
    ]),
  );

  out.push('', 'Time to first frame, ms from the Watch click (median / p90 (n)); "shown" = first frame presented (requestVideoFrameCallback),');
  out.push('"decoded" = getStats framesDecoded > 0 polled every ~16 ms in the page (Chrome caches stats, so this one lags)');
  const ttffRows: string[][] = [['', ...KINDS.map((k) => SUBJECT_LABELS[k])]];
  for (const kind of ['cold', 'warm'] as const) {
    const label = kind === 'warm' ? 'warm (pawcam: Watch on its standby link)' : kind;
    ttffRows.push([`${label}, shown`, ...KINDS.map((k) => showSummary(r.ttff?.[k]?.[kind].shownSummary))]);
    ttffRows.push([`${label}, decoded`, ...KINDS.map((k) => showSummary(r.ttff?.[k]?.[kind].decodedSummary))]);
    const failures = KINDS.map((k) => r.ttff?.[k]?.[kind].failures.length ?? 0);
    if (failures.some((f) => f > 0)) ttffRows.push([`${kind}, failed runs`, ...failures.map(String)]);
  }
  out.push(renderTable(ttffRows));
  out.push('  Failed runs count in n and in the median as 15,000 ms (the probe\'s limit). pawcam\'s clock stops at the first frame wider than the');
  out.push('  standby thumbnail (160 px) shown in the live view and decoded after the click; a warm Watch that dialled a new connection fails.');
  for (const k of KINDS) {
    for (const kind of ['cold', 'warm'] as const) {
      const series = r.ttff?.[k]?.[kind];
      if (series?.stopped) out.push(`  ${SUBJECT_LABELS[k]}, ${kind}: stopped early: ${series.stopped}`);
      for (const f of [...new Set(series?.failures ?? [])].slice(0, 3)) out.push(`  ${SUBJECT_LABELS[k]}, ${kind}: failed: ${f.slice(0, 120)}`);
    }
  }
  const marks = ['offer', 'answer', 'ice', 'connected', 'track'];
  const breakdown: string[][] = [['median ms after the click', 'offer set', 'answer set', 'ICE up', 'DTLS up', 'track', 'first frame shown']];
  for (const kind of ['cold', 'warm'] as const) {
    for (const k of KINDS) {
      const series = r.ttff?.[k]?.[kind];
      if (!series || series.shown.length === 0) continue;
      breakdown.push([`${SUBJECT_LABELS[k]}, ${kind}`, ...marks.map((m) => num(series.markMedians[m])), num(series.shownSummary.median)]);
    }
  }
  if (breakdown.length > 1) out.push('', 'Where the time to first frame goes (viewer page timeline)', renderTable(breakdown));

  out.push('', 'Glass-to-glass latency, ms (median / p90 (frames)); picture shown by the viewer');
  const latencyRows: string[][] = [['format', ...KINDS.map((k) => SUBJECT_LABELS[k])]];
  for (const [format, bySubject] of Object.entries(r.latency ?? {})) {
    latencyRows.push([format, ...KINDS.map((k) => showSummary(bySubject[k]?.summary, 1))]);
    latencyRows.push([
      '  shown at',
      ...KINDS.map((k) => {
        const run = bySubject[k];
        if (!run) return '';
        if (run.error && run.summary.n === 0) return `error: ${run.error.slice(0, 40)}`;
        const windows = run.failedWindows || run.skippedWindows ? ` [${run.windows} windows, ${run.failedWindows} failed, ${run.skippedWindows} not run]` : '';
        const sender = run.sender ? `, sent ${run.sender.width}x${run.sender.height}@${run.sender.fps}${run.sender.limitation && run.sender.limitation !== 'none' ? ` (${run.sender.limitation}-limited)` : ''}` : '';
        return `${run.lastSize}${sender}${windows}`;
      }),
    ]);
  }
  out.push(renderTable(latencyRows));

  out.push('', 'Signaling capacity (each server alone in a child process, both without TLS; rounds alternate ours/stock; medians over rounds)');
  const cap = r.capacity?.summary;
  const at = cap ? cap.ours.compareAt.toLocaleString('en-US') : '?';
  const counters = r.capacity?.rounds.ours.findLast((x) => x.counters)?.counters;
  out.push(
    renderTable([
      ['', 'pawcam peer-server', 'stock peer'],
      ['rounds (failed)', cap ? `${cap.ours.rounds} (${cap.ours.failedRounds})` : '—', cap ? `${cap.stock.rounds} (${cap.stock.failedRounds})` : '—'],
      ['cameras held', num(cap?.ours.held), num(cap?.stock.held)],
      ['ramp stopped by', cap?.ours.firstFailure ?? (cap ? 'nothing: target reached' : '—'), cap?.stock.firstFailure ?? (cap ? 'nothing: target reached' : '—')].map((s) => s.slice(0, 90)),
      [`RSS per connection at ${at} cameras`, kb(cap?.ours.rssPerConnAtCompareBytes), kb(cap?.stock.rssPerConnAtCompareBytes)],
      ['RSS per connection at cameras held', kb(cap?.ours.rssPerConnBytes), kb(cap?.stock.rssPerConnBytes)],
      ['relayed frames / s', num(cap?.ours.relayPerSecond), num(cap?.stock.relayPerSecond)],
      ['relayed frames / server CPU-s', num(cap?.ours.relayPerCpuSecond), num(cap?.stock.relayPerCpuSecond)],
      ['open-file limit', num(cap?.ours.fileLimit), num(cap?.stock.fileLimit)],
    ]),
  );
  for (const kind of ['ours', 'stock'] as const) {
    for (const round of r.capacity?.rounds[kind] ?? []) if (round.error) out.push(`  ${kind} round failed: ${round.error.slice(0, 120)}`);
  }
  if (cap) out.push(`  pawcam: ${cap.ours.config}`, `  stock: ${cap.stock.config}`);
  if (counters) out.push(`  pawcam's guard over a round: ${num(counters.direct)} frames relayed directly, ${num(counters.viaPeerServer)} through PeerServer (heartbeats, absent peers), ${num(counters.dropped)} dropped`);
  const profiles = [...renderProfile('Where pawcam\'s relay time went', cap?.ours.profile), ...renderProfile('Where the stock relay time went', cap?.stock.profile)];
  if (profiles.length > 0) out.push('', 'Relay CPU profiles (a second, profiled relay window after the measured one)', ...profiles);

  out.push('', 'Weight');
  const cpu = r.cpu;
  const cpuCell = (c: CameraCpu | undefined): string =>
    c ? `${c.rendererCpuPerSecond.toFixed(3)} core (${c.rendererCpuSeconds.toFixed(2)} s in ${c.windowSeconds.toFixed(0)} s${c.sender ? `; sent ${c.sender.width}x${c.sender.height}@${c.sender.fps}` : ''})` : '—';
  out.push(
    renderTable([
      ['', 'pawcam', 'PeerJS baseline'],
      ['camera page JS+CSS, gzip', r.weight.camera ? `${kb(r.weight.camera.gzipBytes)} (${r.weight.camera.files.length} files, ${kb(r.weight.camera.bytes)} raw)` : '—', ''],
      ['web viewer JS+CSS, gzip', r.weight.viewer ? `${kb(r.weight.viewer.gzipBytes)} (${r.weight.viewer.files.length} files, ${kb(r.weight.viewer.bytes)} raw)` : '—', ''],
      ['camera renderer CPU, 720p30 → 1 viewer', cpuCell(cpu?.ours), cpuCell(cpu?.peerjs)],
    ]),
  );

  out.push(...renderStandby(r));

  out.push('', 'Ratios (pawcam / baseline)');
  out.push(renderTable([['ratio', 'value'], ...Object.entries(r.ratios).map(([name, value]) => [name, value === null ? '—' : value.toFixed(2)])]));

  out.push('', 'Budgets (never fail the process)');
  out.push(renderTable([['', 'budget', 'pawcam', 'limit', 'missed by'], ...r.budgets.map((b) => [verdict(b), b.what, showBudgetValue(b.actual, b.unit), showBudgetValue(b.limit, b.unit), b.miss])]));

  if (r.skipped.length > 0) {
    out.push('', 'Skipped');
    for (const s of r.skipped) out.push(`  - ${s.what}: ${s.reason}`);
  }
  if (r.notes.length > 0) {
    out.push('', 'Notes');
    for (const n of r.notes) out.push(`  - ${n}`);
  }
  return out.join('\n');
}

function kbps(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)} kbit/s`;
}

function mb(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '—' : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** What a standby link costs: the camera's CPU and upload per standby viewer, and the viewer's memory. */
export function renderStandby(r: Pick<BenchResults, 'cpu' | 'standby'>): string[] {
  const out: string[] = ['', 'Standby link: what one viewer on standby costs the camera (same camera page, same viewer, same run)'];
  const live = r.cpu?.ours;
  const standby = r.cpu?.oursStandby;
  const alone = r.cpu?.oursIdle;
  const core = (c: CameraCpu | undefined): string => (c ? `${c.rendererCpuPerSecond.toFixed(3)} core (${c.rendererCpuSeconds.toFixed(2)} s in ${c.windowSeconds.toFixed(0)} s)` : '—');
  const picture = (c: CameraCpu | undefined): string => (c?.sender ? `${c.sender.width}x${c.sender.height}@${c.sender.fps}` : '—');
  const ratio = live && standby && live.rendererCpuPerSecond > 0 ? `${(standby.rendererCpuPerSecond / live.rendererCpuPerSecond).toFixed(2)}×` : '—';
  out.push(
    renderTable([
      ['camera page', 'no viewer', '1 viewer on standby', '1 viewer watching live', 'standby / live'],
      ['renderer CPU', core(alone), core(standby), core(live), ratio],
      ['upload, RTP media (outbound-rtp)', kbps(alone?.upload?.mediaKbps), kbps(standby?.upload?.mediaKbps), kbps(live?.upload?.mediaKbps), ''],
      ['upload, all (transport: + RTCP, data channel, ICE)', kbps(alone?.upload?.transportKbps), kbps(standby?.upload?.transportKbps), kbps(live?.upload?.transportKbps), ''],
      ['video sent (end of window)', picture(alone), picture(standby), picture(live), ''],
    ]),
  );
  const detect = r.cpu?.oursDetect;
  if (detect) {
    const over = standby && standby.rendererCpuPerSecond > 0 ? `, ${(detect.rendererCpuPerSecond / standby.rendererCpuPerSecond).toFixed(2)}× the same page with detection off` : '';
    out.push(`With motion and sound detection on (one viewer on standby): ${core(detect)}${over}.`);
  }
  const s = r.standby;
  if (!s) return out;
  const cell = (m: ViewerMemory | null): string[] => (m ? [`${mb(m.rendererBytes)} (${m.renderers})`, mb(m.browserBytes), mb(m.jsHeapUsedBytes)] : ['—', '—', '—']);
  const title =
    s.linked < s.cameras
      ? `Viewer memory: ONLY ${s.linked} of ${s.cameras} cameras on standby could be measured here (see the problems below)`
      : `Viewer memory with ${s.linked} cameras on standby`;
  out.push('', `${title} (camera pages paint ${s.cameraSource.width}x${s.cameraSource.height}@${s.cameraSource.fps}; ${s.loaded?.measure ?? s.empty?.measure ?? 'private'} memory of the viewer browser's processes)`);
  out.push(
    renderTable([
      ['viewer', 'renderers (count)', 'whole browser', 'JS heap used'],
      ['no camera', ...cell(s.empty)],
      [`${s.linked} standby links`, ...cell(s.loaded)],
      ['per camera on standby (renderer)', s.perCameraBytes === null ? '—' : mb(s.perCameraBytes), '', ''],
    ]),
  );
  for (const p of s.problems) out.push(`  ${p}`);
  return out;
}
