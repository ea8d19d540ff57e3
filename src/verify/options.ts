import { z } from 'zod';
import { FAULT_GROUPS, type FaultGroup } from './faults.js';

const positive = z.coerce.number().int().positive();
const GROUPS = Object.keys(FAULT_GROUPS) as FaultGroup[];

/** Validated `parley verify` options; every run is bounded in time and count. */
export const VerifyOptions = z
  .object({
    spawn: z.enum(['embedded', 'cluster', 'ha']).optional(),
    urls: z.array(z.url()).default([]),
    /** Seconds of workload (faults included); healing and checking come after. */
    durationS: z.coerce.number().positive().max(86_400).default(60),
    /** Clients in all: users × sockets per user. */
    clients: positive.max(5_000).default(60),
    socketsPerUser: positive.max(20).default(2),
    /** Chat nodes of a spawned cluster or HA stack. */
    nodes: positive.min(2).max(9).default(3),
    dms: z.coerce.number().int().min(0).max(1_000).optional(),
    /** Sizes of the groups, one group per entry. */
    groups: z.array(positive.min(2).max(1_000)).default([3, 5, 10, 20]),
    /** Operations per second over all clients. */
    rate: z.coerce.number().positive().max(10_000).default(40),
    seed: z.coerce.number().int().min(0).max(4_294_967_295).optional(),
    /** Fault groups to inject: kill, pause, nats, database, partition; `none` for none. */
    faults: z.array(z.enum([...GROUPS, 'none'])).default([...GROUPS]),
    /** Mean seconds between the starts of two faults. */
    faultIntervalS: z.coerce.number().positive().max(3_600).default(10),
    /** Seconds allowed, after the faults are healed, for clients and nodes to settle. */
    settleS: z.coerce.number().positive().max(3_600).default(120),
    json: z.boolean().default(false),
  })
  .refine((o) => (o.spawn === undefined) !== (o.urls.length === 0), {
    message: 'give either --spawn or --url',
    path: ['spawn'],
  })
  .transform((o) => {
    const users = Math.max(2, Math.ceil(o.clients / o.socketsPerUser));
    return {
      ...o,
      users,
      dms: o.dms ?? Math.max(1, Math.floor(users / 2)),
      seed: o.seed ?? Math.floor(Math.random() * 4_294_967_295),
      faults: o.faults.includes('none') ? [] : (o.faults as FaultGroup[]),
    };
  });
export type VerifyOptions = z.infer<typeof VerifyOptions>;
export type VerifyInput = z.input<typeof VerifyOptions>;
