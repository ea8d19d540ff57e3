import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The workloads `parley bench` knows (rule B1). */
export const SCENARIOS = [
  'pairs',
  'group',
  'idle',
  'history',
  'mixed',
  'upload',
  'search',
  'connect',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

const positive = z.coerce.number().int().positive();

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
};

/** Bytes given as `1048576`, `512KiB`, `1MiB`, `2MB` (case-insensitive); NaN if malformed. */
export function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  return match && unit !== undefined ? Math.round(Number(match[1]) * unit) : NaN;
}

/** The largest upload the bench offers: the server's default limit (Limits.maxUploadBytes). */
export const MAX_BENCH_FILE_BYTES = 25 * 1024 ** 2;

/** Validated benchmark options; every run is bounded in time and count. */
export const BenchOptions = z
  .object({
    scenario: z.enum(SCENARIOS),
    urls: z.array(z.url()).default([]),
    spawn: z.enum(['embedded', 'cluster']).optional(),
    clients: positive.max(20_000).default(200),
    conversations: positive.max(10_000).optional(),
    groupSize: positive.min(2).max(1000).default(100),
    /** Messages per second over all senders (sends), for each rate of a sweep. */
    rates: z.array(z.coerce.number().positive().max(1_000_000)).default([2000]),
    /** Measured seconds per rate; idle: seconds the connections are held before memory is read. */
    durationS: z.coerce.number().positive().max(600).optional(),
    warmupS: z.coerce.number().min(0).max(120).default(2),
    size: positive.max(4000).default(100),
    /** upload: bytes per file. */
    fileSize: z
      .preprocess(
        (v) => (typeof v === 'string' ? parseBytes(v) : v),
        z.number().int().positive().max(MAX_BENCH_FILE_BYTES),
      )
      .default(1024 ** 2),
    /** search: messages seeded into the store before the run. */
    history: positive.max(10_000_000).default(10_000),
    /** search: the generator's seed (words, conversations, messages follow from it). */
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .default(1),
    workers: positive.max(16).default(1),
    /** Connections per user in the idle scenario. */
    socketsPerUser: positive.max(1000).default(100),
    /** Hostile sockets flooding `sync` frames during the measured runs (0: none). */
    flood: z.coerce.number().int().min(0).max(100).default(0),
    pid: positive.optional(),
    /** Start the spawned nodes from another checkout's `bin/parley.js` (an A/B, rule B4). */
    serverDir: z
      .string()
      .min(1)
      .refine((d) => existsSync(join(d, 'bin', 'parley.js')), {
        message: 'no bin/parley.js in that directory (give a built checkout of parley)',
      })
      .optional(),
    json: z.boolean().default(false),
  })
  .refine((o) => o.serverDir === undefined || o.spawn !== undefined, {
    path: ['serverDir'],
    message: '--server-dir starts the nodes: give --spawn embedded|cluster',
  })
  .refine((o) => o.serverDir === undefined || o.scenario !== 'search', {
    path: ['serverDir'],
    message: "the search scenario seeds with this build's store code: not with --server-dir",
  })
  .refine((o) => o.scenario !== 'search' || o.spawn !== undefined, {
    path: ['spawn'],
    message: 'the search scenario seeds the store itself: give --spawn embedded|cluster',
  })
  // Idle waits longer by default: the node's memory settles after the connect storm.
  .transform((o) => ({ ...o, durationS: o.durationS ?? (o.scenario === 'idle' ? 15 : 10) }));
export type BenchOptions = z.infer<typeof BenchOptions>;

/** What one worker process runs: its clients and their part of the schedule. */
export interface WorkerPlan {
  scenario: Scenario;
  url: string;
  /** Clients this worker drives; `sends` false for receive-only clients. */
  clients: Array<{
    token: string;
    userId: string;
    sends: boolean;
    conversations: string[];
    url?: string;
  }>;
  /** Expected recipients per message, by conversation id. */
  recipients: Record<string, number>;
  size: number;
  warmupMs: number;
  durationMs: number;
  /** Sockets per client (idle scenario). */
  sockets: number;
  /** upload: bytes per file. */
  fileSize: number;
  /** search: the queries each client cycles through, by kind. */
  queries: SearchQuery[];
}

/** One search request of the `search` scenario: its kind and query string (without cursor). */
export interface SearchQuery {
  kind: string;
  /** Query parameters: q, and conversation / order where the kind uses them. */
  params: Record<string, string>;
  /** Index into the client's conversations for kinds filtered by conversation; else -1. */
  conversation: number;
}

/** Latency and counts of one kind of HTTP request (upload, download, a search kind). */
export interface RequestStats {
  ms: string;
  ok: number;
  bytes: number;
  /** search: results returned in all (so a report shows queries found something). */
  results: number;
}

/** What a worker reports at the end of a run. */
export interface WorkerResult {
  connectMs: string;
  ack: string;
  e2e: string;
  sent: number;
  acked: number;
  errors: Record<string, number>;
  /** Distinct recipients that got each message, by clientMsgId (only measured messages). */
  received: Record<string, number>;
  /** clientMsgIds this worker's senders had acked (measured window only). */
  ackedIds: Array<[string, string]>;
  duplicates: number;
  connected: number;
  history?: string;
  /** upload and search: per request kind. */
  requests?: Record<string, RequestStats>;
  /** connect: the storm's common start and this worker's last `ready` (epoch ms). */
  storm?: { startAt: number; lastReadyAt: number };
}

/** Live counters a worker reports every second. */
export interface WorkerProgress {
  sent: number;
  acked: number;
  delivered: number;
  connected: number;
}
