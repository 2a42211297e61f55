import { describe, expect, it } from 'vitest';
import type { EventKind } from '../../../../protocol/event-messages.ts';
import { PawcamError } from '../../../../protocol/errors.ts';
import type { PawcamApi, TimelineEvent } from '../../../../protocol/ipc.ts';
import { TimelineController, timelineApi, type TimelineApi } from './timeline-controller.ts';

const CAM = 'cam-0123456789abcdef0123456789abcdef';
const ev = (id: string, kind: EventKind, at: number, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
  id,
  kind,
  at,
  durationMs: 3000,
  battery: null,
  thumbnailUrl: null,
  clipUrl: null,
  clipPending: false,
  seen: false,
  ...extra,
});

/** A fake of main's calls over a little store, recording each call. */
function fakeApi(days: Record<string, TimelineEvent[]>) {
  const calls: string[] = [];
  let reportResult: { ok: true; path: string } | { ok: false; error: string } = { ok: true, path: '/v/pawcam/Hall/report.html' };
  let failList = false;
  const gates: (() => void)[] = [];
  let gated = false;
  const api: TimelineApi = {
    listEvents: async (cameraId, day, kinds) => {
      calls.push(`list ${day} ${kinds?.join(',') ?? 'all'}`);
      if (gated) await new Promise<void>((resolve) => gates.push(resolve));
      if (failList) throw new PawcamError('storage-failed', 'pawcam cannot keep camera events right now.');
      return (days[day] ?? []).filter((e) => !kinds || kinds.includes(e.kind)).map((e) => ({ ...e }));
    },
    deleteEvent: async (_cameraId, id) => {
      calls.push(`delete ${id}`);
      for (const [day, list] of Object.entries(days)) days[day] = list.filter((e) => e.id !== id);
      return null;
    },
    markEventsSeen: async (_cameraId, ids) => {
      calls.push(`seen ${ids.join(',')}`);
      for (const list of Object.values(days)) for (const e of list) if (ids.includes(e.id)) e.seen = true;
      return null;
    },
    openDailyReport: async (_cameraId, day) => (calls.push(`report ${day}`), reportResult),
  };
  return {
    api,
    calls,
    setReport: (r: typeof reportResult) => (reportResult = r),
    failList: (on: boolean) => (failList = on),
    gate: (on: boolean) => (gated = on),
    release: () => gates.splice(0).forEach((g) => g()),
  };
}

const T = new Date(2027, 4, 20, 12).getTime();
const today = () => '2027-05-20';

