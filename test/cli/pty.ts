import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parleyArgs } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** CSI sequences (styles, cursor moves, line clears) and carriage returns. */
// eslint-disable-next-line no-control-regex -- escape sequences are what this strips
const CONTROL = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

/** Why pty tests cannot run here (util-linux `script` missing), or false. */
export const NO_PTY: string | false =
  spawnSync('script', ['--version']).status === 0 ? false : 'util-linux `script` is not installed';

/**
 * `parley chat` on a pseudo-terminal, so it sees a TTY (readline's raw mode, Tab completion,
 * colours, the bell). util-linux `script` makes the pty: no native module needed. Output is
 * kept raw (to check escapes and the bell) and as plain text (to wait for what is shown).
 */
export class PtyChat {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  raw = '';
  #cursor = 0;
  #waiters: Array<() => void> = [];

  constructor(args: string[], env: Record<string, string>) {
    const command = [process.execPath, ...parleyArgs(args)].map(quote).join(' ');
    this.proc = spawn('script', ['-qfec', `stty cols 200 rows 50; exec ${command}`, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, ...env, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = once(this.proc, 'exit').then(([code]) => code as number | null);
    const onData = (chunk: Buffer) => {
      this.raw += chunk.toString('utf8');
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.proc.stdout!.on('data', onData);
    this.proc.stderr!.on('data', onData);
    void this.exited.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** The output without escape sequences. */
  get text(): string {
    return this.raw.replace(CONTROL, '');
  }

  /** Sends keys as they are (`\t` is Tab). */
  keys(data: string): void {
    this.proc.stdin!.write(data);
  }

  /** Types a line and presses Enter. */
  type(line: string): void {
    this.keys(`${line}\r`);
  }

  /**
   * Resolves with the match of `pattern` in the plain output after the previous match; the
   * raw output up to here is `raw` (callers slice it to look for escapes).
   */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.text;
      const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(
        text.slice(this.#cursor),
      );
      if (match) {
        this.#cursor += match.index + match[0].length;
        return match;
      }
      if (this.proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`no /${pattern.source}/ in the terminal; it shows:\n${text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

function quote(word: string): string {
  return /^[\w./=:@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
