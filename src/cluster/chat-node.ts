import { ManagedProcess, waitUntil } from './processes.js';
import { parleyCommand } from './parley-command.js';

/** A chat node of a local cluster: a `parley serve` process on a fixed port. */
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
}

/** Options of {@link chatNode}. */
export interface ChatNodeOptions {
  id: string;
  port: number;
  /** The `--store` URL. */
  store: string;
  /** The NATS servers' URLs. */
  bus: string[];
  /** Receives every output line, with the node id. */
  onLine?: (name: string, line: string) => void;
  /** Extra `parley serve` arguments (limits, log level). */
  nodeArgs?: string[];
}

/** A `parley serve` child process on a fixed loopback port, startable again after a stop or kill. */
export function chatNode(options: ChatNodeOptions): ClusterNode {
  const { id, port, store, bus } = options;
  const url = `http://127.0.0.1:${port}`;
  let proc: ManagedProcess | null = null;
  const self = parleyCommand();
  return {
    id,
    url,
    get process() {
      return proc;
    },
    async start() {
      if (proc?.running) return;
      proc = new ManagedProcess(
        id,
        self.command,
        [
          ...self.args,
          'serve',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--node-id',
          id,
          '--store',
          store,
          '--bus',
          bus.join(','),
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
      await proc?.stop();
    },
    async kill() {
      await proc?.kill();
    },
  };
}
