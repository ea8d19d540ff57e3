import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A `parley` CLI child process running from the TypeScript sources. */
export function parleyArgs(args: string[]): string[] {
  return ['--import', 'tsx', 'src/cli/main.ts', ...args];
}

/** A node running as a separate process, so tests can kill -9 it. */
export interface NodeProcess {
  url: string;
  proc: ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `parley serve` on a free port with the given data directory; resolves once it listens. */
export async function spawnNode(options: {
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
}): Promise<NodeProcess> {
  const proc = spawn(
    process.execPath,
    parleyArgs([
      'serve',
      '--port',
      '0',
      '--data',
      options.dataDir,
      '--node-id',
      'proc',
      ...(options.args ?? []),
    ]),
    { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(proc, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const lines: string[] = [];
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const rl = createInterface({ input: proc.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    rl.on('line', (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as { event?: string; url?: string };
        if (entry.event === 'node.started' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    void exited.then(({ code }) =>
      reject(new Error(`node exited (${code}) before listening: ${stderr}`)),
    );
  });
  return {
    url,
    proc,
    lines,
    exited,
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs the `parley` CLI to completion; resolves with its exit code and output. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, parleyArgs(args), {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) proc.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(proc, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
