import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parleyArgs } from './process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An interactive `parley chat` driven through piped stdin, read line by line. */
export class ChatProcess {
  readonly lines: string[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  #cursor = 0;
  #waiters: Array<{
    pattern: RegExp;
    resolve: (line: string) => void;
    reject: (err: Error) => void;
  }> = [];

  constructor(args: string[], env: Record<string, string>) {
    this.proc = spawn(process.execPath, parleyArgs(args), {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = once(this.proc, 'exit').then(([code]) => code as number | null);
    const onLine = (line: string) => {
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pattern.test(line)) return true;
        this.#cursor = this.lines.length;
        w.resolve(line);
        return false;
      });
    };
    createInterface({ input: this.proc.stdout! }).on('line', onLine);
    createInterface({ input: this.proc.stderr! }).on('line', (l) => onLine(`stderr: ${l}`));
    void this.exited.then((code) => {
      for (const w of this.#waiters.splice(0))
        w.reject(
          new Error(
            `exited (${code}) before /${w.pattern.source}/; output:\n${this.lines.join('\n')}`,
          ),
        );
    });
  }

  /** Types a line. */
  type(line: string): void {
    this.proc.stdin!.write(line + '\n');
  }

  /** Ends input (like Ctrl-D). */
  end(): void {
    this.proc.stdin!.end();
  }

  /** Resolves with the next output line (after the last match) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    for (let i = this.#cursor; i < this.lines.length; i++) {
      if (pattern.test(this.lines[i]!)) {
        this.#cursor = i + 1;
        return Promise.resolve(this.lines[i]!);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for /${pattern.source}/; output:\n${this.lines.join('\n')}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  /** Lines after the given index matching a pattern. */
  matching(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l));
  }

  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}
