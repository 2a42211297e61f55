/** Notices: things the user should know that are not errors (e.g. saved data could not be read and was reset). */
import { TypedEmitter } from '../../../../protocol/events.ts';

/** A notice with a stable key for lists. */
export interface Notice {
  readonly id: number;
  readonly message: string;
}

/** The list of notices shown above the app until dismissed. */
export class NoticeBoard extends TypedEmitter<{ change: (notices: readonly Notice[]) => void }> {
  #notices: readonly Notice[] = [];
  #next = 1;

  /** The notices, oldest first. */
  get notices(): readonly Notice[] {
    return this.#notices;
  }

  /** Show a notice (an identical one already shown is not repeated). */
  add(message: string): void {
    if (this.#notices.some((n) => n.message === message)) return;
    this.#notices = [...this.#notices, { id: this.#next++, message }];
    this.emit('change', this.#notices);
  }

  /** Hide a notice. */
  dismiss(id: number): void {
    this.#notices = this.#notices.filter((n) => n.id !== id);
    this.emit('change', this.#notices);
  }
}
