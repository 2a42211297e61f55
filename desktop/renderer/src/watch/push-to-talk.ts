/**
 * Push-to-talk as a small state machine, apart from the DOM: held with the pointer or a key (Space), or toggled by
 * a click/press in toggle mode. Losing focus ends a held talk, so a key released in another window cannot leave the
 * microphone open.
 */

/** Talk-back input handling; `onChange` is called with every change of the talking state. */
export class PushToTalk {
  readonly #onChange: (on: boolean) => void;
  #toggleMode = false;
  #pointer = false;
  #key = false;
  #toggled = false;
  #on = false;

  constructor(onChange: (on: boolean) => void) {
    this.#onChange = onChange;
  }

  /** Talking now. */
  get on(): boolean {
    return this.#on;
  }

  get toggleMode(): boolean {
    return this.#toggleMode;
  }

  /** Switch between hold-to-talk and click-on/click-off; switching stops any talk. */
  setToggleMode(toggle: boolean): void {
    this.#toggleMode = toggle;
    this.#reset();
  }

  pointerDown(): void {
    if (this.#toggleMode) this.#toggled = !this.#toggled;
    else this.#pointer = true;
    this.#update();
  }

  /** pointerup, pointerleave and pointercancel. */
  pointerUp(): void {
    this.#pointer = false;
    this.#update();
  }

  /** The talk key went down; auto-repeat is ignored. */
  keyDown(repeat: boolean): void {
    if (repeat) return;
    if (this.#toggleMode) this.#toggled = !this.#toggled;
    else this.#key = true;
    this.#update();
  }

  keyUp(): void {
    this.#key = false;
    this.#update();
  }

  /** The window lost focus: a held talk ends (a toggled one stays on). */
  blur(): void {
    this.#pointer = false;
    this.#key = false;
    this.#update();
  }

  /** Stop talking whatever the mode (watch ended). */
  reset(): void {
    this.#reset();
  }

  #reset(): void {
    this.#pointer = false;
    this.#key = false;
    this.#toggled = false;
    this.#update();
  }

  #update(): void {
    const on = this.#toggleMode ? this.#toggled : this.#pointer || this.#key;
    if (on === this.#on) return;
    this.#on = on;
    this.#onChange(on);
  }
}

/** Whether a key event comes from a place where Space types text (so it must not talk). */
export function isTextField(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'range', 'color', 'reset'].includes(target.type);
  return false;
}
