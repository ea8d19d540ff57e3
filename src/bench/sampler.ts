import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU time (s) and resident memory (bytes) of a local process, from /proc. */
export function readProcess(pid: number): { cpuSeconds: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

/** CPU and memory of several processes added up (the nodes of a cluster). */
export function readProcesses(pids: number[]): { cpuSeconds: number; rssBytes: number } | null {
  const all = pids.map(readProcess);
  if (all.length === 0 || all.some((s) => s === null)) return null;
  return all.reduce<{ cpuSeconds: number; rssBytes: number }>(
    (a, s) => ({ cpuSeconds: a.cpuSeconds + s!.cpuSeconds, rssBytes: a.rssBytes + s!.rssBytes }),
    { cpuSeconds: 0, rssBytes: 0 },
  );
}

/** Samples processes while a run lasts: CPU share and peak/last RSS, summed over them. */
export class ProcessSampler {
  readonly #pids: number[];
  #timer: NodeJS.Timeout | null = null;
  #start: { at: number; cpu: number } | null = null;
  #last: { at: number; cpu: number; rss: number } | null = null;
  peakRss = 0;

  constructor(pids: number[]) {
    this.#pids = pids;
  }

  start(): void {
    const first = readProcesses(this.#pids);
    if (!first) return;
    this.#start = { at: performance.now(), cpu: first.cpuSeconds };
    this.peakRss = first.rssBytes;
    this.#timer = setInterval(() => this.#sample(), 250);
    this.#timer.unref();
  }

  #sample(): void {
    const s = readProcesses(this.#pids);
    if (!s) return;
    this.#last = { at: performance.now(), cpu: s.cpuSeconds, rss: s.rssBytes };
    this.peakRss = Math.max(this.peakRss, s.rssBytes);
  }

  /** Stops sampling; CPU as a share of one core over the window, RSS in bytes. */
  stop(): { cpuCores: number; rssBytes: number; peakRssBytes: number } | null {
    if (this.#timer) clearInterval(this.#timer);
    this.#sample();
    if (!this.#start || !this.#last) return null;
    const seconds = (this.#last.at - this.#start.at) / 1000;
    return {
      cpuCores: seconds > 0 ? (this.#last.cpu - this.#start.cpu) / seconds : 0,
      rssBytes: this.#last.rss,
      peakRssBytes: this.peakRss,
    };
  }
}

/**
 * Waits until the processes together use under `idleCores` of CPU for one `windowMs` window,
 * for at most `maxMs`; returns how long that took (ms). Work a setup left queued in the target
 * (the notifications of the history a scenario just sent, the search index catching up) then
 * runs before the measured window instead of inside it, where it would count as the cost of
 * the requests measured. Gives up at once if a process cannot be read.
 */
export async function settle(
  pids: number[],
  { idleCores = 0.1, windowMs = 1_000, maxMs = 60_000 } = {},
): Promise<number> {
  const start = Date.now();
  let before = readProcesses(pids);
  while (before && Date.now() - start < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const after = readProcesses(pids);
    if (!after) break;
    if ((after.cpuSeconds - before.cpuSeconds) / (windowMs / 1000) < idleCores) break;
    before = after;
  }
  return Date.now() - start;
}