describe('TimelineController', () => {
  it('only exists where the shell has the desktop calls', () => {
    const { api } = fakeApi({});
    expect(timelineApi({} as PawcamApi)).toBeNull();
    expect(timelineApi(api as unknown as PawcamApi)).not.toBeNull();
  });

  it('loads a day, marks what it shows as seen (keeping "new" visible), and selects a requested event', async () => {
    const f = fakeApi({ '2027-05-20': [ev('00000000000000a1', 'motion', T), ev('00000000000000a2', 'barking-like', T + 60_000, { seen: true })] });
    const timeline = new TimelineController({ api: f.api, cameraId: CAM, day: '2027-05-20', today, selectId: '00000000000000a2' });
    let seen = 0;
    timeline.on('seen', () => seen++);
    expect(timeline.state.status).toBe('loading');
    await timeline.load();
    expect(timeline.state.status).toBe('ready');
    expect(timeline.state.events.map((e) => [e.id, e.seen])).toEqual([['00000000000000a1', false], ['00000000000000a2', true]]);
    expect(timeline.selected?.kind).toBe('barking-like');
    expect(f.calls).toEqual(['list 2027-05-20 all', 'seen 00000000000000a1']);
    expect(seen).toBe(1);
    // Loading again marks nothing more.
    await timeline.load();
    expect(f.calls.at(-1)).toBe('list 2027-05-20 all');
  });

  it('steps to the previous and next day, never past today, dropping the selection', async () => {
    const f = fakeApi({});
    const timeline = new TimelineController({ api: f.api, cameraId: CAM, day: '2027-05-20', today, selectId: '00000000000000a1' });
    expect(timeline.hasNextDay).toBe(false);
    await timeline.nextDay();
    expect(f.calls).toEqual([]);
    await timeline.previousDay();
    expect([timeline.state.day, timeline.state.selectedId, timeline.hasNextDay]).toEqual(['2027-05-19', null, true]);
    await timeline.nextDay();
    await timeline.showDay('2027-06-30');
    expect(timeline.state.day).toBe('2027-05-20');
    expect(f.calls).toEqual(['list 2027-05-19 all', 'list 2027-05-20 all', 'list 2027-05-20 all']);
  });

  it('filters by kind through main; with no kind chosen it asks nothing and shows nothing', async () => {
    const f = fakeApi({ '2027-05-20': [ev('00000000000000a1', 'motion', T), ev('00000000000000a2', 'loud-sound', T + 1)] });
    const timeline = new TimelineController({ api: f.api, cameraId: CAM, day: '2027-05-20', today });
    await timeline.load();
    await timeline.toggleKind('motion');
    expect(timeline.state.events.map((e) => e.kind)).toEqual(['loud-sound']);
    for (const kind of ['barking-like', 'howling-like', 'loud-sound', 'camera-offline'] as const) await timeline.toggleKind(kind);
    expect([timeline.state.status, timeline.state.events]).toEqual(['ready', []]);
    await timeline.toggleKind('motion');
    expect(timeline.state.events.map((e) => e.kind)).toEqual(['motion']);
    expect(f.calls.filter((c) => c.startsWith('list'))).toEqual([
      'list 2027-05-20 all',
      'list 2027-05-20 barking-like,howling-like,loud-sound,camera-offline',
      'list 2027-05-20 howling-like,loud-sound,camera-offline',
      'list 2027-05-20 loud-sound,camera-offline',
      'list 2027-05-20 camera-offline',
      'list 2027-05-20 motion',
    ]);
  });

  it('an answer for a day the owner has already left is ignored', async () => {
    const f = fakeApi({ '2027-05-19': [ev('00000000000000b1', 'motion', T - 86_400_000)], '2027-05-20': [ev('00000000000000a1', 'motion', T)] });
    const timeline = new TimelineController({ api: f.api, cameraId: CAM, day: '2027-05-20', today });
    f.gate(true);
    const first = timeline.load();
    const second = timeline.previousDay();
    f.release();
    await Promise.resolve();
    f.release();
    await Promise.all([first, second]);
    expect(timeline.state.day).toBe('2027-05-19');
    expect(timeline.state.events.map((e) => e.id)).toEqual(['00000000000000b1']);
  });

  it('says why the day could not be loaded', async () => {
    const f = fakeApi({});
    f.failList(true);
    const timeline = new TimelineController({ api: f.api, cameraId: CAM, day: '2027-05-20', today });
    await timeline.load();
    expect(timeline.state).toMatchObject({ status: 'failed', problem: 'Could not load the events: pawcam cannot keep camera events right now.' });
  });

  it('deletes an event from the list and the selection', async () => {
    const f = fakeApi({ '2027-05-20': [ev('00000000000000a1', 'motion', T), ev('00000000000000a2', 'motion', T + 5)] });
    const timeline = new TimelineController({ api: f.api, cameraId: CAM, day: '2027-05-20', today, selectId: '00000000000000a1' });
    await timeline.load();
    await timeline.deleteEvent('00000000000000a1');
    expect(timeline.state.events.map((e) => e.id)).toEqual(['00000000000000a2']);
    expect(timeline.selected).toBeNull();
    f.api.deleteEvent = async () => {
      throw new PawcamError('malformed-message', 'Only the main window can delete events.');
    };
    await timeline.deleteEvent('00000000000000a2');
    expect(timeline.state.events).toHaveLength(1);
    expect(timeline.state.problem).toBe('The event was not deleted: Only the main window can delete events.');
  });

  it('writes the daily report and shows where it went, or why not', async () => {
    const f = fakeApi({});
    const timeline = new TimelineController({ api: f.api, cameraId: CAM, day: '2027-05-20', today });
    const writing = timeline.openReport();
    expect(timeline.state.report).toEqual({ state: 'writing' });
    await writing;
    expect(timeline.state.report).toEqual({ state: 'done', ok: true, text: 'Daily report saved to /v/pawcam/Hall/report.html and opened in your browser.' });
    f.setReport({ ok: false, error: 'The report could not be saved: EACCES' });
    await timeline.openReport();
    expect(timeline.state.report).toEqual({ state: 'done', ok: false, text: 'Daily report: The report could not be saved: EACCES' });
    await timeline.previousDay();
    expect(timeline.state.report).toEqual({ state: 'idle' });
    expect(f.calls.filter((c) => c.startsWith('report'))).toEqual(['report 2027-05-20', 'report 2027-05-20']);
  });
});
