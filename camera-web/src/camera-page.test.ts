import { describe, expect, it } from 'vitest';
import { PawcamError } from '../../protocol/errors.ts';
import { TypedEmitter } from '../../protocol/events.ts';
import { newLinkInvitation, newShortCode, type Invitation } from '../../protocol/pairing.ts';
import type { Parsed } from '../../protocol/schema.ts';
import { FakeTimers, flush } from '../../protocol/testing/timers.ts';
import type { TransportState, TransportStateDetail } from '../../protocol/transport.ts';
import { CameraPage, HANDOVER_WAIT_MS, PAIRED_NOTE_MS, type TabChannel, liveThroughOutage, offersReconnect, shownError, shownFailure, type CameraPageDeps, type PageCamera, type PageStation } from './camera-page.ts';
import type { AwakeState } from './device/keep-awake.ts';
import type { CameraState } from './media/local-camera.ts';
import type { PairingOutcome } from './pairing/pairing-flow.ts';
import type { MediaPermission } from './station/auto-resume.ts';
import { decideResume } from './station/auto-resume.ts';

const CAMERA_STATE = { facing: 'environment', quality: '720p30', torch: null } as unknown as CameraState;

class FakeCamera extends TypedEmitter<{ change: (s: CameraState) => void; tracks: () => void; ended: () => void }> implements PageCamera {
  state = CAMERA_STATE;
  stopped = false;
  recaptureFails = false;
  async recapture(): Promise<string[]> {
    if (this.recaptureFails) throw new Error('NotReadableError');
    return ['video'];
  }
  stop(): void {
    this.stopped = true;
  }
  end(): void {
    this.emit('ended');
  }
}

class FakeStation implements PageStation {
  readonly transport = new (class extends TypedEmitter<{ state: (s: TransportState, d: TransportStateDetail) => void }> {
    set(state: TransportState, detail: TransportStateDetail = {}): void {
      this.emit('state', state, detail);
    }
  })();
  readonly sessionsNamed: string[] = [];
  sessions = { setName: (name: string) => void this.sessionsNamed.push(name) };
  talk = null;
  readonly viewerCount = new (class extends TypedEmitter<{ viewers: (n: number) => void; standby: (n: number) => void }> {
    readonly maxSessions = 8;
    set(n: number): void {
      this.emit('viewers', n);
    }
    setStandby(n: number): void {
      this.emit('standby', n);
    }
  })();
  answeredWith: { name: string } | null = null;
  started = 0;
  stopped = 0;
  reconnects = 0;
  readonly paired: Invitation[] = [];
  outcome: PairingOutcome = { ok: true, viewerId: 'viewer-1', viewerName: 'Office' };
  answerWith(options: { camera: PageCamera; name: string }) {
    this.answeredWith = { name: options.name };
    return this.viewerCount;
  }
  async pair(invitation: Invitation): Promise<PairingOutcome> {
    this.paired.push(invitation);
    return this.outcome;
  }
  start(): void {
    this.started++;
  }
  reconnect(): void {
    this.reconnects++;
  }
  stop(): void {
    this.stopped++;
  }
}

class FakeAwake extends TypedEmitter<{ change: (s: AwakeState) => void; visible: () => void }> {
  state = { method: 'wake-lock', held: true, hidden: false } as unknown as AwakeState;
  running = false;
  start(): void {
    this.running = true;
  }
  stop(): void {
    this.running = false;
  }
  hide(hidden: boolean): void {
    this.state = { ...this.state, hidden } as AwakeState;
    this.emit('change', this.state);
    if (!hidden) this.emit('visible');
  }
}

/** BroadcastChannel between tabs of one browser: a message reaches every other tab, asynchronously. */
class FakeTabs {
  readonly tabs: ((m: unknown) => void)[] = [];
  join(): TabChannel {
    let me: (m: unknown) => void = () => undefined;
    return {
      post: (message) => {
        for (const tab of this.tabs) if (tab !== me) queueMicrotask(() => tab(structuredClone(message)));
      },
      listen: (listener) => {
        me = listener;
        this.tabs.push(listener);
        return () => undefined;
      },
    };
  }
}

