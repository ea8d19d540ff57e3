import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

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
 * The one logger: JSON lines (one per significant event, with the node id), or a readable
 * colored form when stdout is a terminal.
 */
export function createLogger(options: { level: string; nodeId: string; pretty?: boolean }): Logger {
  const base = {
    level: options.level,
    base: { node: options.nodeId },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  const usePretty = options.pretty ?? process.stdout.isTTY;
  if (usePretty)
    return pino(
      base,
      pretty({ sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }),
    );
  return pino(base);
}
