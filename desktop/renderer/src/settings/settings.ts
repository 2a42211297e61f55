/** The viewer's settings as the page sees them: loaded once, changed through the API, shared with whoever listens. */
import { PawcamError, toPawcamError } from '../../../../protocol/errors.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import { ViewerSettingsSchema, type PawcamApi, type ViewerSettings } from '../../../../protocol/ipc.ts';
import { createLogger } from '../../../../protocol/log.ts';
import { parseWith } from '../../../../protocol/schema.ts';

const log = createLogger('settings');

/** Events of Settings. */
export type SettingsEvents = {
  change: (settings: ViewerSettings) => void;
};

/** The settings, cached, with updates sent to the shell (main on desktop, local storage on the web). */
export class Settings extends TypedEmitter<SettingsEvents> {
  readonly #api: Pick<PawcamApi, 'getSettings' | 'updateSettings'>;
  #current: ViewerSettings;

  /** `initial` is used until `load()` has read the stored settings. */
  constructor(api: Pick<PawcamApi, 'getSettings' | 'updateSettings'>, initial: ViewerSettings) {
    super();
    this.#api = api;
    this.#current = initial;
  }

  /** The settings now. */
  get current(): ViewerSettings {
    return this.#current;
  }

  /** Read the stored settings (keeps the defaults when they cannot be read, with a log line). */
  async load(): Promise<void> {
    try {
      this.#accept(await this.#api.getSettings());
    } catch (error) {
      log.warn('could not read the settings; using defaults', { error: toPawcamError(error).message });
    }
  }

  /** Change some settings; resolves with all of them as stored, rejects with a PawcamError saying what was refused. */
  async update(patch: Partial<ViewerSettings>): Promise<ViewerSettings> {
    let stored: unknown;
    try {
      stored = await this.#api.updateSettings(patch);
    } catch (error) {
      throw toPawcamError(error);
    }
    return this.#accept(stored);
  }

  #accept(input: unknown): ViewerSettings {
    // Settings cross IPC: parsed like any other untrusted input.
    const parsed = parseWith(ViewerSettingsSchema, input);
    if (!parsed.ok) throw new PawcamError('malformed-message', `the app returned malformed settings (${parsed.error})`);
    this.#current = parsed.value;
    this.emit('change', parsed.value);
    return parsed.value;
  }
}

/** Settings to start from before the stored ones are read. */
export function defaultSettings(viewerName: string): ViewerSettings {
  return {
    serverUrl: null,
    serverFingerprint: null,
    snapshotFolder: null,
    snapshotShortcut: null,
    startAtLogin: false,
    notifications: false,
    alwaysRelay: false,
    viewerName,
  };
}
