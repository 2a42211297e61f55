import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CameraEntry, PawcamApi, ViewerCommand } from '../../../protocol/ipc.ts';
import { configureLogging } from '../../../protocol/log.ts';
import { FakeTransport } from './test-fakes.ts';
import { Viewer } from './viewer.ts';
import { WatchSession, type SimplePeerLike } from './watch-session.ts';

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
    onCommand: (listener) => {
      command = listener;
      return () => (command = null);
    },
  };
  return { api, reported, send: (c: unknown) => command?.(c as ViewerCommand) };
}

const peer = (): SimplePeerLike => ({ on: () => undefined, signal: () => {}, destroy: () => {} });

async function setup() {
  const transport = new FakeTransport('connecting');
  const { api, reported, send } = fakeApi([{ id: CAM, name: 'Kitchen', addedAt: 1 }]);
  const viewer = new Viewer({ api, transport, openWatch: (cameraId) => new WatchSession({ cameraId, transport, createPeer: peer }) });
  await viewer.start();
  return { transport, viewer, reported, send };
}

describe('Viewer', () => {
  beforeAll(() => configureLogging({ sink: () => {} }));
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('connects, loads the cameras and shows presence', async () => {
    const { transport, viewer } = await setup();
    expect(transport.started).toBe(1);
    expect(viewer.model.cameras).toEqual([{ id: CAM, name: 'Kitchen', state: 'unknown', presence: 'unknown', reportedName: null }]);
    transport.setState('open');
    expect(viewer.model.server.state).toBe('open');
    const ping = transport.sentOf('ping')[0]!;
    transport.deliver(CAM, { v: 1, kind: 'pong', nonce: ping.envelope.nonce, name: 'Cat cam' });
    expect(viewer.model.cameras[0]).toMatchObject({ state: 'online', reportedName: 'Cat cam' });
  });

  it('shows watching while a watch runs and reports states to main', async () => {
    const { viewer, reported } = await setup();
    viewer.watch(CAM);
    expect(viewer.model.cameras[0]?.state).toBe('watching');
    expect(viewer.model.watch).toMatchObject({ cameraId: CAM, name: 'Kitchen', phase: 'connecting' });
    viewer.stopWatching();
    expect(viewer.model.watch).toBeNull();
    expect(viewer.model.cameras[0]?.state).toBe('unknown');
    expect(reported.at(-2)).toEqual([{ id: CAM, name: 'Kitchen', state: 'watching' }]);
    expect(reported.at(-1)).toEqual([{ id: CAM, name: 'Kitchen', state: 'unknown' }]);
  });

  it('turns a failed watch into an error with a code', async () => {
    const { viewer, transport } = await setup();
    transport.setState('open');
    viewer.watch(CAM);
    transport.expire(CAM);
    expect(viewer.model.watch?.phase).toBe('ended');
    expect(viewer.model.error).toEqual({ code: 'peer-unavailable', message: 'The camera is offline.' });
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
});
