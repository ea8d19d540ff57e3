import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** A mail the sink received: envelope and the raw message (headers and body). */
export interface ReceivedMail {
  user: string | null;
  from: string | null;
  to: string[];
  data: string;
}

/** A real SMTP server process (smtp-server) and what it received. */
export interface SmtpSink {
  port: number;
  /** smtp://user:pass@127.0.0.1:port */
  url: string;
  /** The next mail received (those already received first, in order). */
  next(): Promise<ReceivedMail>;
  /** How many mails came in that no next() took yet. */
  readonly pending: number;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./smtp-sink.mjs', import.meta.url));

/** Starts the sink on a free loopback port below 32768 and waits until it listens. */
export async function startSmtpSink(user = 'parley', pass = 'secret'): Promise<SmtpSink> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, user, pass], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const mails: ReceivedMail[] = [];
  const waiters: Array<(mail: ReceivedMail) => void> = [];
  let resolveListening!: (port: number) => void;
  const listening = new Promise<number>((resolve) => (resolveListening = resolve));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const event = JSON.parse(line) as { listening?: number; mail?: ReceivedMail };
    if (event.listening !== undefined) resolveListening(event.listening);
    if (event.mail) {
      const waiter = waiters.shift();
      if (waiter) waiter(event.mail);
      else mails.push(event.mail);
    }
  });
  const exited = once(child, 'exit');
  const port = await Promise.race([
    listening,
    exited.then(() => {
      throw new Error('the SMTP sink exited before listening');
    }),
  ]);
  return {
    port,
    url: `smtp://${user}:${pass}@127.0.0.1:${port}`,
    next: () =>
      mails.length > 0
        ? Promise.resolve(mails.shift()!)
        : new Promise<ReceivedMail>((resolve) => waiters.push(resolve)),
    get pending() {
      return mails.length;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
