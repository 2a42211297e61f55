/** The server's log format: one JSON object per line (time, level, name, msg, then the record's fields). */
import type { LogRecord, LogSink } from '../protocol/log.ts';

/** One log record as a JSON line (without the newline). Never throws: unserialisable fields are replaced. */
export function jsonLine(record: LogRecord, now: Date = new Date()): string {
  const line: Record<string, unknown> = { time: now.toISOString(), level: record.level, name: record.name, msg: record.msg };
  for (const [key, value] of Object.entries(record.fields ?? {})) {
    if (!(key in line)) line[key] = value;
  }
  try {
    return JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Error ? value.message : value));
  } catch (error) {
    return JSON.stringify({ time: line['time'], level: record.level, name: record.name, msg: record.msg, logError: String(error) });
  }
}

/** A sink writing JSON lines to `out` (stdout for the CLI). */
export function jsonLineSink(out: { write(text: string): unknown }): LogSink {
  return (record) => {
    out.write(`${jsonLine(record)}\n`);
  };
}
