import { newHistogram, recordMs, summary } from '../bench/histogram.js';
import { awaitConvergence, auditTimelines } from './audit.js';
import { check, type CheckCounts } from './checker.js';
import { describeFault, FAULT_GROUPS, planFaults, type PlannedFault } from './faults.js';
import type { VerifyOptions } from './options.js';
import { Random } from './random.js';
import type { VerifyTarget } from './targets.js';
import { sleep, withDeadline } from './time.js';
import { Workload } from './workload.js';

/** A fault as it happened: seconds after the workload started. */
export interface FaultLogEntry {
  at: number;
  healedAt: number | null;
  fault: string;
  error?: string;
}

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Everything a verify run found; `ok` is false on any anomaly. */
export interface VerifyReport {
  ok: boolean;
  seed: number;
  mode: VerifyTarget['mode'];
  durationS: number;
  users: number;
  clients: number;
  conversations: number;
  operations: Record<string, number>;
  faults: FaultLogEntry[];
  /** Whether partitions were injected, or why not. */
  partitions: string;
  counts: CheckCounts & {
    /** Clients not online (connected and synced) after the faults were healed. */
    notOnline: number;
    /** Operations still running when the settle time ran out. */
    unsettled: number;
  };
  latency: { ackMs: LatencySummary; reconnectToSyncedMs: LatencySummary };
  errors: Record<string, number>;
  examples: string[];
}

/** The counts that are anomalies (anything else is information). */
export const ANOMALIES = [
  'lost',
  'duplicated',
  'order',
  'divergence',
  'notConverged',
  'stale',
  'auditErrors',
  'notOnline',
] as const;

/**
 * One verify run: set up users and conversations, run the workload at the given rate while the
 * nemesis injects its schedule, heal everything, let it settle, audit every node, check.
 */
export async function runVerify(
  target: VerifyTarget,
  options: VerifyOptions,
  log: (line: string) => void,
): Promise<VerifyReport> {
  const random = new Random(options.seed);
  const workload = new Workload(
    target.urls,
    {
      users: options.users,
      socketsPerUser: options.socketsPerUser,
      dms: options.dms,
      groupSizes: options.groups,
      tag: (options.seed % 1_000_000).toString(36) + Date.now().toString(36).slice(-4),
    },
    random.fork(),
  );
  const nemesisRandom = random.fork();
  const durationMs = options.durationS * 1000;
  const kinds = options.faults.flatMap((g) => [...FAULT_GROUPS[g]]);
  const plan = planFaults({
    random: nemesisRandom,
    surface: target.surface,
    kinds,
    durationMs,
    intervalMs: options.faultIntervalS * 1000,
  });
  const partitions = !options.faults.includes('partition')
    ? 'not asked for'
    : target.surface.kinds.has('split')
      ? 'injected (network namespaces)'
      : `not possible: ${target.partitionNote ?? 'unsupported'}`;
  log(
    `seed ${options.seed}; ${target.mode} target, ${target.urls.length} node(s); partitions ${partitions}`,
  );
  try {
    await workload.setUp(log);
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const faultLog: FaultLogEntry[] = [];
    const nemesis = runNemesis(plan, target, started, faultLog, log);
    const progress = setInterval(() => {
      const offline = workload.clients.filter((c) => c.client.state !== 'online').length;
      const acked = workload.sends.filter((s) => s.answers.length > 0).length;
      log(
        `t=${elapsed().toFixed(0)}s sends=${workload.sends.length} acked=${acked} ` +
          `faults=${faultLog.length}/${plan.length} offline=${offline}`,
      );
    }, 5_000);
    let issued = 0;
    while (Date.now() - started < durationMs) {
      const due = Math.floor(((Date.now() - started) / 1000) * options.rate);
      for (; issued < due; issued++) workload.step();
      await sleep(10);
    }
    clearInterval(progress);
    await nemesis;
    log(`workload done at t=${elapsed().toFixed(0)}s; settling (up to ${options.settleS} s)`);
    const settleDeadline = Date.now() + options.settleS * 1000;
    const unsettled = await workload.settle(options.settleS * 1000);
    await withDeadline(
      Promise.all(workload.clients.map((c) => c.client.online().catch(() => undefined))),
      settleDeadline - Date.now(),
    );
    const notOnline = workload.clients.filter((c) => c.client.state !== 'online').length;
    let audits = await auditTimelines(target.urls, workload.conversations, workload.users);
    const behind = await awaitConvergence(
      workload.clients,
      audits,
      Math.max(5_000, settleDeadline - Date.now()),
    );
    // Read again: the first read may have raced with the last entries' fan-out.
    audits = await auditTimelines(target.urls, workload.conversations, workload.users);
    log(
      `audited ${audits.length} conversations on ${target.urls.length} node(s); ${behind} client views behind`,
    );
    const result = check({ sends: workload.sends, clients: workload.clients, audits });
    const counts = { ...result.counts, notOnline, unsettled };
    const errors: Record<string, number> = Object.fromEntries(workload.errors);
    for (const f of faultLog)
      if (f.error) errors[`fault:${f.fault}`] = (errors[`fault:${f.fault}`] ?? 0) + 1;
    return {
      ok: ANOMALIES.every((k) => counts[k] === 0),
      seed: options.seed,
      mode: target.mode,
      durationS: options.durationS,
      users: workload.users.length,
      clients: workload.clients.length,
      conversations: workload.conversations.length,
      operations: Object.fromEntries(workload.opCounts),
      faults: faultLog,
      partitions,
      counts,
      latency: {
        ackMs: latency(
          workload.sends.flatMap((s) => (s.answers[0] ? [s.answers[0].at - s.startedAt] : [])),
        ),
        reconnectToSyncedMs: latency(workload.clients.flatMap((c) => c.reconnects)),
      },
      errors,
      examples: result.examples,
    };
  } finally {
    workload.close();
  }
}

/** Runs the fault schedule; every fault is healed before the next starts, and at the end. */
async function runNemesis(
  plan: PlannedFault[],
  target: VerifyTarget,
  started: number,
  faultLog: FaultLogEntry[],
  log: (line: string) => void,
): Promise<void> {
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  for (const planned of plan) {
    await sleep(started + planned.at - Date.now());
    const entry: FaultLogEntry = {
      at: seconds(),
      healedAt: null,
      fault: describeFault(planned.fault),
    };
    faultLog.push(entry);
    log(`t=${entry.at}s fault: ${entry.fault} (for ${(planned.holdMs / 1000).toFixed(1)} s)`);
    try {
      await target.inject(planned.fault);
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
      log(`t=${seconds()}s fault failed: ${entry.error}`);
    }
    await sleep(started + planned.at + planned.holdMs - Date.now());
    try {
      await target.heal(planned.fault);
      entry.healedAt = seconds();
      log(`t=${entry.healedAt}s healed: ${entry.fault}`);
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
      log(`t=${seconds()}s healing failed: ${entry.error}`);
    }
  }
}

function latency(values: number[]): LatencySummary {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  const s = summary(h);
  return { count: values.length, p50: s.p50, p99: s.p99, max: s.max };
}
