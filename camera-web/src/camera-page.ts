/**
 * The camera page's brain: every state the page shows and every transition between them (start, a refused camera,
 * pairing by link or code, viewers coming and going, the server lost and back, resuming after a reload, stop), as a
 * plain class with its browser pieces injected. App.svelte renders `state` and calls the methods; nothing here
 * touches the DOM, so each transition is unit-tested (camera-page.test.ts).
 */
import { PawcamError, toPawcamError } from '../../protocol/errors.ts';
import { TypedEmitter } from '../../protocol/events.ts';
import { createLogger } from '../../protocol/log.ts';
import { encodeInvitation, isShortCodeInvitation, parseInvitation, parseShortCode, type Invitation } from '../../protocol/pairing.ts';
import type { Parsed } from '../../protocol/schema.ts';
import type { Timers } from '../../protocol/timers.ts';
import type { TransportState, TransportStateDetail } from '../../protocol/transport.ts';
import type { AwakeState } from './device/keep-awake.ts';
import type { CameraState } from './media/local-camera.ts';
import type { PairedViewerInfo } from './pairing/paired-viewers.ts';
import type { PairingOutcome } from './pairing/pairing-flow.ts';
import type { AttemptRefusal } from './pairing/pair-attempts.ts';
import { typedCodeProblem, type PairingFailure, type PairingStatus } from './pairing/pairing-text.ts';
import type { MediaPermission, ResumeDecision } from './station/auto-resume.ts';
import type { Talker } from './talk/talk-back.ts';
import { PAGE_MESSAGES } from './ui/error-messages.ts';

const log = createLogger('camera-page');

/** How long "Paired with …" stays on the phone. */
export const PAIRED_NOTE_MS = 30_000;

/**
 * The failure the page shows. A typed code nobody answers is not "the viewer is not connected": the camera cannot tell
 * a mistyped code from a viewer that stopped showing it, so it says only what it knows.
 */
export function shownFailure(invitation: Invitation, failure: PairingFailure, serverRefusedCode = false): PairingFailure {
  if (!isShortCodeInvitation(invitation)) return failure;
  // On a closed server a new phone gets in by the code itself: a refusal then means the server knows no viewer that
  // opened this code, not that the server could not be reached.
  if (failure === 'unreachable' || (failure === 'no-server' && serverRefusedCode)) return 'no-such-code';
  return failure;
}

/** Where the page is. */
export type PagePhase = 'idle' | 'starting' | 'running';

/** Everything the page shows. */
export interface CameraPageState {
  readonly name: string;
  readonly phase: PagePhase;
  readonly stream: MediaStream | null;
  /** Problems with the browser or the camera (shown before server problems). */
  readonly pageError: PawcamError | null;
  readonly serverState: TransportState;
  readonly serverError: PawcamError | null;
  readonly retryAt: number | null;
  readonly viewers: number;
  /** Viewers holding a standby link (a thumbnail in their camera list, no sound), and how many sessions fit. */
  readonly standbyLinks: number;
  readonly maxSessions: number | null;
  readonly cameraState: CameraState | null;
  /** Bumped when the camera's tracks change, so the preview binds the stream again. */
  readonly tracksVersion: number;
  readonly talkers: Talker[];
  readonly soundBlocked: boolean;
  /** The server connection is up (or coming): for the camera, or for pairing alone. */
  readonly online: boolean;
  readonly pairing: PairingStatus | null;
  readonly pairedList: PairedViewerInfo[];
  readonly pairedPersistent: boolean;
  readonly pairedProblem: string | null;
  /** Since when the page, reloaded with the camera left on, waits for a tap (the permission was not kept). */
  readonly needsTapSince: number | null;
  readonly awake: AwakeState;
  /** How long the page was in the background, once back (null: nothing to say). */
  readonly backgroundSec: number | null;
  /** The pairing link this tab was opened with went to the camera page already open in another tab. */
  readonly handedOver: boolean;
  /** The server turned this phone away over the typed code it came with: the pairing form says so, not an error box. */
  readonly codeRefused: boolean;
}

