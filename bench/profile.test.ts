import { describe, expect, it } from 'vitest';
import { stageOf, summariseProfile, type CpuProfile } from './profile.ts';

const node = (id: number, functionName: string, url: string, hitCount: number, lineNumber = 0): CpuProfile['nodes'][number] => ({
  id,
  callFrame: { functionName, url, lineNumber },
  hitCount,
});

describe('stageOf', () => {
  it('puts functions in the stage their script belongs to', () => {
    expect(stageOf('receiverOnMessage', 'file:///work/main/node_modules/ws/lib/websocket.js')).toMatch(/^ws:/);
    expect(stageOf('handle', 'file:///work/main/node_modules/peer/dist/module.mjs')).toMatch(/PeerServer/);
    expect(stageOf('checkClientFrame', 'file:///work/main/peer-server/frames.ts')).toBe('pawcam peer-server/frames.ts');
    expect(stageOf('writeGeneric', 'node:internal/stream_base_commons')).toMatch(/^Node core/);
    expect(stageOf('parse', '')).toBe('JSON (native)');
    expect(stageOf('(garbage collector)', '')).toBe('garbage collection');
    expect(stageOf('(idle)', '')).toBeNull();
  });
});

describe('summariseProfile', () => {
  it('shares busy time by stage and lists the busiest functions, idle left out', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1_000_000, // 1 s in µs
      nodes: [
        node(1, '(root)', '', 0),
        node(2, '(idle)', '', 500),
        node(3, 'emit', 'file:///w/peer-server/ws-server.ts', 100, 199),
        node(4, 'sendFrame', 'file:///w/node_modules/ws/lib/sender.js', 300),
        node(5, '(garbage collector)', '', 100),
      ],
    };
    const s = summariseProfile(profile, 2);
    expect(s).toMatchObject({ wallMs: 1000, busyMs: 500, samples: 1000 });
    expect(s.stages.map((st) => [st.stage, st.share])).toEqual([
      ['ws: WebSocket framing, send and receive', 0.6],
      ['pawcam peer-server/ws-server.ts', 0.2],
      ['garbage collection', 0.2],
    ]);
    expect(s.stages[0]!.ms).toBe(300);
    expect(s.top).toEqual([
      { fn: 'sendFrame lib/sender.js:1', ms: 300, share: 0.6 },
      { fn: 'emit peer-server/ws-server.ts:200', ms: 100, share: 0.2 },
    ]);
  });

  it('gives zeros for an empty profile', () => {
    expect(summariseProfile({ startTime: 0, endTime: 0, nodes: [] })).toEqual({ wallMs: 0, busyMs: 0, samples: 0, stages: [], top: [] });
  });
});
