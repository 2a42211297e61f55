import { describe, expect, it } from 'vitest';
import { fromWireSignal, toWireSignal } from '../../../protocol/envelope.ts';
import { FakeStream, FakeTrack } from '../../../protocol/testing/media.ts';
import { onRemoteTrack, peerConnectionOf } from '../media/peer-media.ts';
import { AnsweringRtcPeer } from './answering-peer.ts';

/** An RTCDataChannel the viewer created, as the answerer receives it. */
class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting';
  binaryType = 'blob';
  readonly sent: string[] = [];
  send(data: string): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: not open');
    this.sent.push(data);
  }
  /** Like the browser: close() fires no event on the side that calls it before the peer confirms; tests say when. */
  close(): void {
    this.readyState = 'closed';
  }
  open(): void {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }
  receive(data: string | ArrayBuffer): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
  closedByViewer(): void {
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}

interface FakeTransceiver {
  mid: string | null;
  kind: string;
  sender: { track: FakeTrack | null };
}

/**
 * An RTCPeerConnection: associates added tracks with the offer's m-lines of their kind, as JSEP does; answers with a
 * recognisable SDP; records candidates; never fires state events by itself (tests drive them).
 */
class FakeRtcConnection extends EventTarget {
  remoteDescription: RTCSessionDescriptionInit | null = null;
  localDescription: RTCSessionDescriptionInit | null = null;
  iceConnectionState: RTCIceConnectionState = 'new';
  connectionState: RTCPeerConnectionState = 'new';
  readonly transceivers: FakeTransceiver[] = [];
  readonly added: RTCIceCandidateInit[] = [];
  readonly addedTracks: { track: FakeTrack; remoteDescriptionSet: boolean }[] = [];
  closed = false;
  failRemote: Error | null = null;
  failCandidates: Error | null = null;
  answers = 0;

  constructor(readonly config: RTCConfiguration) {
    super();
  }
  addTrack(track: FakeTrack): unknown {
    this.addedTracks.push({ track, remoteDescriptionSet: this.remoteDescription !== null });
    const transceiver: FakeTransceiver = { mid: null, kind: track.kind, sender: { track } };
    this.transceivers.push(transceiver);
    return transceiver.sender;
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.failRemote) throw this.failRemote;
    this.remoteDescription = description;
    const kinds = [...(description.sdp ?? '').matchAll(/^m=(\w+)/gm)].map((m) => m[1]);
    kinds.forEach((kind, index) => {
      const mid = String(index);
      if (this.transceivers.some((t) => t.mid === mid)) return;
      const free = this.transceivers.find((t) => t.mid === null && t.kind === kind);
      if (free) free.mid = mid;
      else this.transceivers.push({ mid, kind: kind ?? '', sender: { track: null } });
    });
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    await Promise.resolve();
    this.answers++;
    return { type: 'answer', sdp: `answer ${this.answers} to ${this.remoteDescription?.sdp ?? ''}` };
  }
  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    this.localDescription = description;
  }
  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await Promise.resolve();
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    if (this.failCandidates) throw this.failCandidates;
    this.added.push(candidate);
  }
  getSenders(): { track: FakeTrack | null }[] {
    return this.transceivers.map((t) => t.sender);
  }
  close(): void {
    this.closed = true;
    this.iceConnectionState = 'closed';
  }
  ice(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.dispatchEvent(new Event('iceconnectionstatechange'));
  }
  connection(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
  announce(channel: FakeChannel): void {
    this.dispatchEvent(Object.assign(new Event('datachannel'), { channel }));
  }
  gather(candidate: RTCIceCandidateInit | null): void {
    const full = candidate && { usernameFragment: 'ufrag', address: null, ...candidate };
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: full }));
  }
  trackFromViewer(track: FakeTrack): void {
    this.dispatchEvent(Object.assign(new Event('track'), { track }));
  }
}

const OFFER_SDP = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
const HOST = { candidate: 'candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host', sdpMLineIndex: 0, sdpMid: '0' };

