import { z } from 'zod';

/** The workloads `parley bench` knows (rule B1). */
export const SCENARIOS = ['pairs', 'group', 'idle', 'history', 'mixed'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const positive = z.coerce.number().int().positive();

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
    workers: positive.max(16).default(1),
    /** Connections per user in the idle scenario. */
    socketsPerUser: positive.max(1000).default(100),
    /** Hostile sockets flooding `sync` frames during the measured runs (0: none). */
    flood: z.coerce.number().int().min(0).max(100).default(0),
    pid: positive.optional(),
    json: z.boolean().default(false),
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
}

/** Live counters a worker reports every second. */
export interface WorkerProgress {
  sent: number;
  acked: number;
  delivered: number;
  connected: number;
}