/** How long a tab opened with a pairing link waits to hear that another camera tab took it, ms. */
export const HANDOVER_WAIT_MS = 400;

/** What camera tabs of one browser say to each other (same origin only: a BroadcastChannel). */
export type TabMessage = { t: 'pair-link'; link: string; id: string } | { t: 'pair-taken'; id: string };

/** A channel to the other camera tabs of this browser (BroadcastChannel in the page). */
export interface TabChannel {
  post(message: TabMessage): void;
  listen(listener: (message: unknown) => void): () => void;
}

/** The camera the page runs (LocalCamera). */
export interface PageCamera {
  readonly state: CameraState;
  on(event: 'change', listener: (state: CameraState) => void): () => void;
  on(event: 'tracks' | 'ended', listener: () => void): () => void;
  recapture(): Promise<string[]>;
  stop(): void;
}

/** The networked half (station.ts), as the page uses it. */
export interface PageStation {
  readonly transport: { on(event: 'state', listener: (state: TransportState, detail: TransportStateDetail) => void): () => void };
  readonly sessions: { setName(name: string): void } | null;
  readonly talk: {
    on(event: 'change', listener: (list: Talker[]) => void): () => void;
    on(event: 'blocked', listener: (blocked: boolean) => void): () => void;
    unblock(): void;
  } | null;
  answerWith(options: { camera: PageCamera; name: string }): {
    readonly maxSessions: number;
    on(event: 'viewers' | 'standby', listener: (count: number) => void): () => void;
  };
  pair(invitation: Invitation, cameraName: string): Promise<PairingOutcome>;
  start(): void;
  reconnect(): void;
  stop(): void;
}

/** The page's browser pieces, injected. */
export interface CameraPageDeps {
  name: string;
  /** The browser cannot capture or connect at all: the problem, shown from the start. */
  captureProblem: PawcamError | null;
  /** The browser can capture but not stream (no WebRTC): the problem. */
  streamProblem: PawcamError | null;
  /** A secure context (the camera and the server need one). */
  secure: boolean;
  openStream(): Promise<MediaStream>;
  openCamera(stream: MediaStream): PageCamera;
  /** Unlock sound inside the Start tap; `resumed`: started without a tap, so sound may stay blocked. */
  unlockAudio(resumed: boolean): { blocked: boolean; onUnblocked(fn: () => void): void; resume(): void } | null;
  keepAwake: {
    readonly state: AwakeState;
    start(): void;
    stop(): void;
    on(event: 'change', listener: (state: AwakeState) => void): () => void;
    on(event: 'visible', listener: () => void): () => void;
  };
  /** Load and create the station; `codeHandle` is what enrolls the camera at a closed server when no link did. */
  loadStation(codeHandle: () => string | null): Promise<PageStation>;
  paired: {
    readonly persistent: boolean;
    on(event: 'change', listener: (list: PairedViewerInfo[]) => void): () => void;
    revoke(viewerId: string): Promise<void>;
  };
  attempts: {
    readonly codesPaused: boolean;
    resume(): void;
    claim(invitation: Invitation): Promise<AttemptRefusal | null>;
    record(invitation: Invitation, outcome: { ok: true } | { ok: false; failure: PairingFailure }): void;
  };
  /** Take a `#pair=` link out of the address bar (null: none). */
  takeInvitation(): Parsed<Invitation> | null;
  /** Take an enrollment link out of the address bar and keep it. */
  takeEnrollmentLink(): 'taken' | 'damaged' | null;
  /** Keep a link's way onto the server (enrollment, another rendezvous) across reloads. */
  rememberLinkExtras(invitation: Invitation): void;
  /** Save the camera's name; the saved form, or null when it is not a valid name. */
  saveName(input: string): string | null;
  /** Whether the owner left the camera on, and remember it. */
  cameraLeftOn(): boolean;
  rememberCameraOn(on: boolean): void;
  mediaPermission(): Promise<MediaPermission>;
  decideResume(leftOn: boolean, permission: MediaPermission, pairingLinkOpen: boolean): ResumeDecision;
  /** Answer signed pings with "needs a tap since …" until the camera streams. */
  standby(station: PageStation, since: number): { start(): void; stop(): void };
  /** The other camera tabs: a pairing link opened in a second tab is handed to the tab that runs the camera. */
  tabs?: TabChannel;
  timers: Timers;
}

