import { describe, expect, it } from 'vitest';
import type { DataMessage } from '../../../../protocol/messages.ts';
import { ControlClient, CONTROL_TIMEOUT_MS, type ControlsView } from './camera-controls.ts';
import { FakeTimers } from '../../../../protocol/testing/timers.ts';

function setup(connected = true) {
  const sent: DataMessage[] = [];
  const views: ControlsView[] = [];
  const timers = new FakeTimers();
  const client = new ControlClient(
    (m) => {
      sent.push(m);
      return connected;
    },
    (v) => views.push(v),
    timers,
  );
  return { client, sent, views, timers };
}

describe('ControlClient', () => {
  it('sends controls with fresh IDs and settles each by its result', () => {
    const { client, sent } = setup();
    const a = client.request({ type: 'torch', on: true });
    const b = client.request({ type: 'quality', preset: '1080p30' });
    expect(sent).toEqual([
      { t: 'control', id: a, action: { type: 'torch', on: true } },
      { t: 'control', id: b, action: { type: 'quality', preset: '1080p30' } },
    ]);
    expect([...client.view.pending].sort()).toEqual(['quality', 'torch']);
    client.handle({ t: 'control-result', id: b!, ok: true });
    expect([...client.view.pending]).toEqual(['torch']);
    client.handle({ t: 'control-result', id: a!, ok: false, error: 'this camera has no torch' });
    expect(client.view).toEqual({ pending: new Set(), error: 'this camera has no torch' });
  });

  it('ignores results it is not waiting for', () => {
    const { client, views } = setup();
    client.handle({ t: 'control-result', id: 99, ok: false, error: 'x' });
    expect(views).toEqual([]);
  });

  it('says so when the camera does not answer, or there is no channel', () => {
    const { client, timers } = setup();
    client.request({ type: 'chime' });
    timers.advance(CONTROL_TIMEOUT_MS);
    expect(client.view.error).toBe('The camera did not answer.');
    const offline = setup(false);
    expect(offline.client.request({ type: 'chime' })).toBeNull();
    expect(offline.client.view).toEqual({ pending: new Set(), error: 'Not connected to the camera.' });
  });

  it('forgets pending controls when the connection goes', () => {
    const { client, timers } = setup();
    client.request({ type: 'switch-camera' });
    client.reset();
    timers.advance(CONTROL_TIMEOUT_MS);
    expect(client.view).toEqual({ pending: new Set(), error: null });
  });
});
