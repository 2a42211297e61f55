import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pairMacKey, signPong } from '../../../protocol/auth.ts';
import { randomBytes } from '../../../protocol/crypto.ts';
import type { CameraEntry, PawcamApi, ViewerCommand, ViewerSettings } from '../../../protocol/ipc.ts';
import { PawcamError } from '../../../protocol/errors.ts';
import { configureLogging } from '../../../protocol/log.ts';
import { cameraStartPairing } from '../../../protocol/pairing.ts';
import { WebPairKeyStore, memoryKeyRows } from './pairing/pair-key-store.ts';
import { Settings, defaultSettings } from './settings/settings.ts';
import { FakeTransport } from '../../../protocol/testing/transport.ts';
import { VIEWER_MESSAGES } from './messages.ts';
import { Viewer } from './viewer.ts';
import type { DialedPeer, EndReason, SimplePeerLike, Watch, WatchEvents, WatchPhase } from './watch/types.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import type { CameraStatus } from '../../../protocol/messages.ts';
import type { EventMessage } from '../../../protocol/event-messages.ts';
import { WatchSession } from './watch/watch-session.ts';

const CAM = `cam-${'a'.repeat(32)}`;

function fakeApi(cameras: CameraEntry[]) {
  let command: ((c: ViewerCommand) => void) | null = null;
  const reported: unknown[] = [];
  const api: PawcamApi = {
    getConfig: async () => ({ serverUrl: 'https://x.example', viewerId: 'viewer-1', viewerToken: '0'.repeat(32), viewerName: 'T', shell: 'desktop' }),
    listCameras: async () => cameras,
    saveCameras: async () => null,
    reportCameraStates: async (states) => {
      reported.push(states);
      return null;
    },
    saveSnapshot: async () => ({ ok: true, path: '/tmp/x.png' }),
    openMiniWindow: async () => null,
    openMainWindow: async () => null,
    closeWindow: async () => null,
    openExternal: async () => null,
    savePairKey: async () => null,
    macWithPairKey: async () => null,
    deletePairKey: async () => null,
    getSettings: async () => defaultSettings('T'),
    updateSettings: async (patch) => ({ ...defaultSettings('T'), ...patch }) as ViewerSettings,
    chooseSnapshotFolder: async () => null,
    getServerInfo: async () => ({ embedded: false, phoneUrls: ['https://x.example/'], fingerprint: null }),
    setAspectRatio: async () => null,
    onCommand: (listener) => {
      command = listener;
      return () => (command = null);
    },
  };
  return { api, reported, send: (c: unknown) => command?.(c as ViewerCommand) };
}

const peer = (): DialedPeer => ({
  peer: { on: () => undefined, signal: () => {}, send: () => {}, destroy: () => {} } satisfies SimplePeerLike,
  talkSender: null,
});

/** A standby link as the viewer drives it: records raise, lower, stop; the test moves it. */
class FakeLink extends TypedEmitter<WatchEvents> implements Watch {
  phase: WatchPhase = 'idle';
  stream: MediaStream | null = null;
  remoteName: string | null = null;
  endReason: EndReason | null = null;
  status: CameraStatus | null = null;
  raised: boolean;
  readonly calls: string[] = [];
  constructor(
    readonly cameraId: string,
    standby: boolean,
  ) {
    super();
    this.raised = !standby;
  }
  start(): void {
    this.calls.push('start');
    this.phase = 'connecting';
  }
  stop(): void {
    this.calls.push('stop');
    this.phase = 'ended';
  }
  raise(): void {
    this.calls.push('raise');
    this.raised = true;
  }
  lower(): void {
    this.calls.push('lower');
    this.raised = false;
  }
  cameraOffline(): void {
    this.calls.push('offline');
  }
  send(): boolean {
    return this.phase === 'live';
  }
  readonly sentEvents: EventMessage[] = [];
  sendEvent(message: EventMessage): boolean {
    if (this.phase !== 'live') return false;
    this.sentEvents.push(message);
    return true;
  }
  /** The camera's hello arrives on the link. */
  greet(name: string): void {
    this.emit('hello', name);
  }
  /** An event message arrives on the link. */
  deliverEvent(message: EventMessage): void {
    this.emit('event-message', message);
  }
  async stats(): Promise<null> {
    return null;
  }
  /** The camera's status arrives over the link. */
  report(message: CameraStatus): void {
    this.status = message;
    this.emit('message', message);
  }
  /** The link connected and the thumbnail arrived. */
  up(): void {
    this.phase = 'live';
    this.emit('live');
    this.stream = { id: `thumb-${this.cameraId}` } as unknown as MediaStream;
    this.emit('stream', this.stream);
  }
}

