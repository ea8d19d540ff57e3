import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { prettyStream } from './pretty.js';

export type { Logger };

/** Never logged, wherever they appear in a log object (rule S4). */
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
];

/**
 * The one logger: JSON lines (one per significant event, with the node id), or, when stdout is
 * a terminal, one readable line per event (`[time] LEVEL: message key=value…`, colored).
 * `destination` (tests) replaces stdout; `color` forces colors on or off in the readable form.
 */
export function createLogger(options: {
  level: string;
  nodeId: string;
  pretty?: boolean;
  color?: boolean;
  destination?: Writable;
}): Logger {
  const base = {
    level: options.level,
    base: { node: options.nodeId },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  const usePretty = options.pretty ?? process.stdout.isTTY;
  if (usePretty)
    return pino(
      base,
      prettyStream({
        ...(options.color === undefined ? {} : { color: options.color }),
        ...(options.destination ? { destination: options.destination } : {}),
      }),
    );
  return options.destination ? pino(base, options.destination) : pino(base);
}
