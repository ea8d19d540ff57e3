import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';

/** Candidates for the line left of the caret and the text they replace, now or later. */
export type LineCompleter = (line: string) => [string[], string] | Promise<[string[], string]>;

/**
 * Line-oriented terminal I/O for the chat client: prompts, hidden password input, and
 * printing that does not tear the line being typed. Works on a TTY and on pipes (tests,
 * scripts): input lines are queued so each is handled in order and none is dropped.
 */
export class Terminal {
  readonly isTTY: boolean;
  readonly #rl: Interface;
  readonly #out: NodeJS.WriteStream;
  readonly #lines: string[] = [];
  #waiting: ((line: string | null) => void) | null = null;
  #muted = false;
  #closed = false;
  #completer: LineCompleter | null = null;

  constructor(
    input: NodeJS.ReadStream = process.stdin,
    output: NodeJS.WriteStream = process.stdout,
  ) {
    this.#out = output;
    this.isTTY = Boolean(input.isTTY && output.isTTY);
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (!this.#muted) output.write(chunk);
        done();
      },
    });
    this.#rl = createInterface({
      input,
      output: sink,
      terminal: this.isTTY,
      historySize: 200,
      // Tab completes (commands, users, conversations, emoji) instead of inserting a tab; a
      // user search answers later (readline's callback form).
      completer: (line: string, done: (err: null, result: [string[], string]) => void) => {
        const none: [string[], string] = [[], line];
        void Promise.resolve(this.#completer?.(line) ?? none).then(
          (result) => done(null, result),
          () => done(null, none),
        );
      },
    });
    this.#rl.on('line', (line) => {
      if (this.#waiting) {
        const resolve = this.#waiting;
        this.#waiting = null;
        resolve(line);
      } else {
        this.#lines.push(line);
      }
    });
    this.#rl.on('close', () => {
      this.#closed = true;
      this.#waiting?.(null);
      this.#waiting = null;
    });
  }

  /** The next input line, or null at end of input. */
  nextLine(): Promise<string | null> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Asks a question and returns the answer (null at end of input). */
  async ask(question: string): Promise<string | null> {
    // On a pipe the question gets its own line, so a script reading lines sees it.
    this.#out.write(this.isTTY ? question : question + '\n');
    return this.nextLine();
  }

  /** Asks for a secret without echoing it on a terminal. */
  async askHidden(question: string): Promise<string | null> {
    this.#out.write(this.isTTY ? question : question + '\n');
    this.#muted = this.isTTY;
    try {
      return await this.nextLine();
    } finally {
      this.#muted = false;
      if (this.isTTY) this.#out.write('\n');
    }
  }

  /** What Tab completes on a terminal (readline's completer: candidates and the text they replace). */
  setCompleter(completer: LineCompleter): void {
    this.#completer = completer;
  }

  /**
   * A passing status (an upload's progress) in place of the line being typed, rewritten by
   * each call; the next {@link print} replaces it. Nothing on a pipe.
   */
  status(text: string): void {
    if (this.isTTY && !this.#closed) this.#out.write(`\r\x1b[2K${text}`);
  }

  /** Rings the terminal bell (a mention, a direct message); nothing on a pipe. */
  bell(): void {
    if (this.isTTY) this.#out.write('\x07');
  }

  setPrompt(prompt: string): void {
    this.#rl.setPrompt(prompt);
  }

  /** Shows the prompt (on a terminal). */
  prompt(): void {
    if (this.isTTY && !this.#closed) this.#rl.prompt(true);
  }

  /** Prints a line above whatever is being typed, then redraws the prompt. */
  print(text: string): void {
    if (this.isTTY) {
      this.#out.write('\r\x1b[2K');
      this.#out.write(text + '\n');
      this.prompt();
    } else {
      this.#out.write(text + '\n');
    }
  }

  close(): void {
    this.#rl.close();
  }
}
