import { execFile, execFileSync } from 'node:child_process';
import { findBinary } from './processes.js';

/**
 * iproute2's `ip`, the one tool the local cluster's network partitions need (Linux network
 * namespaces, veth links, a bridge and neighbour entries; no netfilter).
 */

let binary: string | null = null;

/** The `ip` binary; throws MissingBinaryError naming iproute2 when it is not installed. */
export function ipBinary(): string {
  // Debian installs it in /usr/sbin, which a non-root PATH often lacks.
  binary ??= findBinary('ip', { extraDirs: ['/usr/sbin', '/sbin'], debianPackage: 'iproute2' });
  return binary;
}

/** Raised when an `ip` command fails; carries its arguments and standard error. */
export class IpCommandError extends Error {
  override readonly name = 'IpCommandError';
  constructor(
    readonly args: string[],
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`ip ${args.join(' ')} failed: ${stderr.trim() || 'no output'}`, options);
  }
}

/** Runs `ip args…`; resolves with its standard output. */
export function ip(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(ipBinary(), args, (err, stdout, stderr) => {
      if (err) reject(new IpCommandError(args, stderr, { cause: err }));
      else resolve(stdout);
    });
    // A command that reads no input may exit before it is written: its exit status tells.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** Runs `ip args…` synchronously (probes, and the exit hook, which cannot wait). */
export function ipSync(args: string[], input?: string): string {
  try {
    return execFileSync(ipBinary(), args, {
      encoding: 'utf8',
      input: input ?? '',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    throw new IpCommandError(args, typeof stderr === 'string' ? stderr : '', { cause: err });
  }
}

/**
 * Runs several `ip` commands in one process (`ip -batch`), optionally inside a namespace, so
 * that the changes of one fault land together. With `force`, a failing line does not stop the
 * rest (teardown, where some objects may already be gone).
 */
export function ipBatch(
  lines: string[],
  options: { netns?: string; force?: boolean } = {},
): Promise<string> {
  if (lines.length === 0) return Promise.resolve('');
  return ip(batchArgs(options), lines.join('\n') + '\n');
}

/** {@link ipBatch}, synchronously. */
export function ipBatchSync(lines: string[], options: { netns?: string; force?: boolean } = {}) {
  if (lines.length > 0) ipSync(batchArgs(options), lines.join('\n') + '\n');
}

function batchArgs(options: { netns?: string; force?: boolean }): string[] {
  return [
    ...(options.netns ? ['-n', options.netns] : []),
    ...(options.force ? ['-force'] : []),
    '-batch',
    '-',
  ];
}

/** The names of every network namespace `ip netns add` made (`ip netns list`). */
export async function namespaceNames(): Promise<string[]> {
  return parseNamespaces(await ip(['netns', 'list']));
}

/** The names of the root namespace's network interfaces. */
export async function linkNames(): Promise<string[]> {
  // "3: name@peer: <FLAGS> …" with -o: one line per interface.
  return (await ip(['-o', 'link', 'show']))
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Parses `ip netns list`: "name" or "name (id: 3)" per line. */
function parseNamespaces(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}
