import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, type CameraEventMessage, type EventMessage } from '../../../../protocol/event-messages.ts';
import { PawcamError } from '../../../../protocol/errors.ts';
import type { PawcamApi } from '../../../../protocol/ipc.ts';
import { createEventBridge } from './event-bridge.ts';
import { createWebApi } from './web-api.ts';

const CAM = 'cam-hall';
const event = (id: string): CameraEventMessage => ({ t: 'event', id, kind: 'motion', at: 1_800_000_000_000, durationMs: 0, strength: 0.2, levelDbfs: null, thumbnail: null, clip: false });

/** The desktop's events API as main answers it: an ack per event, after `delay` ms; cameras outside `known` refused. */
function desktopApi(known = [CAM]) {
  const stored: string[] = [];
  const api: Pick<PawcamApi, 'handleEventMessage' | 'getDetectionSettings'> = {
    handleEventMessage: async (cameraId, message) => {
      if (!known.includes(cameraId)) throw new PawcamError('peer-unavailable', 'That camera is not in your camera list.');
      if (message.t !== 'event') return [];
      stored.push(`${cameraId}/${message.id}`);
      return [{ t: 'event-ack', id: message.id }];
    },
    getDetectionSettings: async (cameraId) => {
      if (!known.includes(cameraId)) throw new PawcamError('peer-unavailable', 'That camera is not in your camera list.');
      return { ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 42 };
    },
  };
  return { api, stored };
}

/** A link to the camera: what it was sent, and whether it is open. */
function link() {
  const sent: EventMessage[] = [];
  let open = true;
  return {
    sent,
    close: () => void (open = false),
    send: (message: EventMessage) => (open ? (sent.push(message), true) : false),
  };
}

describe('the event bridge', () => {
  it('is absent in the web viewer: no detection settings go out there, so it never drains a camera', () => {
    const storage = new Map<string, string>();
    const web = createWebApi({
      storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: (k) => void storage.delete(k) },
      serverUrl: 'https://pawcam.example',
      address: { hash: '', clear: () => undefined },
    });
    expect(createEventBridge(web)).toBeNull();
  });

  it('stores each event message through main and sends main\'s replies back to the camera, in order', async () => {
    const { api, stored } = desktopApi();
    const bridge = createEventBridge(api)!;
    const camera = link();
    await Promise.all(['00000000000000a1', '00000000000000a2', '00000000000000a3'].map((id) => bridge.forward(CAM, event(id), camera.send)));
    expect(stored).toEqual([`${CAM}/00000000000000a1`, `${CAM}/00000000000000a2`, `${CAM}/00000000000000a3`]);
    expect(camera.sent).toEqual([
      { t: 'event-ack', id: '00000000000000a1' },
      { t: 'event-ack', id: '00000000000000a2' },
      { t: 'event-ack', id: '00000000000000a3' },
    ]);
  });

  it('sends a camera nothing when main refuses its message (the camera keeps it and offers it again)', async () => {
    const { api, stored } = desktopApi([]);
    const camera = link();
    await createEventBridge(api)!.forward('cam-stranger', event('00000000000000b1'), camera.send);
    expect(stored).toEqual([]);
    expect(camera.sent).toEqual([]);
  });

  it('a reply for a link that closed meanwhile is dropped without an error', async () => {
    const { api, stored } = desktopApi();
    const camera = link();
    camera.close();
    await expect(createEventBridge(api)!.forward(CAM, event('00000000000000c1'), camera.send)).resolves.toBeUndefined();
    expect(stored).toHaveLength(1);
  });

  it('when a link opens, the camera gets its detection settings over that link; a camera main does not know gets none', async () => {
    const { api } = desktopApi();
    const bridge = createEventBridge(api)!;
    const camera = link();
    await bridge.linkOpened(CAM, camera.send);
    expect(camera.sent).toEqual([{ ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 42 }]);
    const stranger = link();
    await bridge.linkOpened('cam-stranger', stranger.send);
    expect(stranger.sent).toEqual([]);
  });

  it('new settings go out over the camera\'s open link at once; with no link open they wait for the next one', async () => {
    let cooldownSec = 42;
    const { api } = desktopApi();
    const bridge = createEventBridge({ ...api, getDetectionSettings: async () => ({ ...DEFAULT_DETECTION_SETTINGS, cooldownSec }) })!;
    const camera = link();
    cooldownSec = 5;
    await expect(bridge.settingsChanged(CAM, camera.send)).resolves.toBe(true);
    expect(camera.sent).toEqual([{ ...DEFAULT_DETECTION_SETTINGS, cooldownSec: 5 }]);
    camera.close();
    await expect(bridge.settingsChanged(CAM, camera.send)).resolves.toBe(false);
    const { api: refusing } = desktopApi([]);
    await expect(createEventBridge(refusing)!.settingsChanged('cam-stranger', link().send)).resolves.toBe(false);
  });
});
