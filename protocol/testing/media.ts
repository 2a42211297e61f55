/**
 * Fakes of the browser's media objects for unit tests (vitest runs in Node, which has none of them). Only what the
 * camera code touches; each records what was done to it.
 */
let nextId = 1;

/** A MediaStreamTrack. `capabilities: null` makes a track without getCapabilities (Safari 14). */
export class FakeTrack {
  readonly id = `track-${nextId++}`;
  readonly kind: 'audio' | 'video';
  readyState: 'live' | 'ended' = 'live';
  enabled = true;
  settings: MediaTrackSettings;
  readonly applied: MediaTrackConstraints[] = [];
  applyError: Error | null = null;
  stopped = false;
  readonly #listeners = new Map<string, (() => void)[]>();

  constructor(kind: 'audio' | 'video', options: { settings?: MediaTrackSettings; capabilities?: Record<string, unknown> | null } = {}) {
    this.kind = kind;
    this.settings = { deviceId: 'camera-0', width: 1280, height: 720, frameRate: 30, ...options.settings };
    const capabilities = options.capabilities === undefined ? {} : options.capabilities;
    if (capabilities !== null) (this as unknown as { getCapabilities: () => unknown }).getCapabilities = () => capabilities;
  }

  getSettings(): MediaTrackSettings {
    return this.settings;
  }

  async applyConstraints(constraints: MediaTrackConstraints): Promise<void> {
    this.applied.push(constraints);
    if (this.applyError) throw this.applyError;
    const ideal = (c: unknown): number | undefined => (typeof c === 'object' && c !== null ? (c as { ideal?: number }).ideal : undefined);
    this.settings = {
      ...this.settings,
      width: ideal(constraints.width) ?? this.settings.width,
      height: ideal(constraints.height) ?? this.settings.height,
      frameRate: ideal(constraints.frameRate) ?? this.settings.frameRate,
    };
  }

  stop(): void {
    this.stopped = true;
    this.readyState = 'ended';
  }

  /** A new track of the same source (what MediaStreamTrack.clone() gives). */
  clone(): FakeTrack {
    const copy = new FakeTrack(this.kind, { settings: this.settings });
    copy.clonedFrom = this;
    return copy;
  }

  /** The track this one was cloned from. */
  clonedFrom: FakeTrack | null = null;

  /** The OS ends the track (fires `ended`, unlike stop()). */
  end(): void {
    this.readyState = 'ended';
    for (const fn of this.#listeners.get('ended') ?? []) fn();
  }

  addEventListener(type: string, fn: () => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), fn]);
  }

  removeEventListener(type: string, fn: () => void): void {
    this.#listeners.set(type, (this.#listeners.get(type) ?? []).filter((f) => f !== fn));
  }

  get asTrack(): MediaStreamTrack {
    return this as unknown as MediaStreamTrack;
  }
}

/** A MediaStream. */
export class FakeStream {
  tracks: FakeTrack[];
  constructor(tracks: FakeTrack[]) {
    this.tracks = [...tracks];
  }
  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
  removeTrack(track: FakeTrack): void {
    this.tracks = this.tracks.filter((t) => t !== track);
  }
  get asStream(): MediaStream {
    return this as unknown as MediaStream;
  }
}

/** An RTCRtpSender. `setParameters: false` makes one without it (Safari 14). */
export class FakeSender {
  track: FakeTrack | null;
  readonly replaced: FakeTrack[] = [];
  readonly parameterCalls: RTCRtpSendParameters[] = [];
  encodings: RTCRtpEncodingParameters[] = [{}];
  replaceError: Error | null = null;
  /** Refuse any parameters that set maxFramerate (older engines). */
  refuseFramerate = false;
  /** Refuse any parameters that set `active` (an engine that cannot pause a sender). */
  refuseActive = false;
  stats: Record<string, unknown>[] = [];

  constructor(track: FakeTrack | null, options: { setParameters?: boolean } = {}) {
    this.track = track;
    if (options.setParameters === false) {
      (this as unknown as { setParameters: undefined }).setParameters = undefined;
    }
  }

  async replaceTrack(track: FakeTrack): Promise<void> {
    if (this.replaceError) throw this.replaceError;
    this.replaced.push(track);
    this.track = track;
  }

  getParameters(): RTCRtpSendParameters {
    return { encodings: this.encodings.map((e) => ({ ...e })), transactionId: 't', codecs: [], headerExtensions: [], rtcp: {} };
  }

  async setParameters(parameters: RTCRtpSendParameters): Promise<void> {
    if (this.refuseFramerate && parameters.encodings.some((e) => e.maxFramerate !== undefined)) throw new Error('InvalidModificationError');
    if (this.refuseActive && parameters.encodings.some((e) => e.active !== undefined)) throw new Error('InvalidModificationError');
    this.parameterCalls.push(parameters);
    this.encodings = parameters.encodings;
  }

  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    return new Map(this.stats.map((s, i) => [String(i), s]));
  }
}

/** An RTCPeerConnection, as far as peer-media.ts reaches. */
export class FakePc {
  readonly senders: FakeSender[];
  readonly #trackListeners: ((event: { track: FakeTrack }) => void)[] = [];

  constructor(senders: FakeSender[]) {
    this.senders = senders;
  }
  getSenders(): FakeSender[] {
    return this.senders;
  }
  addEventListener(type: string, fn: (event: { track: FakeTrack }) => void): void {
    if (type === 'track') this.#trackListeners.push(fn);
  }
  /** The viewer's track arrives. */
  receive(track: FakeTrack): void {
    for (const fn of this.#trackListeners) fn({ track });
  }
  get asPc(): RTCPeerConnection {
    return this as unknown as RTCPeerConnection;
  }
}

/** A simple-peer instance as peer-media.ts sees it: only its `_pc`. */
export function fakePeerWith(pc: FakePc): object {
  return { _pc: pc };
}
