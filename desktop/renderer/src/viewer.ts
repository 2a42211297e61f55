/**
 * The viewer's state and behaviour, apart from any DOM: the signaling transport, presence, the camera list, pairing
 * and the current watch, combined into one immutable view model that the Svelte UI renders. Main's commands (tray,
 * shortcuts, mini window) arrive here too.
 */
import { missingCase, toPawcamError, type PawcamErrorCode } from '../../../protocol/errors.ts';
import { SNAPSHOT_MESSAGES, VIEWER_MESSAGES, keyNotDeletedMessage, miniWindowFailedMessage } from './messages.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import { viewerBaseId } from '../../../protocol/ids.ts';
import { ViewerCommandSchema, type CameraEntry, type CameraState, type PawcamApi, type ViewerCommand } from '../../../protocol/ipc.ts';
import { createLogger } from '../../../protocol/log.ts';
import { parseWith } from '../../../protocol/schema.ts';
import type { CameraStandby } from '../../../protocol/envelope.ts';
import type { SignalTransport, TransportState, TransportStateDetail } from '../../../protocol/transport.ts';
import { CameraList, type CameraEditResult } from './cameras/camera-list.ts';
import type { ConnectionStats } from './watch/connection-stats.ts';
import type { PairKeyStore } from './pairing/pair-key-store.ts';
import { PairingHost, type RendezvousTransport } from './pairing/pairing-host.ts';
import { Presence, type PresenceState } from './cameras/presence.ts';
import type { Settings } from './settings/settings.ts';
import { createEventSettings, type EventSettingsAccess } from './events-settings/event-settings.ts';
import type { EventMessage } from '../../../protocol/event-messages.ts';
import type { CameraStatus, DataMessage } from '../../../protocol/messages.ts';
import type { LiveState } from './watch/redial.ts';
import type { EndReason, MicState, Watch, WatchPhase } from './watch/types.ts';

const log = createLogger('viewer');

/** A camera as the UI shows it. */
export interface CameraView {
  readonly id: string;
  readonly name: string;
  readonly state: CameraState;
  /** What presence alone says (the state without 'watching'). */
  readonly presence: PresenceState;
  /** The name the camera gives itself (from a verified pong), when it differs from ours. */
  readonly reportedName: string | null;
  /** This viewer holds the camera's pair key (false for a camera added by ID before pairing existed). */
  readonly paired: boolean;
  /** The camera page answers but does not stream: it waits for a tap on the phone (from its verified pong). */
  readonly standby: CameraStandby | null;
  /** The standby link's picture: a small frame every few seconds (null while there is no link). */
  readonly thumbnail: MediaStream | null;
  /** The camera's battery, from its latest status over the link. */
  readonly battery: { readonly level: number; readonly charging: boolean } | null;
  /** When the camera was last heard from (a pong or a message over the link), ms since the epoch. */
  readonly lastSeen: number | null;
}

/** The current (or just ended) watch. */
export interface WatchView {
  readonly cameraId: string;
  /** Our name for the camera. */
  readonly name: string;
  readonly phase: WatchPhase;
  readonly stream: MediaStream | null;
  readonly remoteName: string | null;
  readonly endReason: EndReason | null;
  /** Why it failed, for the live view (watch errors are shown there, not in the page's banner). */
  readonly error: ViewerError | null;
  /** connecting | live | reconnecting (healing after a drop) | ended. */
  readonly liveState: LiveState;
  /** The camera's latest status report. */
  readonly status: CameraStatus | null;
  /** The talk-back microphone. */
  readonly mic: MicState;
  readonly talking: boolean;
  /** Since when the camera could not be reached, while the watch keeps dialling it (ms since the epoch). */
  readonly offlineSince: number | null;
}

/** The connection to the signaling server. */
export interface ServerView {
  readonly state: TransportState;
  readonly retryAt: number | null;
  readonly error: string | null;
}

/** An error for the user, with the code tests and the UI key on. */
export interface ViewerError {
  readonly code: PawcamErrorCode;
  readonly message: string;
}

/** Everything the UI renders. */
export interface ViewerModel {
  readonly server: ServerView;
  readonly cameras: readonly CameraView[];
  readonly watch: WatchView | null;
  readonly error: ViewerError | null;
  /** The camera list has been loaded. */
  readonly ready: boolean;
}

