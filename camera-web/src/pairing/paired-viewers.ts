/**
 * The viewers this camera is paired with, and their pair keys. Keys live only as non-extractable HMAC CryptoKeys:
 * the raw bytes from the pairing are imported once and wiped, so script on this page can use a key but never read it.
 */
import { pairMacKey } from '../../../protocol/auth.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { Pairing } from '../../../protocol/pairing.ts';

const log = createLogger('paired-viewers');

/** A paired viewer as stored. */
export interface PairedViewer {
  viewerId: string;
  name: string;
  /** Epoch ms of the pairing. */
  pairedAt: number;
  /** Non-extractable HMAC-SHA-256 key (IndexedDB stores CryptoKey objects as they are). */
  key: CryptoKey;
}

/** What the page shows of a paired viewer (never the key). */
export type PairedViewerInfo = Omit<PairedViewer, 'key'>;

/** Where paired viewers are kept: IndexedDB in the page, memory when the browser has none. */
export interface ViewerStore {
  /** Whether the store survives a reload. */
  readonly persistent: boolean;
  list(): Promise<PairedViewer[]>;
  put(viewer: PairedViewer): Promise<void>;
  remove(viewerId: string): Promise<void>;
}

/** The keys CameraSessions checks offers and pings with: null for a viewer that is not paired (or was revoked). */
export interface ViewerKeyring {
  keyFor(viewerId: string): Promise<CryptoKey | null>;
}

/** A store that forgets everything on reload. */
export function memoryViewerStore(): ViewerStore {
  const map = new Map<string, PairedViewer>();
  return {
    persistent: false,
    list: async () => [...map.values()],
    put: async (viewer) => void map.set(viewer.viewerId, viewer),
    remove: async (viewerId) => void map.delete(viewerId),
  };
}

/** Events of PairedViewers. */
export type PairedViewersEvents = {
  /** The list changed (loaded, paired, revoked). */
  change: (viewers: PairedViewerInfo[]) => void;
  /** A viewer was revoked: its sessions must end now. */
  revoked: (viewerId: string) => void;
};

/** The paired viewers, cached in memory over a store; the camera's keyring. */
export class PairedViewers extends TypedEmitter<PairedViewersEvents> implements ViewerKeyring {
  readonly #byId = new Map<string, PairedViewer>();
  readonly #ready: Promise<void>;
  #store: ViewerStore;
  #persistent: boolean;

  /** `store` may still be opening; keys are looked up only once it has loaded. */
  constructor(store: ViewerStore | Promise<ViewerStore>) {
    super();
    this.#store = memoryViewerStore();
    this.#persistent = true;
    this.#ready = this.#load(store);
  }

  /** Resolves once the stored viewers are loaded. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /** Whether pairings survive a reload (false: the browser keeps no data for this page). */
  get persistent(): boolean {
    return this.#persistent;
  }

  /** The paired viewers, oldest first. */
  list(): PairedViewerInfo[] {
    return [...this.#byId.values()]
      .sort((a, b) => a.pairedAt - b.pairedAt)
      .map(({ viewerId, name, pairedAt }) => ({ viewerId, name, pairedAt }));
  }

  /** Whether `viewerId` is paired (once loaded). */
  async has(viewerId: string): Promise<boolean> {
    await this.#ready;
    return this.#byId.has(viewerId);
  }

  async keyFor(viewerId: string): Promise<CryptoKey | null> {
    await this.#ready;
    return this.#byId.get(viewerId)?.key ?? null;
  }

  /** Keep a new pairing (replacing an older one with the same viewer). Wipes `pairing.key`. */
  async add(pairing: Pairing, now: number): Promise<PairedViewerInfo> {
    let key: CryptoKey;
    try {
      key = await pairMacKey(pairing.key);
    } finally {
      pairing.key.fill(0);
    }
    await this.#ready;
    const viewer: PairedViewer = { viewerId: pairing.peerId, name: pairing.peerName, pairedAt: now, key };
    try {
      await this.#store.put(viewer);
    } catch (error) {
      // Some browsers refuse to store a CryptoKey (or the disk is full): keep it for this visit and say so.
      log.warn('could not store the pairing; keeping it in memory', { error: String(error) });
      this.#persistent = false;
    }
    this.#byId.set(viewer.viewerId, viewer);
    log.info('paired with a viewer', { viewer: viewer.viewerId });
    this.#changed();
    return { viewerId: viewer.viewerId, name: viewer.name, pairedAt: viewer.pairedAt };
  }

  /** A paired viewer told its new name (over its authenticated data channel): keep it, shown under Revoke. */
  async rename(viewerId: string, name: string): Promise<void> {
    await this.#ready;
    const viewer = this.#byId.get(viewerId);
    if (!viewer || viewer.name === name) return;
    const renamed: PairedViewer = { ...viewer, name };
    this.#byId.set(viewerId, renamed);
    try {
      await this.#store.put(renamed);
    } catch (error) {
      log.warn('could not store a viewer\'s new name; it is kept for this visit', { error: String(error) });
    }
    log.info('a paired viewer has a new name', { viewer: viewerId });
    this.#changed();
  }

  /**
   * Forget a viewer: its key is unusable at once (before this resolves) and `revoked` fires so its sessions end.
   * Rejects when the stored copy could not be deleted (it would come back on reload).
   */
  async revoke(viewerId: string): Promise<void> {
    await this.#ready;
    const known = this.#byId.delete(viewerId);
    if (known) {
      log.info('revoked a viewer', { viewer: viewerId });
      this.emit('revoked', viewerId);
      this.#changed();
    }
    await this.#store.remove(viewerId);
  }

  async #load(pending: ViewerStore | Promise<ViewerStore>): Promise<void> {
    try {
      this.#store = await pending;
      this.#persistent = this.#store.persistent;
      for (const viewer of await this.#store.list()) this.#byId.set(viewer.viewerId, viewer);
    } catch (error) {
      log.warn('could not load paired viewers; pairing only for this visit', { error: String(error) });
      this.#store = memoryViewerStore();
      this.#persistent = false;
    }
    this.#changed();
  }

  #changed(): void {
    this.emit('change', this.list());
  }
}