/** Live through a server outage: the watching viewers keep the picture (peer to peer), so say that, not an error. */
export function liveThroughOutage(s: CameraPageState): boolean {
  return s.phase === 'running' && s.viewers > 0 && s.serverState === 'retrying';
}

/** The error the page shows: the page's own, else the server's while it matters. */
export function shownError(s: CameraPageState): PawcamError | null {
  // A server that refused the phone because of a typed code is the pairing banner's news ("No viewer is showing this
  // code"), said once, not again as a second error.
  if (!s.pageError && s.codeRefused && s.serverError?.code === 'not-enrolled') return null;
  return s.pageError ?? ((s.serverState === 'retrying' && !liveThroughOutage(s)) || s.serverState === 'id-taken' ? s.serverError : null);
}

/** Whether the error shown comes with a Reconnect button (the ID is free again once the other device let go). */
export function offersReconnect(s: CameraPageState): boolean {
  const code = shownError(s)?.code;
  return code === 'id-taken' || code === 'superseded';
}

/** Events of CameraPage. */
export type CameraPageEvents = {
  /** Something the page shows changed. */
  change: (state: CameraPageState) => void;
};

/** The camera page's state machine. */
export class CameraPage extends TypedEmitter<CameraPageEvents> {
  readonly #d: CameraPageDeps;
  #s: CameraPageState;
  #camera: PageCamera | null = null;
  #cameraOff: (() => void)[] = [];
  #audio: ReturnType<CameraPageDeps['unlockAudio']> = null;
  #station: PageStation | null = null;
  #stationLoading: Promise<PageStation | null> | null = null;
  /** Bumped by Stop camera, so a station still loading from before is not used. */
  #generation = 0;
  /** A pairing invitation waiting for the server connection: in memory only, never stored. */
  #invitation: Invitation | null = null;
  /** A link that arrived while the page was open waits for the person at the phone to say yes. */
  #awaitingConfirm = false;
  /** A typed code's handle: what enrolls this camera at a closed server when no link did. */
  #codeHandle: string | null = null;
  #standby: { stop(): void } | null = null;
  #hiddenAt: number | null = null;
  /** The id of this tab's offer of its pairing link to another tab, while an answer may come. */
  #handover: string | null = null;

