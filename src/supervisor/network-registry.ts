import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ip, ipBatch, ipBatchSync, linkNames, namespaceNames } from './ip.js';

/**
 * The record of every partitionable network a run creates. Namespaces, veth links and bridges
 * are kernel state that outlives a run killed with SIGKILL, so each run writes down what it is
 * about to create, and whose it is, before creating it; a later run removes whatever belongs to
 * a dead owner. The record file also leases the run's /24: it is created exclusively.
 */

/** In /run, a tmpfs: records vanish at reboot exactly when the kernel state they describe does. */
const RECORD_DIR = '/run/parley-networks';
/** Every namespace and interface a run creates is named `ply-<run id>-…`. */
export const NAME_PREFIX = 'ply-';
const RUN_NAME = /^ply-([0-9a-f]{6})-/;
/** Namespaces of partitionSupport()'s probe, `ply-probe-<pid>`, exist for milliseconds. */
export const PROBE_NAME = /^ply-probe-(\d+)$/;
/** Subnets are 10.213.<index>.0/24. */
const SUBNET_BASE = '10.213';

/** What one run's network holds, written before any of it exists. */
export interface NetworkRecord {
  readonly runId: string;
  /** The owning process, and its start time so that a reused pid is not taken for it. */
  readonly pid: number;
  readonly startTime: string;
  /** The third octet of the run's 10.213.x.0/24. */
  readonly subnetIndex: number;
  readonly bridge: string;
  /** The root-namespace ends of the veth links (deleting one deletes both ends). */
  readonly links: readonly string[];
  readonly namespaces: readonly string[];
}

/** The first three octets of a record's subnet, e.g. `10.213.7`. */
export function subnetPrefix(index: number): string {
  return `${SUBNET_BASE}.${index}`;
}

/**
 * Writes `record` under a /24 no other run holds and no route or address on this machine
 * overlaps; returns the record with its subnet.
 */
export async function claimSubnet(
  record: Omit<NetworkRecord, 'subnetIndex'>,
): Promise<NetworkRecord> {
  await mkdir(RECORD_DIR, { recursive: true, mode: 0o700 });
  const used = await usedPrefixes();
  const candidates = Array.from({ length: 256 }, (_, i) => i).sort(() => Math.random() - 0.5);
  for (const subnetIndex of candidates) {
    if (used.some((range) => overlaps(range, toRange(`${subnetPrefix(subnetIndex)}.0/24`))))
      continue;
    const claimed = { ...record, subnetIndex };
    try {
      await writeFile(recordPath(subnetIndex), JSON.stringify(claimed), { flag: 'wx' });
      return claimed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`no free /24 in ${SUBNET_BASE}.0.0/16 for a partitionable network`);
}

/** The `ip -batch` lines removing what a record names (links first: that is synchronous). */
export function teardownLines(record: NetworkRecord): string[] {
  return [
    ...record.links.map((link) => `link del ${link}`),
    ...record.namespaces.map((ns) => `netns del ${ns}`),
    `link del ${record.bridge}`,
  ];
}

/** Removes a record's network and the record; ignores parts already gone. */
export async function release(record: NetworkRecord): Promise<void> {
  await ipBatch(teardownLines(record), { force: true }).catch(() => undefined);
  await rm(recordPath(record.subnetIndex), { force: true });
}

/** {@link release}, synchronously, for the exit hook. */
export function releaseSync(record: NetworkRecord): void {
  try {
    ipBatchSync(teardownLines(record), { force: true });
  } catch {
    // Some parts were already gone; the rest was removed (-force goes on after a failure).
  }
  rmSync(recordPath(record.subnetIndex), { force: true });
}

/** What {@link cleanupStaleNetworks} removed. */
export interface StaleCleanup {
  runs: string[];
  namespaces: string[];
  links: string[];
}

/**
 * Removes the networks of runs whose owning process is dead (a run killed with SIGKILL cannot
 * remove its own), and any `ply-…` namespace or interface no live run records.
 */
export async function cleanupStaleNetworks(): Promise<StaleCleanup> {
  // Kernel state first, records second: a run writes its record before creating anything, so
  // whatever is listed here already had its record when the records are read.
  const [namespaces, links] = await Promise.all([namespaceNames(), linkNames()]);
  const records = await readRecords();
  const live = new Set(records.filter(ownerAlive).map((r) => r.runId));
  const removed: StaleCleanup = { runs: [], namespaces: [], links: [] };
  for (const record of records.filter((r) => !live.has(r.runId))) {
    await release(record);
    removed.runs.push(record.runId);
  }
  const orphan = (name: string) => {
    const run = RUN_NAME.exec(name)?.[1];
    if (run !== undefined) return !live.has(run);
    const probe = PROBE_NAME.exec(name)?.[1];
    return probe !== undefined && !pidAlive(Number(probe), null);
  };
  for (const ns of namespaces.filter(orphan)) {
    await ip(['netns', 'del', ns]).catch(() => undefined);
    removed.namespaces.push(ns);
  }
  for (const link of links.filter(orphan)) {
    await ip(['link', 'del', link]).catch(() => undefined);
    removed.links.push(link);
  }
  return removed;
}

/** This process's start time, recorded with its pid. */
export function ownStartTime(): string {
  return startTimeOf(process.pid) ?? '';
}

function recordPath(subnetIndex: number): string {
  return join(RECORD_DIR, `${subnetPrefix(subnetIndex)}.0.json`);
}

async function readRecords(): Promise<NetworkRecord[]> {
  let files: string[];
  try {
    files = await readdir(RECORD_DIR);
  } catch {
    return [];
  }
  const records: NetworkRecord[] = [];
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    try {
      records.push(JSON.parse(await readFile(join(RECORD_DIR, file), 'utf8')) as NetworkRecord);
    } catch {
      // Removed meanwhile, or being written right now by a run that is alive by definition.
    }
  }
  return records;
}

function ownerAlive(record: NetworkRecord): boolean {
  return pidAlive(record.pid, record.startTime);
}

function pidAlive(pid: number, startTime: string | null): boolean {
  const actual = startTimeOf(pid);
  return actual !== null && (startTime === null || actual === startTime);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null if no such pid. */
function startTimeOf(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces, so count fields after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

type Range = { first: number; last: number };

/** Every IPv4 prefix this machine has an address or a route in, default routes excepted. */
async function usedPrefixes(): Promise<Range[]> {
  const [addresses, routes] = await Promise.all([
    ip(['-4', '-o', 'addr', 'show']),
    ip(['-4', 'route', 'show', 'table', 'all']),
  ]);
  const cidrs = [
    ...[...addresses.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1] ?? ''),
    ...routes.split('\n').map((line) => /^(?:\S+ )?(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)/.exec(line)?.[1]),
  ];
  return cidrs.filter((c): c is string => !!c).map(toRange);
}

function toRange(cidr: string): Range {
  const [address = '', bits = '32'] = cidr.split('/');
  const value = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const first = value - (value % size);
  return { first, last: first + size - 1 };
}

function overlaps(a: Range, b: Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}