interface Options {
  tabs?: TabChannel;
  denied?: boolean;
  address?: Parsed<Invitation> | null;
  leftOn?: boolean;
  permission?: MediaPermission;
}

function setup(o: Options = {}) {
  const timers = new FakeTimers();
  const station = new FakeStation();
  const camera = new FakeCamera();
  const awake = new FakeAwake();
  const stream = { id: 'stream' } as unknown as MediaStream;
  let address: Parsed<Invitation> | null = o.address ?? null;
  let leftOn = o.leftOn ?? false;
  const standbys: { since: number; running: boolean }[] = [];
  const claimed: Invitation[] = [];
  let codesPaused = false;
  const deps: CameraPageDeps = {
    name: 'Kitchen cam',
    captureProblem: null,
    streamProblem: null,
    secure: true,
    openStream: async () => {
      if (o.denied) throw new PawcamError('permission-denied', 'the camera permission was refused');
      return stream;
    },
    openCamera: () => camera,
    unlockAudio: () => null,
    keepAwake: awake,
    loadStation: async () => station,
    paired: { persistent: true, on: () => () => undefined, revoke: async () => undefined },
    attempts: {
      get codesPaused() {
        return codesPaused;
      },
      resume: () => (codesPaused = false),
      claim: async (invitation) => (claimed.push(invitation), null),
      record: () => undefined,
    },
    takeInvitation: () => {
      const taken = address;
      address = null;
      return taken;
    },
    takeEnrollmentLink: () => null,
    rememberLinkExtras: () => undefined,
    saveName: (input) => (input.trim() ? input.trim() : null),
    cameraLeftOn: () => leftOn,
    rememberCameraOn: (on) => (leftOn = on),
    mediaPermission: async () => o.permission ?? 'prompt',
    decideResume,
    standby: (_station, since) => {
      const entry = { since, running: false };
      standbys.push(entry);
      return { start: () => (entry.running = true), stop: () => (entry.running = false) };
    },
    timers,
    ...(o.tabs ? { tabs: o.tabs } : {}),
  };
  const page = new CameraPage(deps);
  return {
    page,
    station,
    camera,
    awake,
    timers,
    stream,
    standbys,
    claimed,
    leftOn: () => leftOn,
    pauseCodes: () => (codesPaused = true),
    navigate: (invitation: Parsed<Invitation>) => (address = invitation),
  };
}

async function link(): Promise<Invitation> {
  // The page's clock is the fake one (FakeTimers starts at 1.8e12 ms).
  return newLinkInvitation('viewer-0123456789abcdef0123456789abcdef', new FakeTimers().now());
}