/** What the camera relays: every signal the peer emits must survive protocol/envelope.ts both ways. */
function relayed(signal: object): object {
  const wire = toWireSignal(signal);
  expect(wire, `camera-sessions would drop ${JSON.stringify(signal)}`).not.toBeNull();
  return fromWireSignal(wire!);
}

function setUp(tracks = [new FakeTrack('video'), new FakeTrack('audio')]) {
  let pc: FakeRtcConnection | null = null;
  const stream = new FakeStream(tracks);
  const config: RTCConfiguration = { iceServers: [], iceTransportPolicy: 'all' };
  const peer = new AnsweringRtcPeer({ initiator: false, trickle: true, stream: stream.asStream, config }, (c) => {
    pc = new FakeRtcConnection(c);
    return pc as unknown as RTCPeerConnection;
  });
  const signals: object[] = [];
  const data: unknown[] = [];
  const events: string[] = [];
  const errors: Error[] = [];
  peer.on('signal', (s) => signals.push(relayed(s)));
  peer.on('data', (d) => data.push(d));
  peer.on('connect', () => events.push('connect'));
  peer.on('close', () => events.push('close'));
  peer.on('error', (e) => {
    events.push('error');
    errors.push(e);
  });
  const answered = (count = 1): Promise<void> => until(() => signals.filter((s) => (s as { type?: string }).type === 'answer').length >= count);
  return { peer, pc: pc! as FakeRtcConnection, stream, tracks, config, signals, data, events, errors, answered };
}