  constructor(deps: CameraPageDeps) {
    super();
    this.#d = deps;
    this.#s = {
      name: deps.name,
      phase: 'idle',
      stream: null,
      pageError: deps.captureProblem,
      serverState: 'closed',
      serverError: null,
      retryAt: null,
      viewers: 0,
      standbyLinks: 0,
      maxSessions: null,
      cameraState: null,
      tracksVersion: 0,
      talkers: [],
      soundBlocked: false,
      online: false,
      pairing: null,
      pairedList: [],
      pairedPersistent: deps.paired.persistent,
      pairedProblem: null,
      needsTapSince: null,
      awake: deps.keepAwake.state,
      backgroundSec: null,
      handedOver: false,
      codeRefused: false,
    };
    deps.tabs?.listen((message) => this.#onTab(message));
    deps.paired.on('change', (list) => this.#set({ pairedList: list, pairedPersistent: deps.paired.persistent }));
    deps.keepAwake.on('change', (awake) => {
      if (awake.hidden) this.#hiddenAt ??= deps.timers.now();
      this.#set({ awake });
    });
    deps.keepAwake.on('visible', () => {
      if (this.#hiddenAt !== null && this.#s.phase === 'running') this.#set({ backgroundSec: Math.round((deps.timers.now() - this.#hiddenAt) / 1000) });
      this.#hiddenAt = null;
      void this.reviveTracks();
    });
    this.acceptPairingLink();
  }

  /** What the page shows now. */
  get state(): CameraPageState {
    return this.#s;
  }

  /** Live through a server outage (see liveThroughOutage). */
  get liveThroughOutage(): boolean {
    return liveThroughOutage(this.#s);
  }

  /** The error the page shows (see shownError). */
  get shownError(): PawcamError | null {
    return shownError(this.#s);
  }

  /** Reconnect from scratch (after "ID in use" or "superseded" was resolved on the other device). */
  reconnect(): void {
    this.#station?.reconnect();
  }

  /** Start the camera (the Start tap; `resumed`: by itself after a reload, without a tap). */
  async start(resumed = false): Promise<void> {
    if (this.#s.phase !== 'idle') return;
    this.#set({ phase: 'starting', pageError: null, codeRefused: false });
    // Inside the tap, before anything is awaited: iOS allows sound and the keep-awake video only from a gesture.
    if (!this.#audio) {
      const audio = this.#d.unlockAudio(resumed);
      this.#audio = audio;
      if (audio?.blocked) {
        // Started by itself after a reload, without a tap: the viewers' voices wait for the first tap anywhere.
        this.#set({ soundBlocked: true });
        audio.onUnblocked(() => this.#set({ soundBlocked: false }));
      }
    }
    this.#d.keepAwake.start();
    let media: MediaStream;
    try {
      media = await this.#d.openStream();
    } catch (error) {
      const pageError = toPawcamError(error);
      log.warn('could not open the camera', { code: pageError.code, error: pageError.message });
      this.#set({ pageError, phase: 'idle' });
      this.#d.keepAwake.stop();
      // Pairing needs the server, not the camera: a refused camera permission does not waste the invitation.
      if (this.#invitation && this.#canConnect()) void this.#pairNow();
      return;
    }
    const local = this.#d.openCamera(media);
    this.#camera = local;
    this.#cameraOff = [
      local.on('change', (cameraState) => this.#set({ cameraState })),
      local.on('tracks', () => this.#set({ tracksVersion: this.#s.tracksVersion + 1 })),
      local.on('ended', () => {
        // In the background the OS may end tracks; they are opened again when the page is back in front.
        if (!this.#d.keepAwake.state.hidden) void this.reviveTracks();
      }),
    ];
    this.#d.rememberCameraOn(true);
    this.#stopStandby();
    this.#set({ cameraState: local.state, stream: media, phase: 'running', needsTapSince: null });
    if (this.#d.streamProblem) {
      this.#set({ pageError: this.#d.streamProblem });
      return;
    }
    const running = await this.#connect();
    if (!running || this.#camera !== local) return;
    const answering = running.answerWith({ camera: local, name: this.#s.name });
    this.#set({ maxSessions: answering.maxSessions });
    answering.on('viewers', (viewers) => this.#set({ viewers }));
    answering.on('standby', (standbyLinks) => this.#set({ standbyLinks }));
    running.talk?.on('change', (talkers) => this.#set({ talkers }));
    running.talk?.on('blocked', (soundBlocked) => this.#set({ soundBlocked }));
    void this.#pairNow();
  }

  /** End every session, release the camera and microphone, and leave the page ready to start again. */
  stopCamera(): void {
    log.info('camera stopped by the user');
    this.#d.rememberCameraOn(false);
    this.#stopStandby();
    this.#generation++;
    this.#station?.stop();
    this.#station = null;
    this.#stationLoading = null;
    for (const off of this.#cameraOff.splice(0)) off();
    this.#camera?.stop();
    this.#camera = null;
    this.#d.keepAwake.stop();
    this.#set({
      needsTapSince: null,
      online: false,
      serverState: 'closed',
      cameraState: null,
      stream: null,
      viewers: 0,
      standbyLinks: 0,
      talkers: [],
      soundBlocked: false,
      backgroundSec: null,
      pageError: this.#s.pageError?.code === 'camera-busy' ? null : this.#s.pageError,
      phase: 'idle',
    });
  }

  /** Open again what the OS ended while the page was away (or another app took), or say the camera is gone. */
  async reviveTracks(): Promise<void> {
    const local = this.#camera;
    if (!local) return;
    try {
      const reopened = await local.recapture();
      if (reopened.length > 0) {
        log.info('reopened ended tracks', { kinds: reopened });
        if (this.#s.pageError?.code === 'camera-busy') this.#set({ pageError: null });
      }
    } catch (error) {
      if (this.#camera !== local) return;
      log.warn('could not reopen the camera', { error: String(error) });
      this.#set({ pageError: new PawcamError('camera-busy', 'the camera stopped (another app took it)', { cause: error }) });
    }
  }

  /** The Enable sound tap. */
  enableSound(): void {
    this.#audio?.resume();
    this.#station?.talk?.unblock();
  }

  /** Hide the "was in the background" note. */
  dismissBackground(): void {
    this.#set({ backgroundSec: null });
  }

  /**
   * Read a `#pair=` link from the address: on load (`arrived` false), or sent to the open page (`arrived` true).
   * The link a page was opened with is the owner's own act, and still waits for the Start camera tap. A link that
   * arrives while the page is open (the phone's tab was navigated to it) could come from anyone who got a link
   * opened on the phone, so it pairs only once the person at the phone says yes on screen.
   */
  acceptPairingLink(arrived = false): void {
    const enrollment = this.#d.takeEnrollmentLink();
    if (enrollment === 'damaged') log.warn('the address holds a damaged enrollment link');
    if (enrollment === 'taken') this.#reconnectIfNotEnrolled();
    const taken = this.#d.takeInvitation();
    if (!taken) return;
    if (!taken.ok) {
      log.warn('the address holds a damaged pairing link', { error: taken.error });
      this.#set({ pairing: { state: 'failed', failure: 'bad-link' } });
      return;
    }
    if (taken.value.expiresAt < this.#d.timers.now()) {
      this.#set({ pairing: { state: 'failed', failure: 'expired' } });
      return;
    }
    this.#invitation = taken.value;
    this.#d.rememberLinkExtras(taken.value);
    if (arrived) {
      this.#awaitingConfirm = true;
      if (this.#s.pairing?.state !== 'pairing') this.#set({ pairing: { state: 'confirm' } });
      return;
    }
    // Opening a link is not consent to pair: until the camera is started, wait for the Start camera tap.
    if (this.#station) void this.#pairNow();
    else {
      this.#set({ pairing: { state: 'waiting' } });
      this.#offerToOtherTab(taken.value);
    }
  }

  /**
   * A link opened in a second tab would register this camera's ID a second time and knock the first tab off the
   * server. Offer it to a camera tab that is running; if one takes it, it asks its person for a yes (as for any link
   * that reaches an open page) and this tab pairs nothing.
   */
  #offerToOtherTab(invitation: Invitation): void {
    const tabs = this.#d.tabs;
    if (!tabs) return;
    const id = Math.random().toString(36).slice(2);
    this.#handover = id;
    tabs.post({ t: 'pair-link', link: encodeInvitation(invitation), id });
    this.#d.timers.setTimeout(() => {
      if (this.#handover === id) this.#handover = null;
    }, HANDOVER_WAIT_MS);
  }

  #onTab(message: unknown): void {
    // Same-origin tabs only, but parsed like anything else that arrives.
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    if (m['t'] === 'pair-taken' && typeof m['id'] === 'string' && m['id'] === this.#handover) {
      this.#handover = null;
      this.#invitation = null;
      log.info('handed the pairing link to the camera tab already open');
      this.#set({ pairing: null, handedOver: true });
      return;
    }
    if (m['t'] !== 'pair-link' || typeof m['link'] !== 'string' || typeof m['id'] !== 'string' || this.#s.phase === 'idle') return;
    const parsed = parseInvitation(m['link']);
    if (!parsed.ok || parsed.value.expiresAt < this.#d.timers.now()) return;
    this.#d.tabs?.post({ t: 'pair-taken', id: m['id'] });
    this.#invitation = parsed.value;
    this.#d.rememberLinkExtras(parsed.value);
    this.#awaitingConfirm = true;
    if (this.#s.pairing?.state !== 'pairing') this.#set({ pairing: { state: 'confirm' } });
  }

  /** The person at the phone said yes to a link that arrived while the page was open. */
  confirmPairing(): void {
    if (!this.#awaitingConfirm) return;
    this.#awaitingConfirm = false;
    log.info('the person at the phone accepted a pairing link');
    void this.#pairNow();
  }

  /** The person at the phone ignored that link. */
  rejectPairing(): void {
    log.info('the person at the phone ignored a pairing link');
    this.#awaitingConfirm = false;
    this.#invitation = null;
    this.#set({ pairing: null });
  }

  /** Allow typed codes again after they were paused. */
  resumeCodes(): void {
    this.#d.attempts.resume();
    this.#set({ pairing: null });
  }

  /** Pair with a typed code; a sentence for the form when it cannot even be tried. */
  pairWithCode(text: string): string | null {
    if (this.#d.attempts.codesPaused) {
      this.#set({ pairing: { state: 'failed', failure: 'codes-paused' } });
      return PAGE_MESSAGES.codesPaused;
    }
    const parsed = parseShortCode(text, this.#d.timers.now());
    // The form says what is wrong, in one place: a banner left from an earlier attempt would only contradict it.
    if (!parsed.ok) {
      this.#clearFailedPairing();
      return typedCodeProblem(text);
    }
    this.#awaitingConfirm = false;
    if (!this.#canConnect()) {
      this.#clearFailedPairing();
      return PAGE_MESSAGES.cannotConnect;
    }
    this.#invitation = parsed.value;
    this.#codeHandle = parsed.value.rendezvousId.replace(/^pair-/, '');
    void this.#pairNow();
    return null;
  }

  /**
   * After a reload (or when the page is back in front, or the network returns): a camera the owner left on starts by
   * itself where the browser kept the permission; else the page says it needs a tap, and tells the viewers so.
   */
  async resume(): Promise<void> {
    if (this.#s.phase !== 'idle' || !this.#canConnect()) return;
    const decision = this.#d.decideResume(this.#d.cameraLeftOn(), await this.#d.mediaPermission(), this.#invitation !== null);
    if (this.#s.phase !== 'idle' || decision === 'idle') return;
    if (decision === 'start') {
      log.info('starting the camera by itself: it was left on and the permission is kept');
      void this.start(true);
      return;
    }
    const since = this.#s.needsTapSince ?? this.#d.timers.now();
    this.#set({ needsTapSince: since });
    const running = await this.#connect();
    if (!running || this.#s.phase !== 'idle' || this.#standby) return;
    const standby = this.#d.standby(running, since);
    this.#standby = standby;
    standby.start();
  }

  /** Revoke a paired viewer (its live session ends at once). */
  async revoke(viewerId: string): Promise<void> {
    this.#set({ pairedProblem: null });
    try {
      await this.#d.paired.revoke(viewerId);
    } catch (error) {
      log.warn('could not delete a revoked viewer from storage', { error: String(error) });
      this.#set({ pairedProblem: PAGE_MESSAGES.revokeNotStored });
    }
  }

  /** Rename the camera; the saved name, or null when it is not a valid one. */
  rename(input: string): string | null {
    const saved = this.#d.saveName(input);
    if (saved !== null) {
      this.#set({ name: saved });
      this.#station?.sessions?.setName(saved);
    }
    return saved;
  }

  /** The page goes away: tell the viewers and the server now, so they do not wait for timeouts. */
  leave(): void {
    this.#station?.stop();
  }

  #clearFailedPairing(): void {
    if (this.#s.pairing?.state === 'failed') this.#set({ pairing: null });
  }

  #canConnect(): boolean {
    return this.#d.secure && this.#d.streamProblem === null;
  }

  #stopStandby(): void {
    this.#standby?.stop();
    this.#standby = null;
  }

  #refusedNotEnrolled(): boolean {
    return this.#s.serverState === 'id-taken' && this.#s.serverError?.code === 'not-enrolled';
  }

  /** A server that said "not enrolled" is asked again once the page has something to enroll with. */
  #reconnectIfNotEnrolled(): void {
    if (this.#refusedNotEnrolled()) this.#station?.reconnect();
  }

  /** Load the networked half and register at the server (once). */
  #connect(): Promise<PageStation | null> {
    this.#stationLoading ??= (async () => {
      const mine = this.#generation;
      let station: PageStation;
      try {
        station = await this.#d.loadStation(() => this.#codeHandle);
      } catch (error) {
        const pageError = toPawcamError(error);
        log.error('could not load the streaming code', { error: pageError.message });
        this.#stationLoading = null;
        this.#set({ pageError });
        return null;
      }
      if (mine !== this.#generation) return null;
      this.#station = station;
      station.transport.on('state', (serverState, detail) =>
        this.#set({ serverState, retryAt: detail.retryAt ?? null, serverError: detail.error ?? null, ...(serverState === 'open' ? { codeRefused: false } : {}) }),
      );
      this.#set({ online: true });
      station.start();
      return station;
    })();
    return this.#stationLoading;
  }

  /** Run the pending invitation, connecting to the server first if needed; one pairing at a time. */
  async #pairNow(): Promise<void> {
    // A link that arrived while the page was open waits for its on-screen yes (confirmPairing), not for this.
    if (!this.#invitation || this.#s.pairing?.state === 'pairing' || this.#awaitingConfirm) return;
    this.#set({ pairing: { state: 'pairing' } });
    this.#reconnectIfNotEnrolled();
    const running = await this.#connect();
    const current = this.#invitation;
    this.#invitation = null;
    if (!running || !current) {
      this.#set({ pairing: { state: 'failed', failure: 'no-server' } });
      return;
    }
    const refused = await this.#d.attempts.claim(current);
    if (refused) {
      this.#set({ pairing: { state: 'failed', failure: refused } });
      return;
    }
    const outcome = await running.pair(current, this.#s.name);
    this.#d.attempts.record(current, outcome);
    // The failure that paused typed codes says so at once, with the way to allow them again.
    const paused = !outcome.ok && isShortCodeInvitation(current) && this.#d.attempts.codesPaused;
    const pairing: PairingStatus = outcome.ok
      ? { state: 'paired', viewerName: outcome.viewerName }
      : { state: 'failed', failure: paused ? 'codes-paused' : shownFailure(current, outcome.failure, this.#refusedNotEnrolled()) };
    // A phone that is not running its camera was turned away only over the code: the form keeps that news.
    const codeRefused = this.#s.phase === 'idle' && pairing.state === 'failed' && pairing.failure === 'no-such-code' && this.#refusedNotEnrolled();
    this.#set({ pairing, codeRefused });
    if (outcome.ok) {
      // The news leaves after a while; the viewer stays listed under Paired viewers.
      this.#d.timers.setTimeout(() => {
        if (this.#s.pairing === pairing) this.#set({ pairing: null });
      }, PAIRED_NOTE_MS);
    }
    // Another link or code came in meanwhile.
    if (this.#invitation && this.#awaitingConfirm) this.#set({ pairing: { state: 'confirm' } });
    else if (this.#invitation) void this.#pairNow();
  }

  #set(patch: Partial<CameraPageState>): void {
    this.#s = { ...this.#s, ...patch };
    this.emit('change', this.#s);
  }
}
