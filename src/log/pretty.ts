import type { Writable } from 'node:stream';
import pretty from 'pino-pretty';

/** Keys every line has (shown as time, level and message) or that say nothing in a terminal. */
const HIDDEN = new Set(['level', 'time', 'msg', 'node', 'pid', 'hostname', 'event']);

/** A field's value as `key=value` shows it: bare when it has no space or quote, else JSON. */
function shown(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Object) return JSON.stringify(value);
  return String(value);
}

/** An error field (pino serializes `err` as {type, message, stack}) as `Type: message`. */
function errorText(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const { type, message } = err as { type?: unknown; message?: unknown };
  return `${typeof type === 'string' ? `${type}: ` : ''}${typeof message === 'string' ? message : shown(message ?? '')}`;
}

/**
 * One log entry as one line: the message, then its fields as `key=value`. A request line
 * (`event: "http"`) reads `GET /path 200 3.1 ms` instead of its method, path, status and ms
 * fields. Only an error-level entry's stack follows, indented, on the next lines.
 */
export function oneLine(log: Record<string, unknown>, dim: (text: string) => string): string {
  const fields = { ...log };
  let message = typeof fields.msg === 'string' ? fields.msg : shown(fields.msg ?? '');
  if (fields.event === 'http') {
    message = `${String(fields.method)} ${String(fields.path)} ${String(fields.status)} ${String(fields.ms)} ms`;
    for (const key of ['method', 'path', 'status', 'ms']) delete fields[key];
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    parts.push(`${key}=${key === 'err' ? shown(errorText(value)) : shown(value)}`);
  }
  const stack = (fields.err as { stack?: unknown } | undefined)?.stack;
  const trace =
    typeof stack === 'string' && Number(log.level) >= 50
      ? `\n${stack
          .split('\n')
          .slice(1)
          .map((l) => `    ${l.trim()}`)
          .join('\n')}`
      : '';
  return `${message}${parts.length ? ` ${dim(parts.join(' '))}` : ''}${trace}`;
}

/**
 * The terminal form of the log (rule O2): one line per event, `[time] LEVEL: message key=value…`,
 * through pino-pretty with the object folded into the line instead of one line per field.
 */
export function prettyStream(options: { color?: boolean; destination?: Writable } = {}) {
  return pretty({
    sync: true,
    ...(options.destination ? { destination: options.destination } : {}),
    ...(options.color === undefined ? {} : { colorize: options.color }),
    translateTime: 'SYS:HH:MM:ss.l',
    hideObject: true,
    messageFormat: (log, _key, _label, { colors }) => oneLine(log, colors.gray),
  });
}