async function setup({ paired = true, links = false, cameras = [{ id: CAM, name: 'Kitchen', addedAt: 1 }], only }: { paired?: boolean; links?: boolean; cameras?: CameraEntry[]; only?: string } = {}) {
  const transport = new FakeTransport('connecting');
  const { api, reported, send } = fakeApi(cameras);
  const keys = new WebPairKeyStore(memoryKeyRows());
  const raw = randomBytes(32);
  const camKey = await pairMacKey(new Uint8Array(raw));
  if (paired) await keys.save(CAM, raw);
  const settings = new Settings(api, defaultSettings('Office PC'));
  const rendezvous: FakeTransport[] = [];
  const opened: FakeLink[] = [];
  const viewer = new Viewer({
    api,
    transport,
    keys,
    settings,
    standbyLinks: links,
    ...(only === undefined ? {} : { onlyCamera: only }),
    openWatch: (cameraId, { standby }) => {
      if (!links) return new WatchSession({ cameraId, viewerId: transport.id, transport, createPeer: peer, key: () => keys.load(cameraId) });
      const link = new FakeLink(cameraId, standby);
      opened.push(link);
      return link;
    },
    openRendezvous: (id) => {
      const t = new FakeTransport('connecting', id);
      rendezvous.push(t);
      return t;
    },
  });
  await viewer.start();
  /** The camera answers the latest ping with a signed pong (presence: online). */
  const pong = async (cameraId = CAM) => {
    await until(() => expect(transport.sentOf('ping').filter((p) => p.dst === cameraId).length).toBeGreaterThan(0));
    const nonce = transport.sentOf('ping').filter((p) => p.dst === cameraId).at(-1)!.envelope.nonce;
    const mac = await signPong(camKey, { viewerId: transport.id, cameraId, nonce }, 'Cat cam');
    transport.deliver(cameraId, { v: 1, kind: 'pong', nonce, name: 'Cat cam', mac });
  };
  return { transport, viewer, reported, send, keys, camKey, opened, pong, settings };
}

/** Let async work (signing, checking, storage) finish: real time, the fake clock stands still. */
async function until(check: () => void): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      check();
      return;
    } catch {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  check();
}

