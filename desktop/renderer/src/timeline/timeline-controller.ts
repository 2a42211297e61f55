/**
 * One camera's timeline as the viewer shows it: the day, the kinds shown, the day's events, the one selected, and
 * what deleting an event or asking for the daily report did. Plain TypeScript over the desktop's IPC calls (the
 * view only renders it); answers to an earlier day or filter that arrive after a newer one are ignored.
 */
import { EVENT_KINDS, type EventKind } from '../../../../protocol/event-messages.ts';
import { toPawcamError } from '../../../../protocol/errors.ts';
import { TypedEmitter } from '../../../../protocol/events.ts';
import type { PawcamApi, TimelineEvent } from '../../../../protocol/ipc.ts';
import { eventNotDeletedMessage, reportFailedMessage, reportOpenedMessage, timelineFailedMessage } from '../messages.ts';
import { kindsFilter, shiftDay } from './timeline-day.ts';

/** The desktop's calls the timeline uses (the web viewer has none of them, and shows no timeline). */
export type TimelineApi = Required<Pick<PawcamApi, 'listEvents' | 'deleteEvent' | 'markEventsSeen' | 'openDailyReport'>>;

/** The API when this shell has a timeline, else null. */
export function timelineApi(api: PawcamApi): TimelineApi | null {
  const { listEvents, deleteEvent, markEventsSeen, openDailyReport } = api;
  if (!listEvents || !deleteEvent || !markEventsSeen || !openDailyReport) return null;
  return { listEvents, deleteEvent, markEventsSeen, openDailyReport };
}

/** What the timeline shows. */
export interface TimelineState {
  cameraId: string;
  day: string;
  /** Today, when the state was made (the next-day button stops there). */
  today: string;
  kinds: ReadonlySet<EventKind>;
  status: 'loading' | 'ready' | 'failed';
  events: readonly TimelineEvent[];
  selectedId: string | null;
  /** Why loading or deleting failed. */
  problem: string | null;
  report: { state: 'idle' | 'writing' } | { state: 'done'; ok: boolean; text: string };
}

type TimelineEvents = {
  change: (state: TimelineState) => void;
  /** Events were marked seen (the unseen counts changed). */
  seen: () => void;
};

/** Collaborators. */
export interface TimelineOptions {
  api: TimelineApi;
  cameraId: string;
  day: string;
  /** Today's local day (a clock the tests set). */
  today: () => string;
  /** The event to select once the day has loaded (a clicked notification). */
  selectId?: string | null;
}

/** One camera's timeline. */
export class TimelineController extends TypedEmitter<TimelineEvents> {
  readonly #api: TimelineApi;
  #state: TimelineState;
  #loads = 0;

  constructor(options: TimelineOptions) {
    super();
    this.#api = options.api;
    this.#state = {
      cameraId: options.cameraId,
      day: options.day,
      today: options.today(),
      kinds: new Set(EVENT_KINDS),
      status: 'loading',
      events: [],
      selectedId: options.selectId ?? null,
      problem: null,
      report: { state: 'idle' },
    };
  }

  get state(): TimelineState {
    return this.#state;
  }

  /** The selected event, if it is on the list. */
  get selected(): TimelineEvent | null {
    return this.#state.events.find((e) => e.id === this.#state.selectedId) ?? null;
  }

  /** Can the next day be shown (not past today)? */
  get hasNextDay(): boolean {
    return this.#state.day < this.#state.today;
  }

  /** Load the current day (the view calls it once shown; every change of day or kinds loads again). */
  async load(): Promise<void> {
    const load = ++this.#loads;
    const { cameraId, day, kinds } = this.#state;
    this.#set({ status: 'loading', problem: null });
    const filter = kindsFilter(kinds);
    if (filter && filter.length === 0) {
      this.#set({ status: 'ready', events: [] });
      return;
    }
    let events: TimelineEvent[];
    try {
      events = await this.#api.listEvents(cameraId, day, filter);
    } catch (error) {
      if (load === this.#loads) this.#set({ status: 'failed', events: [], problem: timelineFailedMessage(toPawcamError(error).message) });
      return;
    }
    if (load !== this.#loads) return;
    this.#set({ status: 'ready', events });
    // Shown is seen: the tray's count and the camera's badge drop. The list keeps showing which were new.
    const unseen = events.filter((e) => !e.seen).map((e) => e.id);
    if (unseen.length > 0) {
      await this.#api.markEventsSeen(cameraId, unseen).then(
        () => this.emit('seen'),
        () => undefined,
      );
    }
  }

  /** Show another day (clamped to today); the selection goes. */
  showDay(day: string): Promise<void> {
    const next = day > this.#state.today ? this.#state.today : day;
    this.#set({ day: next, selectedId: null, report: { state: 'idle' } });
    return this.load();
  }

  previousDay(): Promise<void> {
    return this.showDay(shiftDay(this.#state.day, -1));
  }

  nextDay(): Promise<void> {
    return this.hasNextDay ? this.showDay(shiftDay(this.#state.day, 1)) : Promise.resolve();
  }

  /** Show or hide one kind of event. */
  toggleKind(kind: EventKind): Promise<void> {
    const kinds = new Set(this.#state.kinds);
    if (kinds.has(kind)) kinds.delete(kind);
    else kinds.add(kind);
    this.#set({ kinds });
    return this.load();
  }

  /** Select an event (null: none). */
  select(id: string | null): void {
    this.#set({ selectedId: id });
  }

  /** Delete an event (the view asked the owner first). */
  async deleteEvent(id: string): Promise<void> {
    try {
      await this.#api.deleteEvent(this.#state.cameraId, id);
    } catch (error) {
      this.#set({ problem: eventNotDeletedMessage(toPawcamError(error).message) });
      return;
    }
    this.#set({ events: this.#state.events.filter((e) => e.id !== id), selectedId: this.#state.selectedId === id ? null : this.#state.selectedId, problem: null });
  }

  /** Write the day's report and open it; the state says where it went or why not. */
  async openReport(): Promise<void> {
    if (this.#state.report.state === 'writing') return;
    const day = this.#state.day;
    this.#set({ report: { state: 'writing' } });
    let report: { state: 'done'; ok: boolean; text: string };
    try {
      const result = await this.#api.openDailyReport(this.#state.cameraId, day);
      report = result.ok ? { state: 'done', ok: true, text: reportOpenedMessage(result.path) } : { state: 'done', ok: false, text: reportFailedMessage(result.error) };
    } catch (error) {
      report = { state: 'done', ok: false, text: reportFailedMessage(toPawcamError(error).message) };
    }
    // The owner moved to another day meanwhile: that day's report line starts empty.
    if (this.#state.day === day) this.#set({ report });
  }

  #set(change: Partial<TimelineState>): void {
    this.#state = { ...this.#state, ...change };
    this.emit('change', this.#state);
  }
}