/** Events of Viewer. */
export type ViewerEvents = {
  change: (model: ViewerModel) => void;
  /** Main asked for a snapshot of the live view. */
  'snapshot-requested': () => void;
  /** Main asked for the settings. */
  'settings-requested': () => void;
  /** A data-channel message from the watched camera (status, control results). */
  'camera-message': (message: DataMessage) => void;
  /**
   * An event message from a camera over its link (standby or watched), already parsed; the camera is the one the
   * link authenticated with its pair key.
   */
  'event-message': (cameraId: string, message: EventMessage) => void;
  /** A link's data channel opened (the camera said hello): the moment to tell the camera what this viewer wants. */
  'link-open': (cameraId: string) => void;
  /** Main asked to show an event (its notification was clicked): the camera, the event and when it happened. */
  'event-requested': (request: { cameraId: string; eventId: string; at: number }) => void;
};

/** The transport the viewer drives (PeerjsTransport, or a fake). */
export type ViewerTransport = SignalTransport & { start(): void; retryNow?(): void };

/** Options of Viewer. */
export interface ViewerOptions {
  api: PawcamApi;
  transport: ViewerTransport;
  /** Where the cameras' pair keys are kept. */
  keys: PairKeyStore;
  settings: Settings;
  /**
   * Opens a watch of a camera (not started). `standby`: as a standby link, lowered (the thumbnail); the viewer raises
   * it on Watch and lowers it on Stop when it offers raise/lower.
   */
  openWatch: (cameraId: string, options: { standby: boolean }) => Watch;
  /**
   * Keep a standby link to every paired camera that is online (the camera list's live thumbnails, and Watch without
   * a new dial). Off for a mini window, which watches one camera over one link.
   */
  standbyLinks?: boolean;
  /** Follow only this camera (a mini window never pings the others). */
  onlyCamera?: string;
  /** The clock (ms since the epoch). */
  now?: () => number;
  /** Registers a short code's temporary rendezvous ID. */
  openRendezvous: (id: string, token: string) => RendezvousTransport;
  presence?: Presence;
}

/** The viewer's logic. */
export class Viewer extends TypedEmitter<ViewerEvents> {
  readonly #api: PawcamApi;
  readonly #transport: ViewerTransport;
  readonly #keys: PairKeyStore;
  readonly #openWatch: (cameraId: string, options: { standby: boolean }) => Watch;
  readonly #standbyLinks: boolean;
  readonly #onlyCamera: string | null;
  readonly #now: () => number;
  /** One link per camera: standby links, and the watch (a raised link, or a plain watch). */
  readonly #links = new Map<string, Watch>();
  readonly #lastSeen = new Map<string, number>();
  readonly #presence: Presence;
  readonly #list: CameraList;
  readonly #pairing: PairingHost;
  readonly #cleanup: (() => void)[] = [];
  #server: ServerView;
  #watch: Watch | null = null;
  #error: ViewerError | null = null;
  #ready = false;
  #model: ViewerModel;
  #viewerName: () => string = () => '';
  #reported = '';
  /** Each camera's last reported battery level (0..1). */
  readonly #lastBattery = new Map<string, number>();
  /**
   * Each camera's event preferences (detection settings, muted kinds); a save reaches the camera at once over its
   * open link. Null in the web viewer, which keeps no events.
   */
  readonly eventSettings: EventSettingsAccess | null;

