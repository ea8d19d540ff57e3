import { cleanUpNow } from './processes.js';

/**
 * Every way out of a supervisor such as `parley cluster up` (rule K12): SIGINT, SIGTERM, SIGHUP,
 * a closed output pipe (EPIPE on stdout or stderr: `| head`, `| tee` ended) and an uncaught
 * error each run the orderly stop once (nodes first, then NATS, then PostgreSQL), then exit. A
 * second signal, or a stop that outlasts its grace, kills every child at once and removes the
 * temporary directories (processes.ts's exit hook). Only SIGKILL of the supervisor leaves children
 * behind: nothing can run then.
 */

/** The exit status after a closed output pipe: what a shell shows for a process killed by SIGPIPE. */
export const EPIPE_EXIT = 141;

/** Options of {@link stopOnEveryExit}. */
export interface ExitOptions {
  /** What is being stopped, for the lines ("the cluster"). */
  what: string;
  /** How long the orderly stop may take before everything is killed (default 90 s). */
  graceMs?: number;
}

/** The installed handlers. */
export interface ExitPaths {
  /** Whether stdout still has a reader: write nothing to it once it is gone. */
  readonly stdoutOpen: boolean;
  /** Writes a line to stdout unless its reader is gone. */
  out: (line: string) => void;
  /** Writes a line to stderr unless it is gone. */
  err: (line: string) => void;
  /** Runs the orderly stop (as a signal would) and exits with `code`. */
  exit: (reason: string, code: number) => void;
}

/** Installs the handlers; `stop` runs at most once. */
export function stopOnEveryExit(stop: () => Promise<void>, options: ExitOptions): ExitPaths {
  const open = { stdout: true, stderr: true };
  let stopping = false;
  const write = (stream: 'stdout' | 'stderr', line: string) => {
    if (!open[stream]) return;
    try {
      process[stream].write(`${line}\n`);
    } catch {
      open[stream] = false;
    }
  };
  const exit = (reason: string, code: number) => {
    if (stopping) {
      write('stderr', `${reason} again: killing everything now`);
      cleanUpNow();
      process.exit(1);
    }
    stopping = true;
    write(open.stdout ? 'stdout' : 'stderr', `\n${reason}: stopping ${options.what}…`);
    const deadline = setTimeout(() => {
      write('stderr', `parley: ${options.what} did not stop in time: killing everything`);
      process.exit(1);
    }, options.graceMs ?? 90_000);
    stop().then(
      () => {
        clearTimeout(deadline);
        write(open.stdout ? 'stdout' : 'stderr', 'stopped.');
        process.exit(code);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        write('stderr', `parley: shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => exit(sig, 0));
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].on('error', (err: NodeJS.ErrnoException) => {
      open[stream] = false;
      // Writes queued before the first error fail too: one stop is enough.
      if (!stopping) exit(`${stream} closed (${err.code ?? err.message})`, EPIPE_EXIT);
    });
  }
  process.on('uncaughtException', (err) => {
    write('stderr', `parley: unexpected error: ${err.stack ?? String(err)}`);
    exit('unexpected error', 1);
  });
  process.on('unhandledRejection', (err) => {
    write(
      'stderr',
      `parley: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    exit('unexpected error', 1);
  });
  return {
    get stdoutOpen() {
      return open.stdout;
    },
    out: (line) => write('stdout', line),
    err: (line) => write('stderr', line),
    exit,
  };
}