describe('the camera page', () => {
  it('starts: camera running, registered at the server, answering as its name, remembered as on', async () => {
    const s = setup();
    expect(s.page.state.phase).toBe('idle');
    await s.page.start();
    await flush();
    expect(s.page.state).toMatchObject({ phase: 'running', stream: s.stream, cameraState: CAMERA_STATE, online: true, pageError: null });
    expect(s.station.started).toBe(1);
    expect(s.station.answeredWith).toEqual({ name: 'Kitchen cam' });
    expect(s.awake.running).toBe(true);
    expect(s.leftOn()).toBe(true);
  });

  it('permission denied: back to idle with the error; the server is not contacted without a pairing to run', async () => {
    const s = setup({ denied: true });
    await s.page.start();
    await flush();
    expect(s.page.state.phase).toBe('idle');
    expect(s.page.state.pageError?.code).toBe('permission-denied');
    expect(shownError(s.page.state)?.code).toBe('permission-denied');
    expect(s.station.started).toBe(0);
    expect(s.awake.running).toBe(false);
  });

  it('permission denied does not waste a pairing link: the pairing still runs', async () => {
    const invitation = await link();
    const s = setup({ denied: true, address: { ok: true, value: invitation } });
    expect(s.page.state.pairing).toEqual({ state: 'waiting' });
    await s.page.start();
    await flush();
    expect(s.station.paired).toEqual([invitation]);
    expect(s.page.state.pairing).toEqual({ state: 'paired', viewerName: 'Office' });
  });

  it('pairing: a link the page opened with waits for Start, then pairs; the news leaves after a while', async () => {
    const invitation = await link();
    const s = setup({ address: { ok: true, value: invitation } });
    await flush();
    expect(s.station.paired).toEqual([]);
    await s.page.start();
    await flush();
    expect(s.claimed).toEqual([invitation]);
    expect(s.page.state.pairing).toEqual({ state: 'paired', viewerName: 'Office' });
    s.timers.advance(PAIRED_NOTE_MS);
    expect(s.page.state.pairing).toBeNull();
  });

  it('pairing: a link that arrives while the page is open waits for a yes on screen; no means nothing happens', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    s.navigate({ ok: true, value: await link() });
    s.page.acceptPairingLink(true);
    expect(s.page.state.pairing).toEqual({ state: 'confirm' });
    await flush();
    expect(s.station.paired).toEqual([]);
    s.page.rejectPairing();
    expect(s.page.state.pairing).toBeNull();

    const second = await link();
    s.navigate({ ok: true, value: second });
    s.page.acceptPairingLink(true);
    s.page.confirmPairing();
    await flush();
    expect(s.station.paired).toEqual([second]);
  });

  it('pairing: a damaged or expired link says so; a typed code pairs, a wrong one or paused codes are refused', async () => {
    const damaged = setup({ address: { ok: false, error: 'secret: bad' } });
    expect(damaged.page.state.pairing).toEqual({ state: 'failed', failure: 'bad-link' });
    const expired = setup({ address: { ok: true, value: { ...(await link()), expiresAt: 0 } } });
    expect(expired.page.state.pairing).toEqual({ state: 'failed', failure: 'expired' });

    const s = setup();
    expect(s.page.pairWithCode('nonsense')).toMatch(/not a pairing code/);
    const code = newShortCode(s.timers.now());
    expect(s.page.pairWithCode(code.code)).toBeNull();
    await flush();
    expect(s.station.paired).toHaveLength(1);
    s.pauseCodes();
    expect(s.page.pairWithCode(code.code)).toMatch(/paused/);
    expect(s.page.state.pairing).toEqual({ state: 'failed', failure: 'codes-paused' });
    s.page.resumeCodes();
    expect(s.page.state.pairing).toBeNull();
    // The failed code that pauses typed codes (the ledger counts it) says so at once.
    s.station.outcome = { ok: false, failure: 'bad-accept' };
    expect(s.page.pairWithCode(newShortCode(s.timers.now()).code)).toBeNull();
    s.pauseCodes();
    await flush();
    expect(s.page.state.pairing).toEqual({ state: 'failed', failure: 'codes-paused' });
  });

  it('a typed code nobody answers says so without blaming the viewer; a link the server cannot deliver still says the viewer is away', async () => {
    const s = setup();
    s.station.outcome = { ok: false, failure: 'unreachable' };
    expect(s.page.pairWithCode(newShortCode(s.timers.now()).code)).toBeNull();
    await flush();
    expect(s.page.state.pairing).toEqual({ state: 'failed', failure: 'no-such-code' });
    expect(shownFailure(await link(), 'unreachable')).toBe('unreachable');
    expect(shownFailure(await link(), 'timeout')).toBe('timeout');
  });

  it('a new phone whose typed code the closed server refuses: "no viewer is showing this code", said once, not "could not reach the server"', async () => {
    const s = setup();
    s.station.outcome = { ok: false, failure: 'no-server' };
    s.page.pairWithCode(newShortCode(s.timers.now()).code);
    await flush();
    s.station.transport.set('id-taken', { error: new PawcamError('not-enrolled', 'the server refused this device’s enrollment') });
    // The refusal came first in the browser; here the fake station answered before: pair again with the state set.
    s.page.pairWithCode(newShortCode(s.timers.now()).code);
    await flush();
    expect(s.page.state.pairing).toEqual({ state: 'failed', failure: 'no-such-code' });
    expect(shownError(s.page.state)).toBeNull();
    // A short code next: the banner leaves, and the refusal still does not come back as an error box.
    expect(s.page.pairWithCode('ABC12')).toMatch(/5 of the 14/);
    expect(s.page.state.pairing).toBeNull();
    expect(shownError(s.page.state)).toBeNull();
    // A link the server cannot pass on is still "no server"; a refusal of another kind still shows as an error.
    expect(shownFailure(await link(), 'no-server', true)).toBe('no-server');
    expect(shownFailure(newShortCode(0).invitation, 'no-server', false)).toBe('no-server');
    s.station.transport.set('id-taken', { error: new PawcamError('id-taken', 'another device holds this ID') });
    expect(shownError(s.page.state)?.code).toBe('id-taken');
    // Tapping Start camera makes the server's refusal the page's news again.
    s.station.transport.set('id-taken', { error: new PawcamError('not-enrolled', 'the server refused this device’s enrollment') });
    await s.page.start();
    expect(shownError(s.page.state)?.code).toBe('not-enrolled');
  });

  it('a malformed typed code: one sentence at the form, and the banner of an earlier failure leaves', async () => {
    const s = setup();
    s.station.outcome = { ok: false, failure: 'unreachable' };
    s.page.pairWithCode(newShortCode(s.timers.now()).code);
    await flush();
    expect(s.page.state.pairing?.state).toBe('failed');
    expect(s.page.pairWithCode('ABC123-DEF')).toMatch(/^That is not a pairing code yet: it has 9 of the 14 letters and digits/);
    expect(s.page.state.pairing).toBeNull();
    // Nothing was tried: the station saw one attempt, the earlier one.
    expect(s.station.paired).toHaveLength(1);
  });

  it('viewers join and leave: the count follows the sessions', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    s.station.viewerCount.set(2);
    expect(s.page.state.viewers).toBe(2);
    s.station.viewerCount.set(0);
    expect(s.page.state.viewers).toBe(0);
  });

  it('standby links are counted apart from viewers watching, with the most the camera serves', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    expect(s.page.state.maxSessions).toBe(8);
    s.station.viewerCount.setStandby(3);
    expect(s.page.state).toMatchObject({ standbyLinks: 3, viewers: 0 });
    s.station.viewerCount.set(1);
    s.station.viewerCount.setStandby(2);
    expect(s.page.state).toMatchObject({ standbyLinks: 2, viewers: 1 });
  });

  it('server lost and back: an error while nobody watches, "still live" while viewers watch, cleared when back', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    s.station.transport.set('open');
    expect(shownError(s.page.state)).toBeNull();
    const lost = new PawcamError('server-unreachable', 'cannot reach the server');
    s.station.transport.set('retrying', { retryAt: 5000, error: lost });
    expect(shownError(s.page.state)).toBe(lost);
    expect(s.page.state.retryAt).toBe(5000);
    s.station.viewerCount.set(1);
    expect(liveThroughOutage(s.page.state)).toBe(true);
    expect(shownError(s.page.state)).toBeNull();
    s.station.transport.set('open');
    expect(liveThroughOutage(s.page.state)).toBe(false);
    expect(s.page.state.serverError).toBeNull();
  });

  it('ID taken elsewhere: the error offers Reconnect, which reconnects', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    s.station.transport.set('id-taken', { error: new PawcamError('id-taken', 'in use') });
    expect(offersReconnect(s.page.state)).toBe(true);
    s.page.reconnect();
    expect(s.station.reconnects).toBe(1);
  });

  it('reload with the camera left on and the permission kept: starts by itself', async () => {
    const s = setup({ leftOn: true, permission: 'granted' });
    await s.page.resume();
    await flush();
    expect(s.page.state.phase).toBe('running');
    expect(s.standbys).toEqual([]);
  });

  it('reload with the camera left on but no kept permission: says it needs a tap and tells viewers until started', async () => {
    const s = setup({ leftOn: true, permission: 'prompt' });
    await s.page.resume();
    await flush();
    expect(s.page.state.phase).toBe('idle');
    const since = s.timers.now();
    expect(s.page.state.needsTapSince).toBe(since);
    expect(s.standbys).toEqual([{ since, running: true }]);
    await s.page.start();
    await flush();
    expect(s.page.state.needsTapSince).toBeNull();
    expect(s.standbys[0]!.running).toBe(false);
  });

  it('reload with the camera left off: stays idle and quiet', async () => {
    const s = setup({ leftOn: false, permission: 'granted' });
    await s.page.resume();
    expect(s.page.state.phase).toBe('idle');
    expect(s.station.started).toBe(0);
  });

  it('stop: releases the camera, leaves the server, forgets it was on', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    s.page.stopCamera();
    expect(s.page.state).toMatchObject({ phase: 'idle', stream: null, viewers: 0, online: false, serverState: 'closed' });
    expect(s.camera.stopped).toBe(true);
    expect(s.station.stopped).toBe(1);
    expect(s.leftOn()).toBe(false);
  });

  it('back from the background: says for how long, reopens ended tracks, or says another app took the camera', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    s.awake.hide(true);
    s.timers.advance(42_000);
    s.camera.recaptureFails = true;
    s.awake.hide(false);
    await flush();
    expect(s.page.state.backgroundSec).toBe(42);
    expect(s.page.state.pageError?.code).toBe('camera-busy');
    s.camera.recaptureFails = false;
    await s.page.reviveTracks();
    expect(s.page.state.pageError).toBeNull();
    s.page.dismissBackground();
    expect(s.page.state.backgroundSec).toBeNull();
  });

  it('rename: saved, told to the live sessions; an empty name is refused', async () => {
    const s = setup();
    await s.page.start();
    await flush();
    expect(s.page.rename('  Hall  ')).toBe('Hall');
    expect(s.page.state.name).toBe('Hall');
    expect(s.station.sessionsNamed).toEqual(['Hall']);
    expect(s.page.rename('   ')).toBeNull();
    expect(s.page.state.name).toBe('Hall');
  });

  it('a pairing link opened in a second tab goes to the tab running the camera, which asks for a yes; the second tab pairs nothing', async () => {
    const tabs = new FakeTabs();
    const first = setup({ tabs: tabs.join() });
    await first.page.start();
    await flush();
    const invitation = await link();
    const second = setup({ tabs: tabs.join(), address: { ok: true, value: invitation } });
    await flush();
    expect(second.page.state).toMatchObject({ handedOver: true, pairing: null });
    expect(first.page.state.pairing).toEqual({ state: 'confirm' });
    first.page.confirmPairing();
    await flush();
    expect(first.station.paired.map((i) => i.rendezvousId)).toEqual([invitation.rendezvousId]);
    await second.page.start();
    await flush();
    expect(second.station.paired).toEqual([]);
  });

  it('with no camera tab running, a tab opened with a link keeps it (and waits for its own Start)', async () => {
    const tabs = new FakeTabs();
    setup({ tabs: tabs.join() });
    const s = setup({ tabs: tabs.join(), address: { ok: true, value: await link() } });
    await flush();
    s.timers.advance(HANDOVER_WAIT_MS);
    expect(s.page.state).toMatchObject({ handedOver: false, pairing: { state: 'waiting' } });
    await s.page.start();
    await flush();
    expect(s.station.paired).toHaveLength(1);
  });
});