  constructor(options: ViewerOptions) {
    super();
    this.eventSettings = createEventSettings(options.api, (cameraId, message) => this.sendEvent(cameraId, message));
    this.#api = options.api;
    this.#transport = options.transport;
    this.#keys = options.keys;
    this.#openWatch = options.openWatch;
    this.#standbyLinks = options.standbyLinks ?? false;
    this.#onlyCamera = options.onlyCamera ?? null;
    this.#now = options.now ?? Date.now;
    this.#presence = options.presence ?? new Presence({ transport: options.transport, keyFor: (id) => options.keys.load(id) });
    this.#list = new CameraList(options.api);
    const settings = options.settings;
    this.#pairing = new PairingHost({
      transport: options.transport,
      viewerId: viewerBaseId(options.transport.id),
      viewerName: () => settings.current.viewerName,
      openRendezvous: options.openRendezvous,
      adopt: (cameraId, cameraName, key) => this.#adopt(cameraId, cameraName, key),
      canAdopt: (cameraId) => this.#list.hasRoomFor(cameraId),
    });
    this.#server = { state: options.transport.state, retryAt: null, error: null };
    this.#model = this.#build();
    this.#viewerName = () => settings.current.viewerName;
    // A rename reaches the camera being watched at once (and every other camera at its next watch).
    this.#cleanup.push(settings.on('change', () => this.#tellName(this.#watch)));
    // "Always relay" decides how a link is dialled: the standby links are dialled again with it (the watch keeps its
    // connection until its next dial), so a Watch after the change never raises a link that shows the addresses.
    let alwaysRelay = settings.current.alwaysRelay;
    this.#cleanup.push(
      settings.on('change', (current) => {
        if (current.alwaysRelay === alwaysRelay) return;
        alwaysRelay = current.alwaysRelay;
        this.#redialStandbyLinks();
      }),
    );
  }

  /** Tell the camera this viewer's name over the authenticated data channel, so a rename reaches existing pairings. */
  #tellName(watch: Watch | null): void {
    if (!watch || watch.phase !== 'live') return;
    watch.send({ t: 'viewer-name', name: this.#viewerName() });
  }

  /** The current view model (a new object after every change). */
  get model(): ViewerModel {
    return this.#model;
  }

  /** Pairing invitations and their progress. */
  get pairing(): PairingHost {
    return this.#pairing;
  }

  /** Load the cameras, connect to the server, start presence, and listen to main. */
  async start(): Promise<void> {
    this.#cleanup.push(
      this.#list.on('change', (cameras) => {
        const ids = cameras.map((c) => c.id).filter((id) => this.#onlyCamera === null || id === this.#onlyCamera);
        this.#presence.setCameras(ids);
        // A forgotten camera's link goes with it.
        for (const [id, link] of [...this.#links]) if (!ids.includes(id)) this.#dropLink(id, link);
        this.#changed();
      }),
      this.#list.on('error', (error) => this.#setError(error.code, error.message)),
      this.#presence.on('change', (id, entry) => {
        if (entry.state === 'online') this.#lastSeen.set(id, this.#now());
        // A link waiting to re-dial a camera that just came back dials at once; one that is gone dials rarely.
        const link = this.#links.get(id);
        if (entry.state === 'online') {
          if (link) link.cameraOnline?.();
          else if (this.#standbyLinks && entry.unpaired !== true && entry.standby === undefined) this.#openLink(id, true);
        } else if (entry.state === 'offline' && link) {
          // A standby link to a camera that is gone is closed (presence opens a new one when it is back); a watch
          // keeps dialling it, rarely, and says since when it is offline.
          if (link === this.#watch) link.cameraOffline?.();
          else this.#dropLink(id, link);
        }
        this.#changed();
      }),
      this.#transport.on('state', (state, detail) => this.#onTransportState(state, detail)),
      this.#api.onCommand((command) => this.#onCommand(command)),
    );
    // The server connection first: it is the slowest part of the first Watch, and needs nothing from the list.
    this.#transport.start();
    await this.#list.load();
    this.#ready = true;
    this.#changed();
    this.#presence.start();
    this.#pairing.start();
  }

  /** Stop everything (page unload). */
  dispose(): void {
    for (const [id, link] of [...this.#links]) this.#dropLink(id, link);
    this.#watch?.stop();
    this.#presence.stop();
    this.#pairing.stop();
    for (const off of this.#cleanup.splice(0)) off();
    this.#transport.close();
  }

  /** Retry the server connection now instead of waiting out the backoff. */
  retryServerNow(): void {
    this.#transport.retryNow?.();
  }

  /**
   * Watch a camera (stopping or lowering any other watch). With a standby link to it, the link is raised: the picture
   * is there at once and nothing goes through the server.
   */
  watch(cameraId: string): void {
    if (!this.#list.find(cameraId)) return;
    const current = this.#watch;
    const link = this.#links.get(cameraId);
    const usable = link && link.phase !== 'ended' && link.raise !== undefined ? link : null;
    if (current && current.cameraId === cameraId && current === usable && current.raised !== false) return;
    if (current && current.cameraId === cameraId && !usable && (current.phase === 'connecting' || current.phase === 'live')) return;
    if (current && current !== usable) this.#leave(current);
    this.#error = null;
    if (usable) {
      this.#watch = usable;
      usable.raise?.();
    } else {
      this.#watch = this.#openLink(cameraId, false);
    }
    this.#changed();
  }

  /** Stop watching `watch`: a link goes back to standby, anything else is stopped. */
  #leave(watch: Watch): void {
    if (this.#watch === watch) this.#watch = null;
    if (this.#standbyLinks && watch.lower && watch.phase !== 'ended' && this.#links.get(watch.cameraId) === watch) watch.lower();
    else {
      if (this.#links.get(watch.cameraId) === watch) this.#links.delete(watch.cameraId);
      watch.stop();
    }
  }

  /** Open (and start) the one link to a camera: a standby link (`standby`), or a watch from the start. */
  #openLink(cameraId: string, standby: boolean): Watch {
    const existing = this.#links.get(cameraId);
    if (existing && existing.phase !== 'ended') return existing;
    const watch = this.#openWatch(cameraId, { standby });
    this.#links.set(cameraId, watch);
    const update = (): void => {
      if (this.#links.get(cameraId) === watch || this.#watch === watch) this.#changed();
    };
    const seen = (): void => void this.#lastSeen.set(cameraId, this.#now());
    watch.on('connecting', update);
    watch.on('live', () => (seen(), update()));
    watch.on('stream', update);
    watch.on('hello', update);
    // The camera's hello means the data channel is open: say who we are (the name may have changed since pairing).
    watch.on('hello', () => {
      this.#tellName(watch);
      this.emit('link-open', cameraId);
    });
    watch.on('ended', () => {
      // A link that ended for good (not paired any more, tampered with, stopped) is gone; a watch shows why.
      if (this.#links.get(cameraId) === watch) this.#links.delete(cameraId);
      update();
    });
    watch.on('reconnecting', update);
    watch.on('change', update);
    watch.on('event-message', (message) => {
      seen();
      this.emit('event-message', cameraId, message);
    });
    watch.on('message', (message) => {
      seen();
      if (message.t === 'status') update();
      if (this.#watch === watch) this.emit('camera-message', message);
    });
    watch.start();
    // What presence knows already: a camera that answers pings is reachable, however its dials end.
    const known = this.#presence.get(cameraId).state;
    if (known === 'online') watch.cameraOnline?.();
    else if (known === 'offline') watch.cameraOffline?.();
    return watch;
  }

  #redialStandbyLinks(): void {
    for (const [id, link] of [...this.#links]) {
      if (link === this.#watch) continue;
      this.#dropLink(id, link);
      if (this.#standbyLinks && this.#presence.get(id).state === 'online') this.#openLink(id, true);
    }
    this.#changed();
  }

  #dropLink(cameraId: string, link: Watch): void {
    if (this.#links.get(cameraId) === link) this.#links.delete(cameraId);
    if (this.#watch === link) this.#watch = null;
    link.stop();
  }

  /** Send an event message (acks, detection settings) to a camera over its link; false when no link is open. */
  sendEvent(cameraId: string, message: EventMessage): boolean {
    return this.#links.get(cameraId)?.sendEvent?.(message) ?? false;
  }

  /** Talk to the watched camera (push-to-talk); false when there is no microphone or no watch. */
  setTalking(on: boolean): boolean {
    return this.#watch?.setTalking?.(on) ?? false;
  }

  /** Send a data-channel message to the watched camera; false when the channel is not open. */
  sendToCamera(message: DataMessage): boolean {
    return this.#watch?.send(message) ?? false;
  }

  /** Stop the current watch and close the live view (a standby link stays up, back on its thumbnail). */
  stopWatching(): void {
    const watch = this.#watch;
    if (watch) this.#leave(watch);
    this.#watch = null;
    this.#changed();
  }

  /** How the current watch is connected, when it is live. */
  connectionStats(): Promise<ConnectionStats | null> {
    const watch = this.#watch;
    return watch && watch.phase === 'live' ? watch.stats() : Promise.resolve(null);
  }

  /** Rename a camera. */
  renameCamera(id: string, name: string): Promise<CameraEditResult> {
    return this.#list.rename(id, name);
  }

  /** Forget a camera: its pair key and its entry go (stopping its watch). */
  async forgetCamera(id: string): Promise<void> {
    if (this.#watch?.cameraId === id) this.stopWatching();
    try {
      await this.#keys.delete(id);
    } catch (error) {
      // The entry goes anyway: a key left behind is useless without it, and pairing again replaces it.
      log.error('could not delete a pair key', { cameraId: id, error: String(error) });
      this.#setError('storage-failed', keyNotDeletedMessage(toPawcamError(error).message));
    }
    await this.#list.remove(id);
  }

  async #adopt(cameraId: string, cameraName: string, key: Uint8Array<ArrayBuffer>): Promise<{ replaced: boolean }> {
    // The key first: an entry without its key could not be watched.
    await this.#keys.save(cameraId, key);
    const { existed } = await this.#list.adoptPaired(cameraId, cameraName);
    this.#presence.refresh(cameraId);
    return { replaced: existed };
  }

  /** Open the always-on-top mini window (desktop only). */
  async openMiniWindow(cameraId: string): Promise<void> {
    try {
      await this.#api.openMiniWindow(cameraId);
    } catch (error) {
      this.#setError('window-failed', miniWindowFailedMessage(error instanceof Error ? error.message : String(error)));
    }
  }

  /** Show an error (e.g. from the snapshot button). */
  reportError(code: PawcamErrorCode, message: string): void {
    this.#setError(code, message);
  }

  /** Hide the current error. */
  dismissError(): void {
    this.#error = null;
    this.#changed();
  }

  #onTransportState(state: TransportState, detail: TransportStateDetail): void {
    this.#server = { state, retryAt: detail.retryAt ?? null, error: detail.error?.message ?? null };
    if (state === 'id-taken') {
      // The server's reason, when it gave one: this window lost its connection to a newer one with the same ID.
      this.#error =
        detail.error?.code === 'superseded'
          ? { code: 'superseded', message: VIEWER_MESSAGES.superseded }
          : detail.error?.code === 'not-enrolled'
            ? { code: 'not-enrolled', message: VIEWER_MESSAGES.notEnrolled }
            : { code: 'id-taken', message: VIEWER_MESSAGES.openElsewhere };
    } else if (state === 'open' && (this.#error?.code === 'id-taken' || this.#error?.code === 'superseded')) {
      this.#error = null;
    }
    this.#changed();
  }

  #onCommand(input: unknown): void {
    // Commands cross IPC: parse them like any other untrusted input.
    const parsed = parseWith(ViewerCommandSchema, input);
    if (!parsed.ok) {
      log.warn('dropped a malformed command', { error: parsed.error });
      return;
    }
    const command: ViewerCommand = parsed.value;
    switch (command.type) {
      case 'watch':
        this.watch(command.cameraId);
        return;
      case 'snapshot':
        if (command.cameraId !== undefined && command.cameraId !== this.#watch?.cameraId) {
          this.#setError('not-watching', SNAPSHOT_MESSAGES.notWatching);
          return;
        }
        this.emit('snapshot-requested');
        return;
      case 'open-settings':
        this.emit('settings-requested');
        return;
      case 'open-event':
        this.emit('event-requested', { cameraId: command.cameraId, eventId: command.eventId, at: command.at });
        return;
      default:
        missingCase(command);
    }
  }

  #setError(code: PawcamErrorCode, message: string): void {
    this.#error = { code, message };
    this.#changed();
  }

  #changed(): void {
    this.#model = this.#build();
    this.emit('change', this.#model);
    this.#reportStates();
  }

  #build(): ViewerModel {
    const watch = this.#watch;
    const active = watch && (watch.phase === 'connecting' || watch.phase === 'live') ? watch.cameraId : null;
    const cameras = this.#list.cameras.map((c: CameraEntry): CameraView => {
      const presence = this.#presence.get(c.id);
      const reported = presence.reportedName ?? null;
      const link = this.#links.get(c.id);
      const linked = link && link.phase === 'live' ? link : null;
      const battery = link?.status?.battery ?? null;
      return {
        id: c.id,
        name: c.name,
        state: active === c.id ? 'watching' : presence.state,
        presence: presence.state,
        reportedName: reported !== null && reported !== c.name ? reported : null,
        paired: presence.unpaired !== true,
        standby: presence.standby ?? null,
        thumbnail: linked?.stream ?? null,
        battery: battery ? { level: battery.level, charging: battery.charging } : null,
        lastSeen: this.#lastSeen.get(c.id) ?? null,
      };
    });
    const watchView: WatchView | null = watch
      ? {
          cameraId: watch.cameraId,
          name: this.#list.find(watch.cameraId)?.name ?? watch.remoteName ?? watch.cameraId,
          phase: watch.phase,
          stream: watch.stream,
          remoteName: watch.remoteName,
          endReason: watch.endReason,
          error: watch.endReason?.error ? { code: watch.endReason.error.code, message: watch.endReason.message } : null,
          liveState: watch.phase === 'ended' ? 'ended' : watch.phase === 'live' ? 'live' : watch.reconnecting ? 'reconnecting' : 'connecting',
          status: watch.status ?? null,
          mic: watch.mic ?? 'none',
          talking: watch.talking ?? false,
          offlineSince: watch.offlineSince ?? null,
        }
      : null;
    return { server: this.#server, cameras, watch: watchView, error: this.#error, ready: this.#ready };
  }

  #reportStates(): void {
    // The battery a camera last reported stays known after its link ends: "camera offline" shows it.
    for (const c of this.#model.cameras) if (c.battery) this.#lastBattery.set(c.id, c.battery.level);
    const states = this.#model.cameras.map((c) => ({ id: c.id, name: c.name, state: c.state, battery: this.#lastBattery.get(c.id) ?? null }));
    const key = JSON.stringify(states);
    if (key === this.#reported) return;
    this.#reported = key;
    this.#api.reportCameraStates(states).catch((error: unknown) => log.debug('reportCameraStates failed', { error: String(error) }));
  }
}
