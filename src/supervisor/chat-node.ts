import { parleyCommand } from './parley-command.js';
import { LOOPBACK, spawnAt, type Placement } from './placement.js';
import { waitUntil, type ManagedProcess } from './processes.js';

/** A chat node of a local cluster: a `parley serve` process on a fixed address and port. */
export interface ClusterNode {
  readonly id: string;
  readonly url: string;
  readonly process: ManagedProcess | null;
  /** Starts the node (again) on its port; resolves once it listens. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM: drain, then exit). */
  stop(): Promise<void>;
  /** kill -9, for fault tests. */
  kill(): Promise<void>;
  /** SIGSTOP, for fault tests: the node holds its sockets and answers nothing until resumed. */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** Calls `listener` whenever this node's process exits; returns the unsubscribe function. */
  onExit(listener: (exit: NodeExit) => void): () => void;
}

/** How a node's process ended. */
export interface NodeExit {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The supervisor asked for it (stop() or kill()): not news to report. */
  expected: boolean;
  /** It ended before it was ready: start() rejects with its output instead. */
  whileStarting: boolean;
}

/** Options of {@link chatNode}. */
export interface ChatNodeOptions {
  id: string;
  port: number;
  /** The `--store` URL; without it the node is embedded (SQLite in `dataDir`, in-process bus). */
  store?: string;
  /** The NATS servers' URLs (cluster mode). */
  bus?: string[];
  /** The data directory (`--data`), for an embedded node. */
  dataDir?: string;
  /** Receives every output line, with the node id. */
  onLine?: (name: string, line: string) => void;
  /** Extra `parley serve` arguments (limits, log level). */
  nodeArgs?: string[];
  /** Where it runs (default: loopback). */
  placement?: Placement;
}

/** A `parley serve` child process on a fixed address and port, restartable after a stop or kill. */
export function chatNode(options: ChatNodeOptions): ClusterNode {
  const { id, port, store, bus } = options;
  const placement = options.placement ?? LOOPBACK;
  const url = `http://${placement.address}:${port}`;
  let proc: ManagedProcess | null = null;
  let paused = false;
  let asked = false;
  const exitListeners = new Set<(exit: NodeExit) => void>();
  const signal = (sig: NodeJS.Signals) => {
    if (proc?.running) proc.child.kill(sig);
  };
  const self = parleyCommand();
  return {
    id,
    url,
    get process() {
      return proc;
    },
    async start() {
      if (proc?.running) return;
      paused = false;
      asked = false;
      proc = spawnAt(
        placement,
        id,
        self.command,
        [
          ...self.args,
          'serve',
          '--host',
          placement.address,
          '--port',
          String(port),
          '--node-id',
          id,
          ...(store ? ['--store', store] : []),
          ...(bus?.length ? ['--bus', bus.join(',')] : []),
          ...(options.dataDir ? ['--data', options.dataDir] : []),
          '--advertise-url',
          url,
          ...(options.nodeArgs ?? []),
        ],
        {
          env: { ...process.env, PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL ?? 'info' },
          ...(options.onLine ? { onLine: options.onLine } : {}),
        },
      );
      const started = proc;
      const ready = waitUntil(async () => (await fetch(`${url}/healthz`)).ok, {
        timeoutMs: 60_000,
        what: `${id} on ${url}`,
      });
      let starting = true;
      void started.exited.then(({ code, signal }) => {
        const exit = {
          pid: started.child.pid,
          code,
          signal,
          expected: asked,
          whileStarting: starting,
        };
        for (const listener of exitListeners) listener(exit);
      });
      const died = started.exited.then(({ code, signal }) => {
        if (starting)
          throw new Error(
            `${id} exited (${signal ?? code}) while starting:\n${started.tail.join('\n')}`,
          );
      });
      try {
        await Promise.race([ready, died]);
      } finally {
        starting = false;
      }
    },
    async stop() {
      // A stopped process would hold SIGTERM until continued: resume it so that it drains.
      if (paused) this.resume();
      asked = true;
      await proc?.stop();
    },
    async kill() {
      asked = true;
      await proc?.kill();
    },
    pause() {
      signal('SIGSTOP');
      paused = true;
    },
    resume() {
      signal('SIGCONT');
      paused = false;
    },
    onExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
  };
}
