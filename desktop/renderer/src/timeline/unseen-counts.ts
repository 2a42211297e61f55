/**
 * How many events of each camera nobody has looked at yet (the Events buttons' badges), as main counts them. Main
 * pushes nothing: the viewer refreshes when a camera's event message was handled, after the timeline marked events
 * seen, and now and then (a notification clicked elsewhere, the nightly clean-up). Refreshes run one at a time; one
 * asked for meanwhile runs once after.
 */
import { TypedEmitter } from '../../../../protocol/events.ts';
import type { PawcamApi } from '../../../../protocol/ipc.ts';
import { createLogger } from '../../../../protocol/log.ts';

const log = createLogger('unseen-counts');

/** The unseen events per camera ID. */
export class UnseenCounts extends TypedEmitter<{ change: () => void }> {
  readonly #read: PawcamApi['unseenEventCounts'];
  #counts: Readonly<Record<string, number>> = {};
  #running: Promise<void> | null = null;
  #again = false;

  constructor(read: PawcamApi['unseenEventCounts']) {
    super();
    this.#read = read;
  }

  /** Unseen events of one camera. */
  of(cameraId: string): number {
    return this.#counts[cameraId] ?? 0;
  }

  /** Ask main again; resolves when the counts are current. */
  refresh(): Promise<void> {
    if (!this.#read) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      try {
        const counts = await this.#read!();
        if (JSON.stringify(counts) !== JSON.stringify(this.#counts)) {
          this.#counts = counts;
          this.emit('change');
        }
      } catch (error) {
        log.warn('could not read the unseen event counts', { error: String(error) });
      }
    } while (this.#again);
  }
}
