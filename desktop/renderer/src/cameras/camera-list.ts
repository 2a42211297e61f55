/**
 * The viewer's camera list: cameras join it by pairing, and can be renamed and forgotten; persisted through the
 * PawcamApi. Input is validated here so the UI can say exactly what is wrong.
 */
import * as v from 'valibot';
import { PawcamError, toPawcamError } from '../../../../protocol/errors.ts';
import { CAMERA_LIST_MESSAGES, listFullMessage, listNotSavedMessage } from '../messages.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { CameraEntrySchema, type CameraEntry, type PawcamApi } from '../../../../protocol/ipc.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { NameSchema, parseWith } from '../../../../protocol/schema.ts';

const log = createLogger('camera-list');

/** The IPC contract's cap on the list. */
export const MAX_CAMERAS = 200;

/** Why an edit was refused. */
export type CameraEditProblem = 'invalid-name' | 'not-found';

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

  /** Whether a camera fits: one already listed always does. */
  hasRoomFor(id: string): boolean {
    return this.find(id) !== undefined || this.#cameras.length < MAX_CAMERAS;
  }

  /**
   * Keep a camera that just paired, under the name it gave; one already listed (paired again) keeps its entry and
   * the name the user gave it.
   */
  async adoptPaired(id: string, nameInput: string): Promise<{ camera: CameraEntry; existed: boolean }> {
    const existing = this.find(id);
    if (existing) return { camera: existing, existed: true };
    if (!this.hasRoomFor(id)) throw new PawcamError('list-full', listFullMessage(MAX_CAMERAS));
    const cleaned = cleanName(nameInput);
    const name = cleaned && parseWith(NameSchema, cleaned).ok ? cleaned : defaultCameraName(id);
    const camera = v.parse(CameraEntrySchema, { id, name, addedAt: Math.max(0, Math.floor(this.#now())) });
    await this.#commit([...this.#cameras, camera]);
    return { camera, existed: false };
  }

  /** Rename a camera. */
  async rename(id: string, nameInput: string): Promise<CameraEditResult> {
    const camera = this.find(id);
    if (!camera) return { ok: false, problem: 'not-found', message: CAMERA_LIST_MESSAGES.notFound };
    const name = cleanName(nameInput);
    if (name === '') return { ok: false, problem: 'invalid-name', message: CAMERA_LIST_MESSAGES.nameMissing };
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
        this.emit('error', new PawcamError('storage-failed', listNotSavedMessage(toPawcamError(error).message), { cause: error }));
      }
    });
    this.#saving = save;
    await save;
  }
}

function checkName(name: string): CameraEditResult | null {
  const parsed = parseWith(NameSchema, name);
  if (parsed.ok) return null;
  return { ok: false, problem: 'invalid-name', message: name.length > 60 ? CAMERA_LIST_MESSAGES.nameTooLong : CAMERA_LIST_MESSAGES.nameBadCharacters };
}
