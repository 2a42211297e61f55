/** How a watch is connected, from a peer connection's getStats(): route, round trip, bitrate, picture. Pure. */

/** What the stats overlay shows. */
export interface ConnectionStats {
  /** Through a TURN relay, or straight between the two devices; null until a candidate pair is selected. */
  readonly route: 'direct' | 'relayed' | null;
  /** Candidate types of the selected pair (host, srflx, prflx, relay). */
  readonly localType: string | null;
  readonly remoteType: string | null;
  /** udp or tcp, as the local candidate says. */
  readonly protocol: string | null;
  readonly rttMs: number | null;
  /** Inbound video, kilobits per second, over the last sample interval. */
  readonly videoKbps: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly fps: number | null;
}

/** What the next sample needs from this one (for the bitrate). */
export interface StatsSample {
  readonly bytes: number;
  /** Stats timestamp, ms. */
  readonly at: number;
}

type StatsRecord = Record<string, unknown>;

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Summarise one getStats() report (its records) given the previous sample. */
export function summarizeStats(records: Iterable<StatsRecord>, previous: StatsSample | null): { stats: ConnectionStats; sample: StatsSample | null } {
  const byId = new Map<string, StatsRecord>();
  const all: StatsRecord[] = [];
  for (const record of records) {
    all.push(record);
    const id = str(record['id']);
    if (id) byId.set(id, record);
  }

  const pair = selectedPair(all, byId);
  const local = pair ? byId.get(str(pair['localCandidateId']) ?? '') : undefined;
  const remote = pair ? byId.get(str(pair['remoteCandidateId']) ?? '') : undefined;
  const localType = str(local?.['candidateType']);
  const remoteType = str(remote?.['candidateType']);
  const route = localType === null && remoteType === null ? null : localType === 'relay' || remoteType === 'relay' ? 'relayed' : 'direct';
  const rtt = num(pair?.['currentRoundTripTime']);

  const video = all.find((r) => r['type'] === 'inbound-rtp' && (r['kind'] ?? r['mediaType']) === 'video');
  const bytes = num(video?.['bytesReceived']);
  const at = num(video?.['timestamp']);
  let videoKbps: number | null = null;
  if (bytes !== null && at !== null && previous && at > previous.at && bytes >= previous.bytes) {
    // bits per millisecond is kilobits per second.
    videoKbps = Math.round(((bytes - previous.bytes) * 8) / (at - previous.at));
  }

  return {
    stats: {
      route,
      localType,
      remoteType,
      protocol: str(local?.['protocol']),
      rttMs: rtt === null ? null : Math.round(rtt * 1000),
      videoKbps,
      width: num(video?.['frameWidth']),
      height: num(video?.['frameHeight']),
      fps: num(video?.['framesPerSecond']),
    },
    sample: bytes !== null && at !== null ? { bytes, at } : null,
  };
}

function selectedPair(all: StatsRecord[], byId: Map<string, StatsRecord>): StatsRecord | undefined {
  // Chrome and Safari name the pair on the transport; Firefox marks it `selected`.
  for (const record of all) {
    if (record['type'] !== 'transport') continue;
    const pair = byId.get(str(record['selectedCandidatePairId']) ?? '');
    if (pair) return pair;
  }
  const pairs = all.filter((r) => r['type'] === 'candidate-pair');
  return pairs.find((p) => p['selected'] === true) ?? pairs.find((p) => p['nominated'] === true && p['state'] === 'succeeded');
}

/** A bitrate in words: 850 kb/s, 2.4 Mb/s. */
export function formatKbps(kbps: number): string {
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mb/s` : `${kbps} kb/s`;
}
