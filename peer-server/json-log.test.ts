import { describe, expect, it } from 'vitest';
import { jsonLine } from './json-log.ts';

describe('jsonLine', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');

  it('writes time, level, name, msg, then the fields (which cannot overwrite those)', () => {
    const line = jsonLine({ level: 'warn', name: 'peer-server', msg: 'dropped', fields: { id: 'cam-1', msg: 'spoof' } }, now);
    expect(line).toBe('{"time":"2026-01-02T03:04:05.000Z","level":"warn","name":"peer-server","msg":"dropped","id":"cam-1"}');
  });

  it('never throws on fields JSON cannot hold', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(JSON.parse(jsonLine({ level: 'info', name: 'x', msg: 'm', fields: { n: 1n, e: new Error('boom') } }, now))).toMatchObject({ n: '1', e: 'boom' });
    expect(JSON.parse(jsonLine({ level: 'info', name: 'x', msg: 'm', fields: { circular } }, now))).toMatchObject({ msg: 'm', logError: expect.any(String) });
  });
});
