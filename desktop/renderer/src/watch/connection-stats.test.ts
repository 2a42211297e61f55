import { describe, expect, it } from 'vitest';
import { formatKbps, summarizeStats } from './connection-stats.ts';

const candidates = (local: string, remote: string) => [
  { id: 'L', type: 'local-candidate', candidateType: local, protocol: 'udp' },
  { id: 'R', type: 'remote-candidate', candidateType: remote },
];

describe('summarizeStats', () => {
  it('finds the selected pair through the transport (Chrome, Safari) and calls a host pair direct', () => {
    const { stats } = summarizeStats(
      [
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
        { id: 'P1', type: 'candidate-pair', localCandidateId: 'X', remoteCandidateId: 'Y', nominated: true, state: 'succeeded' },
        { id: 'P2', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.0125 },
        { id: 'X', type: 'local-candidate', candidateType: 'relay' },
        ...candidates('host', 'srflx'),
      ],
      null,
    );
    expect(stats).toMatchObject({ route: 'direct', localType: 'host', remoteType: 'srflx', protocol: 'udp', rttMs: 13 });
  });

  it('calls a pair relayed when either end is a relay candidate (Firefox marks the pair `selected`)', () => {
    const { stats } = summarizeStats(
      [{ id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', selected: true }, ...candidates('host', 'relay')],
      null,
    );
    expect(stats.route).toBe('relayed');
  });

  it('has no route before a pair is selected, and ignores junk', () => {
    const { stats, sample } = summarizeStats([{ id: 'P', type: 'candidate-pair', state: 'in-progress' }, { type: 42 }, {}], null);
    expect(stats).toEqual({ route: null, localType: null, remoteType: null, protocol: null, rttMs: null, videoKbps: null, width: null, height: null, fps: null });
    expect(sample).toBeNull();
  });

  it('computes the inbound video bitrate from two samples', () => {
    const video = (bytes: number, at: number) => ({ id: 'V', type: 'inbound-rtp', kind: 'video', bytesReceived: bytes, timestamp: at, frameWidth: 1280, frameHeight: 720, framesPerSecond: 29.7 });
    const first = summarizeStats([video(10_000, 1000)], null);
    expect(first.stats.videoKbps).toBeNull();
    const second = summarizeStats([video(260_000, 3000)], first.sample);
    expect(second.stats).toMatchObject({ videoKbps: 1000, width: 1280, height: 720, fps: 29.7 });
    // A reset counter (a new connection) does not make a negative rate.
    expect(summarizeStats([video(5, 4000)], second.sample).stats.videoKbps).toBeNull();
  });

  it('formats bitrates', () => {
    expect(formatKbps(850)).toBe('850 kb/s');
    expect(formatKbps(2400)).toBe('2.4 Mb/s');
  });
});
