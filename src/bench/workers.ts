import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { FromCoordinator, ToCoordinator } from './worker.js';

/** A forked load-generator process and a queue of what it said. */
export class WorkerHandle {
  readonly #inbox: ToCoordinator[] = [];
  readonly #waiters: Array<(m: ToCoordinator) => void> = [];
  progress = { sent: 0, acked: 0, delivered: 0, connected: 0 };

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: ToCoordinator) => {
      if (m.type === 'progress') {
        this.progress = m.progress;
        return;
      }
      const waiter = this.#waiters.shift();
      if (waiter) waiter(m);
      else this.#inbox.push(m);
    });
  }

  /** Forks `script command` (the hidden `bench-worker` or `bench-storm` command) with an IPC channel. */
  static fork(script: string, command: string): WorkerHandle {
    return new WorkerHandle(
      fork(script, [command], {
        execArgv: process.execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
  }

  tell(m: FromCoordinator): void {
    this.child.send(m);
  }

  /** The next non-progress message; rejects if the worker reports a failure or exits. */
  async next(): Promise<ToCoordinator> {
    const m =
      this.#inbox.shift() ??
      (await Promise.race([
        new Promise<ToCoordinator>((resolve) => this.#waiters.push(resolve)),
        once(this.child, 'exit').then(([code]) => ({
          type: 'failed' as const,
          error: `worker exited (${String(code)})`,
        })),
      ]));
    if (m.type === 'failed') throw new Error(`bench worker failed: ${m.error}`);
    return m;
  }

  /** Asks the worker to stop; resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.child.connected) this.tell({ type: 'stop' });
    if (this.child.exitCode === null && this.child.signalCode === null)
      await once(this.child, 'exit');
  }
}
