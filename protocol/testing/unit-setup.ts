/**
 * Setup for every unit test (vitest.config.ts `setupFiles`):
 * - an error thrown by a TypedEmitter listener fails the test that caused it, even though the emitter itself carries
 *   on. Without this, a failing `expect` inside a listener would only be logged and the test would pass;
 * - log records are kept per test instead of printed, so the run's output is clean; a test can take and assert them
 *   (`takeLogs`), and a failing test prints its own. A test file that configures its own sink replaces this one.
 */
import { afterEach, beforeEach } from 'vitest';
import { setListenerErrorHandler } from '../events.ts';
import { configureLogging, type LogRecord } from '../log.ts';

const logs: LogRecord[] = [];
configureLogging({ sink: (record) => logs.push(record) });

/** The log records of this test so far (and forget them). */
export function takeLogs(): LogRecord[] {
  return logs.splice(0);
}

beforeEach(({ onTestFailed }) => {
  logs.length = 0;
  onTestFailed(() => {
    for (const r of logs) console.log(`${r.level}: [${r.name}] ${r.msg}`, ...(r.fields ? [r.fields] : []));
  });
});

const thrown: { error: unknown; event: string }[] = [];

setListenerErrorHandler((error, event) => {
  thrown.push({ error, event });
});

/** Take the listener errors so far (for a test that makes a listener throw on purpose). */
export function takeListenerErrors(): { error: unknown; event: string }[] {
  return thrown.splice(0);
}

afterEach(() => {
  const errors = takeListenerErrors();
  if (errors.length === 0) return;
  const first = errors[0]!;
  if (errors.length === 1 && first.error instanceof Error) {
    first.error.message = `a listener for '${first.event}' threw: ${first.error.message}`;
    throw first.error;
  }
  throw new AggregateError(errors.map((e) => e.error), `listeners threw (${errors.map((e) => e.event).join(', ')})`);
});
