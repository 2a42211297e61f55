/**
 * Camera controls over the data channel: each request gets an ID, and the camera's `control-result` with that ID
 * settles it. The UI shows which controls are pending and the camera's error text when one failed.
 */
import type { ControlMessage, DataMessage } from '../../../../protocol/messages.ts';
import { realTimers, type Timers } from '../../../../protocol/timers.ts';
import { CONTROL_MESSAGES } from '../messages.ts';

/** A control action (switch camera, quality, torch, chime). */
export type ControlAction = ControlMessage['action'];
export type ControlType = ControlAction['type'];
type ControlResult = Extract<DataMessage, { t: 'control-result' }>;

/** How long the camera has to answer a control, ms. */
export const CONTROL_TIMEOUT_MS = 10_000;

/** What the UI shows. */
export interface ControlsView {
  /** Control types waiting for the camera's answer. */
  readonly pending: ReadonlySet<ControlType>;
  /** The latest failure, in words. */
  readonly error: string | null;
}

/** Sends controls and matches the camera's results to them. */
export class ControlClient {
  readonly #send: (message: DataMessage) => boolean;
  readonly #onChange: (view: ControlsView) => void;
  readonly #timers: Timers;
  readonly #pending = new Map<number, { type: ControlType; timer: unknown }>();
  #nextId = 1;
  #error: string | null = null;

  constructor(send: (message: DataMessage) => boolean, onChange: (view: ControlsView) => void, timers: Timers = realTimers) {
    this.#send = send;
    this.#onChange = onChange;
    this.#timers = timers;
  }

  get view(): ControlsView {
    return { pending: new Set([...this.#pending.values()].map((p) => p.type)), error: this.#error };
  }

  /** Send a control; returns its ID, or null when it could not be sent. */
  request(action: ControlAction): number | null {
    const id = this.#nextId++;
    this.#error = null;
    if (!this.#send({ t: 'control', id, action })) {
      this.#error = CONTROL_MESSAGES.notConnected;
      this.#changed();
      return null;
    }
    const timer = this.#timers.setTimeout(() => {
      if (!this.#pending.delete(id)) return;
      this.#error = CONTROL_MESSAGES.noAnswer;
      this.#changed();
    }, CONTROL_TIMEOUT_MS);
    this.#pending.set(id, { type: action.type, timer });
    this.#changed();
    return id;
  }

  /** A `control-result` from the camera; results for IDs we are not waiting for are ignored. */
  handle(result: ControlResult): void {
    const pending = this.#pending.get(result.id);
    if (!pending) return;
    this.#pending.delete(result.id);
    this.#timers.clearTimeout(pending.timer);
    this.#error = result.ok ? null : (result.error ?? CONTROL_MESSAGES.failed);
    this.#changed();
  }

  /** The connection went away: nothing pending will be answered. */
  reset(): void {
    for (const p of this.#pending.values()) this.#timers.clearTimeout(p.timer);
    const had = this.#pending.size > 0;
    this.#pending.clear();
    if (had) this.#changed();
  }

  /** Hide the error. */
  dismiss(): void {
    this.#error = null;
    this.#changed();
  }

  #changed(): void {
    this.#onChange(this.view);
  }
}