/** Let the fakes' promise chains run until `done` (bounded). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 0));
  expect(done()).toBe(true);
}

async function connected(offerSdp = OFFER_SDP) {
  const setup = setUp();
  setup.peer.signal({ type: 'offer', sdp: offerSdp });
  await setup.answered();
  const channel = new FakeChannel();
  setup.pc.announce(channel);
  channel.open();
  setup.pc.ice('connected');
  expect(setup.events).toEqual(['connect']);
  return { ...setup, channel };
}

describe('AnsweringRtcPeer: the camera answering a simple-peer 9 viewer', () => {
  it('answers an offer with the camera tracks on the offered lines, in simple-peer\'s signal shape', async () => {
    const { peer, pc, signals, answered, tracks, config } = setUp();
    expect(peerConnectionOf(peer)).toBe(pc);
    expect(pc.config).toBe(config);
    // Added before the offer, so they take the viewer's video and talk-back audio lines instead of new ones.
    expect(pc.addedTracks).toEqual([
      { track: tracks[0], remoteDescriptionSet: false },
      { track: tracks[1], remoteDescriptionSet: false },
    ]);

    peer.signal(fromWireSignal({ type: 'offer', sdp: OFFER_SDP }));
    await answered();

    expect(signals).toEqual([{ type: 'answer', sdp: `answer 1 to ${OFFER_SDP}` }]);
    expect(pc.remoteDescription).toEqual({ type: 'offer', sdp: OFFER_SDP });
    expect(pc.localDescription).toEqual(signals[0]);
    expect(pc.transceivers.map((t) => [t.mid, t.sender.track])).toEqual([['0', tracks[0]], ['1', tracks[1]], ['2', null]]);
  });

  it('holds the viewer\'s candidates until its offer is set, then adds them in order', async () => {
    const { peer, pc, answered } = setUp();
    const second = { ...HOST, candidate: HOST.candidate.replace('50000', '50001') };
    peer.signal(fromWireSignal({ type: 'candidate', candidate: HOST }));
    peer.signal(fromWireSignal({ type: 'candidate', candidate: second }));
    expect(pc.added).toEqual([]);

    peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await answered();
    await until(() => pc.added.length === 2);
    expect(pc.added).toEqual([HOST, second]);

    const third = { ...HOST, candidate: HOST.candidate.replace('50000', '50002') };
    peer.signal({ type: 'candidate', candidate: third });
    await until(() => pc.added.length === 3);
    expect(pc.added[2]).toEqual(third);
  });

  it('trickles its own candidates as simple-peer does, and nothing for the end of gathering', async () => {
    const { peer, pc, signals, answered } = setUp();
    peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await answered();
    pc.gather(HOST);
    pc.gather(null);
    expect(signals.slice(1)).toEqual([{ type: 'candidate', candidate: HOST }]);
  });

  it('connects only once ICE is connected and the viewer\'s data channel is open, in either order', async () => {
    const first = setUp();
    first.peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await first.answered();
    const channel = new FakeChannel();
    first.pc.announce(channel);
    first.pc.ice('checking');
    first.pc.ice('connected');
    expect(first.events).toEqual([]);
    channel.open();
    expect(first.events).toEqual(['connect']);
    expect(channel.binaryType).toBe('arraybuffer');

    const second = setUp();
    second.peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await second.answered();
    const early = new FakeChannel();
    second.pc.announce(early);
    early.open();
    expect(second.events).toEqual([]);
    second.pc.ice('completed');
    second.pc.ice('connected');
    expect(second.events).toEqual(['connect']);
  });

  it('counts a channel that is already open when it is announced (no open event follows in some engines)', async () => {
    const { peer, pc, events, answered } = setUp();
    peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await answered();
    pc.ice('connected');
    const channel = new FakeChannel();
    channel.readyState = 'open';
    pc.announce(channel);
    expect(events).toEqual(['connect']);
  });

  it('sends text frames and hands over the viewer\'s frames (text as text, binary as bytes)', async () => {
    const { peer, channel, data } = await connected();
    peer.send('{"t":"hello","name":"Kitchen"}');
    expect(channel.sent).toEqual(['{"t":"hello","name":"Kitchen"}']);

    channel.receive('{"t":"link","mode":"live"}');
    channel.receive(new TextEncoder().encode('{"t":"ping"}').buffer);
    expect(data[0]).toBe('{"t":"link","mode":"live"}');
    expect(new TextDecoder().decode(data[1] as Uint8Array)).toBe('{"t":"ping"}');
  });

  it('refuses to send before the channel exists or after the end (camera-sessions catches it)', async () => {
    const { peer } = setUp();
    expect(() => peer.send('x')).toThrow(/not open/);
    const live = await connected();
    live.peer.destroy();
    expect(() => live.peer.send('x')).toThrow(/not open/);
  });

  it('closes when the viewer closes the channel, once, without an error', async () => {
    const { channel, pc, events } = await connected();
    channel.closedByViewer();
    await until(() => events.includes('close'));
    expect(events).toEqual(['connect', 'close']);
    expect(pc.closed).toBe(true);
    pc.ice('failed');
    await Promise.resolve();
    expect(events).toEqual(['connect', 'close']);
  });

  it.each([
    ['ICE failing', (pc: FakeRtcConnection) => pc.ice('failed')],
    ['ICE closing', (pc: FakeRtcConnection) => pc.ice('closed')],
    ['the connection failing', (pc: FakeRtcConnection) => pc.connection('failed')],
  ])('reports an error, then close, on %s', async (_what, fail) => {
    const { pc, channel, events, errors } = await connected();
    fail(pc);
    await until(() => events.includes('close'));
    expect(events).toEqual(['connect', 'error', 'close']);
    expect(errors[0]).toMatchObject({ code: 'connection-failed' });
    expect(pc.closed).toBe(true);
    expect(channel.readyState).toBe('closed');
  });

  it('ignores ICE disconnected (it may come back), as simple-peer does', async () => {
    const { pc, events } = await connected();
    pc.ice('disconnected');
    pc.ice('connected');
    await Promise.resolve();
    expect(events).toEqual(['connect']);
  });

  it('reports an error for an offer the browser refuses, and for a signal with nothing in it', async () => {
    const refused = setUp();
    refused.pc.failRemote = new Error('InvalidAccessError: bad fingerprint');
    refused.peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await until(() => refused.events.includes('close'));
    expect(refused.events).toEqual(['error', 'close']);
    expect(refused.errors[0]?.message).toMatch(/bad fingerprint/);
    expect(refused.signals).toEqual([]);

    const empty = setUp();
    empty.peer.signal({ type: 'offer' });
    await until(() => empty.events.includes('close'));
    expect(empty.events).toEqual(['error', 'close']);
    expect(empty.errors[0]).toMatchObject({ code: 'malformed-message' });
  });

  it('skips a candidate the browser cannot use (mDNS), but fails on a real address it refuses', async () => {
    const { peer, pc, events, answered } = setUp();
    peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await answered();
    pc.failCandidates = new Error('OperationError: unknown ufrag');
    peer.signal({ type: 'candidate', candidate: { ...HOST, candidate: 'candidate:1 1 udp 2122260223 0d1e8f-c1.local 50000 typ host' } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events).toEqual([]);
    peer.signal({ type: 'candidate', candidate: HOST });
    await until(() => events.includes('close'));
    expect(events).toEqual(['error', 'close']);
  });

  it('ignores an initiator\'s requests (renegotiate, transceiverRequest), as an answering simple-peer does', async () => {
    const { peer, events, signals } = setUp();
    peer.signal(fromWireSignal({ type: 'renegotiate', renegotiate: true }));
    peer.signal(fromWireSignal({ type: 'transceiverRequest', transceiverRequest: { kind: 'audio' } }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events).toEqual([]);
    expect(signals).toEqual([]);
  });

  it('answers a re-offer inside a live session on the same connection', async () => {
    const { peer, pc, signals, events, answered } = await connected();
    const reoffer = `${OFFER_SDP}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n`;
    peer.signal({ type: 'offer', sdp: reoffer });
    await answered(2);
    expect(signals.at(-1)).toEqual({ type: 'answer', sdp: `answer 2 to ${reoffer}` });
    expect(pc.remoteDescription?.sdp).toBe(reoffer);
    expect(events).toEqual(['connect']);
  });

  it('asks the viewer for a line for a camera track its offer had no line for', async () => {
    const { peer, signals, answered } = setUp();
    peer.signal({ type: 'offer', sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n' });
    await answered();
    expect(signals.slice(1)).toEqual([{ transceiverRequest: { kind: 'audio' } }]);
    // Asked once: the answer to the re-offer that adds the line asks nothing more.
    peer.signal({ type: 'offer', sdp: OFFER_SDP });
    await answered(2);
    expect(signals.slice(2)).toEqual([signals.at(-1)]);
    expect(signals.at(-1)).toMatchObject({ type: 'answer' });
  });

  it('hands the viewer\'s talk-back track to listeners on its connection', async () => {
    const { peer, pc } = setUp();
    const heard: unknown[] = [];
    onRemoteTrack(peerConnectionOf(peer)!, (track) => heard.push(track));
    const mic = new FakeTrack('audio');
    pc.trackFromViewer(mic);
    expect(heard).toEqual([mic]);
  });

  it('destroy() closes channel and connection, emits close once, and ignores everything after', async () => {
    const { peer, pc, channel, events, signals } = await connected();
    peer.destroy();
    expect(pc.closed).toBe(true);
    expect(channel.readyState).toBe('closed');
    peer.destroy();
    await until(() => events.includes('close'));
    expect(events).toEqual(['connect', 'close']);

    const count = signals.length;
    expect(() => peer.signal({ type: 'offer', sdp: OFFER_SDP })).not.toThrow();
    pc.gather(HOST);
    channel.receive('late');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(signals).toHaveLength(count);
    expect(events).toEqual(['connect', 'close']);
  });

  it('reports an error when the browser cannot make a connection, and has none', async () => {
    const stream = new FakeStream([new FakeTrack('video')]);
    const peer = new AnsweringRtcPeer({ initiator: false, trickle: true, stream: stream.asStream, config: {} }, () => {
      throw new Error('NotSupportedError');
    });
    const events: string[] = [];
    peer.on('error', () => events.push('error'));
    peer.on('close', () => events.push('close'));
    await until(() => events.includes('close'));
    expect(events).toEqual(['error', 'close']);
    expect(peerConnectionOf(peer)).toBeNull();
    expect(() => peer.destroy()).not.toThrow();
  });
});
