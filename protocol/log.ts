/** One named logger per module. Sinks are swappable so the server can log JSON lines and tests can capture. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A log record as handed to a sink. */
export interface LogRecord {
  level: LogLevel;
  name: string;
  msg: string;
  fields?: Record<string, unknown>;
}

/** Where records go. */
export type LogSink = (record: LogRecord) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let sink: LogSink = (r) => {
  const line = `[${r.name}] ${r.msg}`;
  const args: unknown[] = r.fields ? [line, r.fields] : [line];
  if (r.level === 'error') console.error(...args);
  else if (r.level === 'warn') console.warn(...args);
  else if (r.level === 'info') console.info(...args);
  else console.debug(...args);
};
let threshold: LogLevel = 'info';

/** Replace the process-wide sink and threshold. */
export function configureLogging(options: { sink?: LogSink; level?: LogLevel }): void {
  if (options.sink) sink = options.sink;
  if (options.level) threshold = options.level;
}

/** A module's logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Create the logger for module `name`. */
export function createLogger(name: string): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (ORDER[level] < ORDER[threshold]) return;
      sink(fields ? { level, name, msg, fields } : { level, name, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
