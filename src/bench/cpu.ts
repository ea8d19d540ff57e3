import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** What a sampled process is to the benchmark (rule B4). */
export type Role = 'node' | 'postgres' | 'nats' | 'load generator';

/** A process the benchmark samples: with `tree`, it and all its descendants (PostgreSQL's backends). */
export interface Watched {
  role: Role;
  name: string;
  pid: number;
  tree: boolean;
}

/** One process's (or process tree's) share of a measured window. */
export interface ProcessCpu {
  role: Role;
  name: string;
  pid: number;
  /** Processes in its tree at the end of the window (1 without `tree`). */
  processes: number;
  cpuSeconds: number;
  cpuCores: number;
  /** CPU µs per unit of work (delivered message, request, connection); null without units. */
  usPerUnit: number | null;
  pssMB: number;
  /** Of a node: its main thread (the event loop) alone, in cores. */
  mainThreadCores?: number;
}

/** A role's processes added up, or the server side (everything but the load generator). */
export interface CpuTotal {
  cpuCores: number;
  usPerUnit: number | null;
}

/** The CPU split of one run (rule B4). */
export interface CpuReport {
  unit: 'delivered message' | 'request' | 'connection';
  units: number;
  windowS: number;
  processes: ProcessCpu[];
  roles: Partial<Record<Role, CpuTotal>>;
  serverSide: CpuTotal;
  loadGenerator: CpuTotal;
  /** The busiest process or node main thread, in cores: what most likely limits the run. */
  busiest: string;
  /**
   * The whole machine over the window (/proc/stat): its cores, how many were busy, and of that
   * what no sampled process used (other programs: a run on a busy machine says so here).
   */
  machine: { cores: number; busyCores: number; othersCores: number } | null;
}

/** Busy and total jiffies of all CPUs since boot, from /proc/stat; null without it. */
function machineTicks(): { busy: number; total: number; cores: number } | null {
  try {
    const stat = readFileSync('/proc/stat', 'utf8');
    const f = stat.split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = f[3]! + f[4]!;
    const total = f.reduce((a, b) => a + b, 0);
    const cores = stat.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
    return { busy: total - idle, total, cores };
  } catch {
    return null;
  }
}

interface Reading {
  ticks: number;
  mainTicks: number;
  pssBytes: number;
  processes: number;
}

/** utime+stime (and with `children`, cutime+cstime of reaped children) of a pid, in ticks; null if gone. */
function statTicks(path: string, children: boolean): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return children ? own + Number(f[13]) + Number(f[14]) : own;
  } catch {
    return null;
  }
}

/**
 * Its proportional set size (shared pages split among the processes sharing them, so a
 * postmaster's shared buffers count once over its backends), or VmRSS where /proc has no PSS.
 */