describe('Viewer', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));
  // setImmediate stays real: `until` uses it to let crypto and storage finish while the clock stands still.
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('connects, loads the cameras and shows presence from signed pongs', async () => {
    const { transport, viewer, camKey } = await setup();
    expect(transport.started).toBe(1);
    expect(viewer.model.cameras).toEqual([
      { id: CAM, name: 'Kitchen', state: 'unknown', presence: 'unknown', reportedName: null, paired: true, standby: null, thumbnail: null, battery: null, lastSeen: null },
    ]);
    transport.setState('open');
    expect(viewer.model.server.state).toBe('open');
    await until(() => expect(transport.sentOf('ping')).toHaveLength(1));
    const nonce = transport.sentOf('ping')[0]!.envelope.nonce;
    const mac = await signPong(camKey, { viewerId: transport.id, cameraId: CAM, nonce }, 'Cat cam');
    transport.deliver(CAM, { v: 1, kind: 'pong', nonce, name: 'Cat cam', mac });
    await until(() => expect(viewer.model.cameras[0]).toMatchObject({ state: 'online', reportedName: 'Cat cam' }));
  });

  it('shows a camera without a key as not paired', async () => {
    const { transport, viewer } = await setup({ paired: false });
    transport.setState('open');
    await until(() => expect(viewer.model.cameras[0]).toMatchObject({ paired: false, state: 'unknown' }));
    expect(transport.sentOf('ping')).toEqual([]);
  });

  it('pairs a camera from a link: its key is kept and it joins the list under its own name', async () => {
    const { transport, viewer, keys } = await setup();
    transport.setState('open');
    const ticket = viewer.pairing.createLink();
    const NEW = `cam-${'e'.repeat(32)}`;
    const camera = await cameraStartPairing(ticket.invitation, NEW, 'Porch');
    transport.deliver(NEW, { v: 1, ...camera.request });
    await until(() => expect(transport.sentOf('pair-accept')).toHaveLength(1));
    const { v: _v, ...accept } = transport.sentOf('pair-accept')[0]!.envelope;
    const finished = (await camera.finish(accept))!;
    transport.deliver(NEW, { v: 1, ...finished.done });
    await viewer.pairing.settled();
    expect(viewer.model.cameras.map((c) => [c.id, c.name])).toEqual([
      [CAM, 'Kitchen'],
      [NEW, 'Porch'],
    ]);
    expect(await keys.load(NEW)).not.toBeNull();
    expect(viewer.pairing.ticket(ticket.id)?.status).toMatchObject({ phase: 'paired', cameraName: 'Porch' });
  });

  it('forgets a camera: its key and its entry go', async () => {
    const { viewer, keys } = await setup();
    await viewer.forgetCamera(CAM);
    expect(viewer.model.cameras).toEqual([]);
    expect(await keys.load(CAM)).toBeNull();
  });

  it('shows watching while a watch runs and reports states to main', async () => {
    const { viewer, reported } = await setup();
    viewer.watch(CAM);
    expect(viewer.model.cameras[0]?.state).toBe('watching');
    expect(viewer.model.watch).toMatchObject({ cameraId: CAM, name: 'Kitchen', phase: 'connecting' });
    viewer.stopWatching();
    expect(viewer.model.watch).toBeNull();
    expect(viewer.model.cameras[0]?.state).toBe('unknown');
    expect(reported.at(-2)).toEqual([{ id: CAM, name: 'Kitchen', state: 'watching', battery: null }]);
    expect(reported.at(-1)).toEqual([{ id: CAM, name: 'Kitchen', state: 'unknown', battery: null }]);
  });

  it('shows a failed watch\'s error in the live view (not the page banner), with a code', async () => {
    const { viewer, transport } = await setup();
    transport.setState('open');
    viewer.watch(CAM);
    transport.expire(CAM);
    expect(viewer.model.watch?.phase).toBe('ended');
    expect(viewer.model.watch?.error).toEqual({ code: 'peer-unavailable', message: 'The camera is offline.' });
    expect(viewer.model.error).toBeNull();
  });

  it('refuses to watch a camera it holds no key for, saying "not paired"', async () => {
    const { viewer, transport } = await setup({ paired: false });
    transport.setState('open');
    viewer.watch(CAM);
    await until(() => expect(viewer.model.watch?.phase).toBe('ended'));
    expect(viewer.model.watch?.error?.code).toBe('not-paired');
    expect(transport.sentOf('signal')).toEqual([]);
  });

  it('follows commands from main and drops malformed ones', async () => {
    const { viewer, send } = await setup();
    const snapshots: number[] = [];
    viewer.on('snapshot-requested', () => snapshots.push(1));
    send({ type: 'watch', cameraId: 'not an id!' });
    send({ type: 'reboot' });
    expect(viewer.model.watch).toBeNull();
    send({ type: 'watch', cameraId: CAM });
    expect(viewer.model.watch?.cameraId).toBe(CAM);
    send({ type: 'snapshot' });
    expect(snapshots).toHaveLength(1);
  });

  it('says when this viewer ID is in use elsewhere', async () => {
    const { viewer, transport } = await setup();
    transport.setState('id-taken');
    expect(viewer.model.error?.code).toBe('id-taken');
  });

  it('shows the server\'s reason when another window with the same ID took over this one\'s connection', async () => {
    const { viewer, transport } = await setup();
    transport.setState('id-taken', { error: new PawcamError('superseded', 'this ID connected again from another tab or device') });
    expect(viewer.model.error).toEqual({ code: 'superseded', message: VIEWER_MESSAGES.superseded });
    transport.setState('open');
    expect(viewer.model.error).toBeNull();
  });

  it('says how to get onto a closed server that does not know this viewer', async () => {
    const { viewer, transport } = await setup();
    transport.setState('id-taken', { error: new PawcamError('not-enrolled', 'not enrolled') });
    expect(viewer.model.error).toEqual({ code: 'not-enrolled', message: VIEWER_MESSAGES.notEnrolled });
    expect(VIEWER_MESSAGES.notEnrolled).toMatch(/owner link/);
  });

  describe('standby links', () => {
    const status: CameraStatus = {
      t: 'status',
      battery: { level: 0.42, charging: false },
      video: null,
      quality: '360p15',
      facing: null,
      torch: null,
      uptimeSec: 5,
      wakeLock: true,
      hidden: false,
    };

    it('opens a standby link to a paired camera once it is online; the list shows its thumbnail, battery and last seen', async () => {
      const { transport, viewer, opened, pong } = await setup({ links: true });
      transport.setState('open');
      expect(opened).toEqual([]);
      await pong();
      await until(() => expect(opened).toHaveLength(1));
      const link = opened[0]!;
      expect({ raised: link.raised, calls: link.calls }).toEqual({ raised: false, calls: ['start'] });
      expect(viewer.model.cameras[0]).toMatchObject({ state: 'online', thumbnail: null, lastSeen: Date.now() });
      link.up();
      link.report(status);
      expect(viewer.model.cameras[0]).toMatchObject({ thumbnail: link.stream, battery: { level: 0.42, charging: false } });
      expect(viewer.model.watch).toBeNull();
    });

    it('says when a link\'s channel opens, hands on its event messages, and sends event messages over it', async () => {
      const { transport, viewer, opened, pong } = await setup({ links: true });
      const open: string[] = [];
      const events: [string, unknown][] = [];
      viewer.on('link-open', (id) => open.push(id));
      viewer.on('event-message', (id, m) => events.push([id, m]));
      transport.setState('open');
      await pong();
      await until(() => expect(opened).toHaveLength(1));
      const link = opened[0]!;
      expect(viewer.sendEvent(CAM, { t: 'event-ack', id: '0123456789abcdef' })).toBe(false);
      link.up();
      link.greet('Kitchen');
      link.deliverEvent({ t: 'event-end', id: '0123456789abcdef', durationMs: 5 });
      expect(open).toEqual([CAM]);
      expect(events).toEqual([[CAM, { t: 'event-end', id: '0123456789abcdef', durationMs: 5 }]]);
      expect(viewer.sendEvent(CAM, { t: 'event-ack', id: '0123456789abcdef' })).toBe(true);
      expect(link.sentEvents).toEqual([{ t: 'event-ack', id: '0123456789abcdef' }]);
    });

    it('"Always relay" turned on dials the standby links again (a Watch then never raises one that shows addresses); the watch keeps its connection', async () => {
      const OTHER = `cam-${'b'.repeat(32)}`;
      const { transport, viewer, opened, pong, settings } = await setup({ links: true, cameras: [{ id: CAM, name: 'Kitchen', addedAt: 1 }, { id: OTHER, name: 'Hall', addedAt: 2 }] });
      transport.setState('open');
      await pong(CAM);
      await until(() => expect(opened).toHaveLength(1));
      viewer.watch(OTHER);
      expect(opened).toHaveLength(2);
      await settings.update({ alwaysRelay: true });
      await until(() => expect(opened).toHaveLength(3));
      expect(opened[0]!.calls).toEqual(['start', 'stop']);
      expect({ calls: opened[1]!.calls, raised: opened[1]!.raised }).toEqual({ calls: ['start'], raised: true });
      expect({ camera: opened[2]!.cameraId, raised: opened[2]!.raised }).toEqual({ camera: CAM, raised: false });
      await settings.update({ alwaysRelay: true, viewerName: 'Den' });
      expect(opened).toHaveLength(3);
    });

    it('Watch raises the standby link (no new dial) and Stop lowers it: the thumbnail stays', async () => {
      const { transport, viewer, opened, pong } = await setup({ links: true });
      transport.setState('open');
      await pong();
      await until(() => expect(opened).toHaveLength(1));
      const link = opened[0]!;
      link.up();
      viewer.watch(CAM);
      expect(opened).toHaveLength(1);
      expect(link.calls).toEqual(['start', 'raise']);
      expect(viewer.model.watch).toMatchObject({ cameraId: CAM, phase: 'live', stream: link.stream });
      expect(viewer.model.cameras[0]!.state).toBe('watching');
      viewer.watch(CAM);
      expect(link.calls).toEqual(['start', 'raise']);
      viewer.stopWatching();
      expect(link.calls).toEqual(['start', 'raise', 'lower']);
      expect(viewer.model.watch).toBeNull();
      expect(viewer.model.cameras[0]).toMatchObject({ state: 'online', thumbnail: link.stream });
    });

    it('a camera that goes offline loses its standby link, but a watched one keeps dialling; a forgotten one loses it', async () => {
      const OTHER = `cam-${'b'.repeat(32)}`;
      const { transport, viewer, opened, pong } = await setup({ links: true, cameras: [{ id: CAM, name: 'Kitchen', addedAt: 1 }, { id: OTHER, name: 'Hall', addedAt: 2 }] });
      transport.setState('open');
      await pong(CAM);
      await until(() => expect(opened).toHaveLength(1));
      viewer.watch(OTHER);
      expect(opened.map((l) => [l.cameraId, l.raised])).toEqual([[CAM, false], [OTHER, true]]);
      transport.expire(CAM);
      transport.expire(OTHER);
      await until(() => expect(opened[0]!.calls).toContain('stop'));
      expect(opened[1]!.calls).toEqual(['start', 'offline']);
      await viewer.forgetCamera(OTHER);
      expect(opened[1]!.calls).toContain('stop');
    });

    it('without standby links (a mini window) Watch dials its own session and Stop ends it; it follows only its own camera', async () => {
      const OTHER = `cam-${'b'.repeat(32)}`;
      const { transport, viewer, opened } = await setup({ only: CAM, cameras: [{ id: CAM, name: 'Kitchen', addedAt: 1 }, { id: OTHER, name: 'Hall', addedAt: 2 }] });
      transport.setState('open');
      await until(() => expect(transport.sentOf('ping').length).toBeGreaterThan(0));
      expect(new Set(transport.sentOf('ping').map((p) => p.dst))).toEqual(new Set([CAM]));
      viewer.watch(CAM);
      expect(opened).toEqual([]);
      expect(viewer.model.watch?.phase).toBe('connecting');
      viewer.stopWatching();
      expect(viewer.model.watch).toBeNull();
      expect(viewer.model.cameras.map((c) => c.state)).not.toContain('watching');
    });
  });
});
