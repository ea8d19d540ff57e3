import type { ClusterNode, NodeExit } from './chat-node.js';

/**
 * Watches the chat nodes of a local cluster for `parley cluster up` (rule K12): a node that
 * exits without being asked to is reported at once, in one line that says what to do, and with
 * `restart` it is started again after a capped backoff.
 */

/** The first restart waits this long; each failed attempt doubles it, up to the cap. */
export const RESTART_BACKOFF = { initialMs: 500, maxMs: 10_000, resetAfterMs: 30_000 } as const;

/** Options of {@link watchNodes}. */
export interface WatchOptions {
  /** Restart a node that exits unexpectedly (`--restart`). */
  restart: boolean;
  /** Receives each report line. */
  report: (line: string) => void;
  /** How a user restarts a node by hand, for the report when `restart` is off. */
  manualHint: (node: ClusterNode) => string;
}

/** A running watch: restarts by hand, and the end of it. */
export interface NodeWatch {
  /** Starts a node that is not running (the `restart N` command); resolves with its report line. */
  restartNow(node: ClusterNode): Promise<string>;
  /** Stops watching (before a shutdown, whose exits are expected anyway); cancels pending restarts. */
  close(): void;
}

/** Describes how a process ended, e.g. "signal SIGKILL" or "code 1". */
export function howItEnded(exit: Pick<NodeExit, 'code' | 'signal'>): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

/** Starts watching `nodes`. */
export function watchNodes(nodes: readonly ClusterNode[], options: WatchOptions): NodeWatch {
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const state = new Map(nodes.map((n) => [n, { delayMs: 0, upSince: Date.now(), busy: false }]));
  const pid = (node: ClusterNode) => node.process?.child.pid ?? '?';

  const attempt = (node: ClusterNode) => {
    const s = state.get(node)!;
    s.busy = true;
    return node.start().then(
      () => {
        s.busy = false;
        s.upSince = Date.now();
        return `${node.id} restarted (pid ${pid(node)}) on ${node.url}`;
      },
      (err: unknown) => {
        s.busy = false;
        throw err;
      },
    );
  };

  /** The wait before the next attempt: doubles from the initial one up to the cap. */
  const nextWait = (node: ClusterNode) => {
    const s = state.get(node)!;
    // A node that stayed up a while starts over at the shortest wait.
    if (Date.now() - s.upSince >= RESTART_BACKOFF.resetAfterMs) s.delayMs = 0;
    s.delayMs =
      s.delayMs === 0 ? RESTART_BACKOFF.initialMs : Math.min(s.delayMs * 2, RESTART_BACKOFF.maxMs);
    return s.delayMs;
  };

  const schedule = (node: ClusterNode, wait: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      attempt(node).then(
        (line) => {
          if (!closed) options.report(line);
        },
        (err: unknown) => {
          if (closed) return;
          const again = nextWait(node);
          const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
          options.report(
            `${node.id} did not start again (${why}); next attempt in ${seconds(again)}`,
          );
          schedule(node, again);
        },
      );
    }, wait);
    timers.add(timer);
  };

  for (const node of nodes) {
    node.onExit((exit) => {
      if (closed || exit.expected || exit.whileStarting) return;
      const head = `${node.id} (pid ${exit.pid ?? '?'}) exited with ${howItEnded(exit)}`;
      if (!options.restart) {
        options.report(`${head}: its clients move to the other nodes; ${options.manualHint(node)}`);
        return;
      }
      const wait = nextWait(node);
      options.report(`${head}: restarting it in ${seconds(wait)}`);
      schedule(node, wait);
    });
  }

  return {
    async restartNow(node) {
      const s = state.get(node);
      if (!s) return `no such node: ${node.id}`;
      if (node.process?.running) return `${node.id} is running (pid ${pid(node)})`;
      if (s.busy) return `${node.id} is starting`;
      return attempt(node);
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

const seconds = (ms: number) => `${ms / 1000} s`;