function memoryOf(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = /^Pss:\s+(\d+)/m.exec(rollup)?.[1];
    if (pss !== undefined) return Number(pss) * 1024;
  } catch {
    // no smaps_rollup (older kernel) or not ours to read: VmRSS below
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Each live process's parent, from one pass over /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      out.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every descendant of `pid` in a parent map. */
function descendants(pid: number, parentOf: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parentOf) {
    const list = children.get(parent) ?? [];
    list.push(child);
    children.set(parent, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * The CPU a watched process has used so far. A tree counts each live member's own time and its
 * reaped children's (a backend that exited moves into its postmaster's cutime: nothing is lost
 * or counted twice). A process without `tree` counts only itself (the coordinator, whose
 * children are the spawned target and the workers, each sampled on its own).
 */
export function readWatched(w: Watched, parentOf: Map<number, number>): Reading | null {
  const root = statTicks(`/proc/${w.pid}/stat`, w.tree);
  if (root === null) return null;
  const members = w.tree ? descendants(w.pid, parentOf) : [];
  let ticks = root;
  let pssBytes = memoryOf(w.pid);
  for (const pid of members) {
    ticks += statTicks(`/proc/${pid}/stat`, true) ?? 0;
    pssBytes += memoryOf(pid);
  }
  const mainTicks = statTicks(`/proc/${w.pid}/task/${w.pid}/stat`, false) ?? 0;
  return { ticks, mainTicks, pssBytes, processes: 1 + members.length };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Reads every watched process at the start of a window and again at its end. */
export class CpuSampler {
  readonly #start = new Map<Watched, Reading>();
  #startAt = 0;
  #machine: ReturnType<typeof machineTicks> = null;

  constructor(readonly watched: Watched[]) {}

  start(): void {
    const parentOf = parents();
    this.#startAt = performance.now();
    this.#machine = machineTicks();
    for (const w of this.watched) {
      const r = readWatched(w, parentOf);
      if (r) this.#start.set(w, r);
    }
  }

  /** The split of the window; `units` is the work done in it (deliveries, requests, connections). */
  stop(unit: CpuReport['unit'], units: number): CpuReport | null {
    const windowS = (performance.now() - this.#startAt) / 1000;
    if (this.#startAt === 0 || windowS <= 0) return null;
    const per = (seconds: number) => (units > 0 ? round((seconds * 1e6) / units, 1) : null);
    const processes: ProcessCpu[] = [];
    const parentOf = parents();
    for (const w of this.watched) {
      const before = this.#start.get(w);
      const after = readWatched(w, parentOf);
      if (!before || !after) continue;
      const cpuSeconds = Math.max(0, after.ticks - before.ticks) / TICKS_PER_SECOND;
      processes.push({
        role: w.role,
        name: w.name,
        pid: w.pid,
        processes: after.processes,
        cpuSeconds: round(cpuSeconds, 2),
        cpuCores: round(cpuSeconds / windowS, 3),
        usPerUnit: per(cpuSeconds),
        pssMB: round(after.pssBytes / 1e6, 1),
        ...(w.role === 'node'
          ? {
              mainThreadCores: round(
                (after.mainTicks - before.mainTicks) / TICKS_PER_SECOND / windowS,
                3,
              ),
            }
          : {}),
      });
    }
    const total = (list: ProcessCpu[]): CpuTotal => {
      const seconds = list.reduce((a, p) => a + p.cpuSeconds, 0);
      return { cpuCores: round(seconds / windowS, 3), usPerUnit: per(seconds) };
    };
    const roles: Partial<Record<Role, CpuTotal>> = {};
    for (const role of ['node', 'postgres', 'nats', 'load generator'] as const) {
      const list = processes.filter((p) => p.role === role);
      if (list.length > 0) roles[role] = total(list);
    }
    const candidates = [
      ...processes.map((p) => ({ what: p.name, cores: p.cpuCores })),
      ...processes
        .filter((p) => p.mainThreadCores !== undefined)
        .map((p) => ({ what: `${p.name} main thread`, cores: p.mainThreadCores! })),
    ].sort((a, b) => b.cores - a.cores);
    const top = candidates[0];
    const m0 = this.#machine;
    const m1 = machineTicks();
    const sampled = processes.reduce((a, p) => a + p.cpuSeconds, 0) / windowS;
    const machine =
      m0 && m1 && m1.total > m0.total
        ? {
            cores: m1.cores,
            busyCores: round((m1.cores * (m1.busy - m0.busy)) / (m1.total - m0.total), 2),
            othersCores: 0,
          }
        : null;
    if (machine) machine.othersCores = round(Math.max(0, machine.busyCores - sampled), 2);
    return {
      unit,
      units,
      windowS: round(windowS, 2),
      processes,
      roles,
      serverSide: total(processes.filter((p) => p.role !== 'load generator')),
      loadGenerator: total(processes.filter((p) => p.role === 'load generator')),
      busiest: top ? `${top.what} (${top.cores} cores)` : 'nothing sampled',
      machine,
    };
  }
}

/** The benchmark's own processes: the coordinator (itself only) and each worker. */
export function loadGenerator(workerPids: number[]): Watched[] {
  return [
    { role: 'load generator', name: 'coordinator', pid: process.pid, tree: false },
    ...workerPids.map((pid, i) => ({
      role: 'load generator' as const,
      name: `worker-${i + 1}`,
      pid,
      tree: true,
    })),
  ];
}
