import { readdirSync, readFileSync } from 'node:fs';

/** Helpers of the supervisor exit tests: which processes a run left, which directories. */

/** Whether `pid` runs (a zombie, exited but not yet reaped by its new parent, does not). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Every running process whose environment has PARLEY_TEST_MARK=`mark`: what one run started. */
export function marked(mark: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || !alive(Number(entry))) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`PARLEY_TEST_MARK=${mark}\0`))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** What a supervisor left in its TMPDIR (tsx keeps its cache there too: not ours). */
export const leftovers = (dir: string): string[] =>
  readdirSync(dir).filter((d) => d.startsWith('parley-'));
