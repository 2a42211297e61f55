/**
 * The camera page before it streams: registered at the server but with no camera yet (after a reload where the
 * browser did not keep the camera permission), it still answers paired viewers' pings, saying what it waits for, so a
 * viewer shows "needs a tap on the phone since 14:02" instead of spinning. Pings come from the network: only a ping
 * MACed with a pair key is answered (as CameraSessions does), and the answer's MAC covers the standby.
 */
import { signPong, verifyPing } from '../../../protocol/auth.ts';
import type { CameraStandby, Envelope } from '../../../protocol/envelope.ts';
import { viewerBaseId } from '../../../protocol/ids.ts';
import { createLogger } from '../../../protocol/log.ts';
import { realTimers, type Timers } from '../../../protocol/timers.ts';
import type { SignalTransport } from '../../../protocol/transport.ts';
import type { ViewerKeyring } from '../pairing/paired-viewers.ts';

const log = createLogger('standby-pongs');

/** Options of StandbyPongs. */
export interface StandbyPongsOptions {
  transport: Pick<SignalTransport, 'on' | 'send'>;
  cameraId: string;
  keyring: ViewerKeyring;
  /** The camera's display name now (sent in every pong). */
  name: () => string;
  /** What the page waits for, and since when. */
  standby: CameraStandby;
  timers?: Timers;
}

/** Answers paired viewers' pings with the camera's name and what it waits for, until stopped. */
export class StandbyPongs {
  readonly #options: StandbyPongsOptions;
  readonly #timers: Timers;
  readonly #inflight = new Set<Promise<void>>();
  #off: (() => void) | null = null;

  constructor(options: StandbyPongsOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** What the page says it waits for. */
  get standby(): CameraStandby {
    return this.#options.standby;
  }

  /** Start answering. */
  start(): void {
    if (this.#off) return;
    this.#off = this.#options.transport.on('message', (from, envelope) => this.#onMessage(from, envelope));
  }

  /** Stop answering (the camera streams now, and CameraSessions answers pings). */
  stop(): void {
    this.#off?.();
    this.#off = null;
  }

  /** Resolves once every ping being checked has been answered or dropped (for tests). */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #onMessage(from: string, envelope: Envelope): void {
    if (envelope.kind !== 'ping') return;
    const job = this.#answer(from, envelope).catch((error: unknown) => log.warn('could not answer a ping', { from, error: String(error) }));
    this.#inflight.add(job);
    void job.finally(() => this.#inflight.delete(job));
  }

  async #answer(from: string, ping: Extract<Envelope, { kind: 'ping' }>): Promise<void> {
    const { keyring, cameraId, transport, standby } = this.#options;
    const key = await keyring.keyFor(viewerBaseId(from));
    if (!key || !ping.auth) {
      log.debug('ignored a ping from a viewer that is not paired', { from });
      return;
    }
    const context = { viewerId: from, cameraId, nonce: ping.nonce };
    const failure = await verifyPing(key, context, ping.auth, this.#timers.now());
    if (failure) {
      log.debug('ignored a ping that did not verify', { from, failure });
      return;
    }
    const name = this.#options.name();
    const mac = await signPong(key, context, name, standby);
    if (!this.#off) return;
    transport.send(from, { v: 1, kind: 'pong', nonce: ping.nonce, name, mac, standby });
  }
}
