/**
 * The viewer's camera list: add by ID (pairing replaces this later), rename, remove, persisted through the
 * PawcamApi. Input is validated here so the UI can say exactly what is wrong.
 */
import * as v from 'valibot';
import { PawcamError, toPawcamError } from '../../../protocol/errors.ts';
import { TypedEmitter } from '../../../protocol/events.ts';
import { isCameraId } from '../../../protocol/ids.ts';
import { CameraEntrySchema, type CameraEntry, type PawcamApi } from '../../../protocol/ipc.ts';
import { createLogger } from '../../../protocol/log.ts';
import { NameSchema, parseWith } from '../../../protocol/schema.ts';

const log = createLogger('camera-list');

/** The IPC contract's cap on the list. */
export const MAX_CAMERAS = 200;

/** Why an edit was refused. */
export type CameraEditProblem = 'invalid-id' | 'duplicate' | 'invalid-name' | 'full' | 'not-found';

/** The outcome of an edit: done, or refused with a sentence for the user. */
export type CameraEditResult = { ok: true; camera: CameraEntry } | { ok: false; problem: CameraEditProblem; message: string };

/** Events of CameraList. */
export type CameraListEvents = {
  change: (cameras: readonly CameraEntry[]) => void;
  /** Saving failed (the list in memory is still the one the user sees). */
  error: (error: PawcamError) => void;
};

/** Normalise a user-typed name: trimmed, inner runs of whitespace collapsed. */
export function cleanName(input: string): string {
  return input.replace(/\s+/g, ' ').trim();
}

/** The name a camera gets when the user gives none: "Camera" and the start of its ID. */
export function defaultCameraName(id: string): string {
  return `Camera ${id.replace(/^cam-/, '').slice(0, 4)}`;
}

/** The camera list, loaded from and saved through the API. */
export class CameraList extends TypedEmitter<CameraListEvents> {
  readonly #api: Pick<PawcamApi, 'listCameras' | 'saveCameras'>;
  readonly #now: () => number;
  #cameras: readonly CameraEntry[] = [];
  #saving: Promise<void> = Promise.resolve();

  constructor(api: Pick<PawcamApi, 'listCameras' | 'saveCameras'>, options: { now?: () => number } = {}) {
    super();
    this.#api = api;
    this.#now = options.now ?? Date.now;
  }

  /** The cameras, in the order they were added. */
  get cameras(): readonly CameraEntry[] {
    return this.#cameras;
  }

  /** One camera by ID. */
  find(id: string): CameraEntry | undefined {
    return this.#cameras.find((c) => c.id === id);
  }

  /** Load the saved list (entries that do not parse are dropped with a log line). */
  async load(): Promise<void> {
    let stored: unknown;
    try {
      stored = await this.#api.listCameras();
    } catch (error) {
      this.emit('error', toPawcamError(error));
      return;
    }
    // The list crosses IPC or comes from storage: parse it like any other untrusted input.
    const entries: CameraEntry[] = [];
    const seen = new Set<string>();
    for (const item of Array.isArray(stored) ? stored : []) {
      const parsed = parseWith(CameraEntrySchema, item);
      if (!parsed.ok) {
        log.warn('dropped a stored camera that does not parse', { error: parsed.error });
        continue;
      }
      if (seen.has(parsed.value.id)) continue;
      seen.add(parsed.value.id);
      entries.push(parsed.value);
    }
    this.#cameras = entries.slice(0, MAX_CAMERAS);
    this.emit('change', this.#cameras);
  }

  /** Add a camera by the ID shown on its page; the name is optional. */
  async add(idInput: string, nameInput: string): Promise<CameraEditResult> {
    // IDs are made lowercase; a pasted ID may carry stray spaces or capitals.
    const id = idInput.trim().toLowerCase();
    if (id === '') return { ok: false, problem: 'invalid-id', message: 'Enter the camera ID shown on the camera page.' };
    if (!isCameraId(id)) {
      return { ok: false, problem: 'invalid-id', message: 'That is not a camera ID. It looks like "cam-" followed by 32 letters and digits (0–9, a–f).' };
    }
    const existing = this.find(id);
    if (existing) return { ok: false, problem: 'duplicate', message: `That camera is already in the list as "${existing.name}".` };
    if (this.#cameras.length >= MAX_CAMERAS) return { ok: false, problem: 'full', message: `The list is full (${MAX_CAMERAS} cameras).` };
    const name = cleanName(nameInput) || defaultCameraName(id);
    const nameProblem = checkName(name);
    if (nameProblem) return nameProblem;
    const camera = v.parse(CameraEntrySchema, { id, name, addedAt: Math.max(0, Math.floor(this.#now())) });
    await this.#commit([...this.#cameras, camera]);
    return { ok: true, camera };
  }

  /** Rename a camera. */
  async rename(id: string, nameInput: string): Promise<CameraEditResult> {
    const camera = this.find(id);
    if (!camera) return { ok: false, problem: 'not-found', message: 'That camera is no longer in the list.' };
    const name = cleanName(nameInput);
    if (name === '') return { ok: false, problem: 'invalid-name', message: 'A camera needs a name.' };
    const nameProblem = checkName(name);
    if (nameProblem) return nameProblem;
    if (name === camera.name) return { ok: true, camera };
    const renamed = { ...camera, name };
    await this.#commit(this.#cameras.map((c) => (c.id === id ? renamed : c)));
    return { ok: true, camera: renamed };
  }

  /** Remove a camera (no-op for one not in the list). */
  async remove(id: string): Promise<void> {
    if (!this.find(id)) return;
    await this.#commit(this.#cameras.filter((c) => c.id !== id));
  }

  async #commit(next: readonly CameraEntry[]): Promise<void> {
    this.#cameras = next;
    this.emit('change', next);
    // Saves run one after another so the last edit is the one that sticks.
    const save = this.#saving.then(async () => {
      try {
        await this.#api.saveCameras([...next]);
      } catch (error) {
        log.error('could not save the camera list', { error: String(error) });
        this.emit('error', new PawcamError('unknown', `Could not save the camera list: ${toPawcamError(error).message}`, { cause: error }));
      }
    });
    this.#saving = save;
    await save;
  }
}

function checkName(name: string): CameraEditResult | null {
  const parsed = parseWith(NameSchema, name);
  if (parsed.ok) return null;
  return { ok: false, problem: 'invalid-name', message: name.length > 60 ? 'That name is too long (60 characters at most).' : 'That name has characters that cannot be used.' };
}
