import { randomBytes } from 'node:crypto';
import { NamespaceNetwork } from './namespace-network.js';
import {
  claimSubnet,
  cleanupStaleNetworks,
  NAME_PREFIX,
  ownStartTime,
} from './network-registry.js';

export type { ClientSide, Fault } from './network-faults.js';
export { cleanupStaleNetworks, type StaleCleanup } from './network-registry.js';
export {
  partitionSupport,
  PartitionsUnsupportedError,
  type PartitionSupport,
} from './network-support.js';

/**
 * A partitionable network for a local cluster (Linux, root, iproute2): every host in a network
 * namespace of its own, joined to one bridge in the root namespace by a veth link. The bridge
 * holds the subnet's first address, so processes in the root namespace (the clients of a
 * `parley verify` run) reach every host at its own address. Hosts have no route off the
 * subnet; only these veths carry it. Faults drop packets silently, as a real partition does
 * (how, and why not blackhole routes: namespace-network.ts).
 */

import type { Network } from './network-api.js';

export type { Network };

/** Options of {@link createNetwork}. */
export interface NetworkOptions {
  /** Host names: lowercase letters, digits and dashes, e.g. `pg`, `nats-1`, `node-1`. */
  hosts: string[];
}

const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * Creates a namespace per host, each joined to a new bridge, after removing the leftovers of
 * dead runs. Check {@link partitionSupport} first for a plain reason when this cannot work.
 */
export async function createNetwork(options: NetworkOptions): Promise<Network> {
  const hosts = [...options.hosts];
  for (const host of hosts)
    if (!HOST_NAME.test(host)) throw new RangeError(`invalid host name: ${JSON.stringify(host)}`);
  if (new Set(hosts).size !== hosts.length)
    throw new RangeError(`duplicate host names: ${hosts.join(', ')}`);
  if (hosts.length === 0 || hosts.length > 253)
    throw new RangeError(`a network has 1-253 hosts, not ${hosts.length}`);
  await cleanupStaleNetworks();
  const runId = randomBytes(3).toString('hex');
  const record = await claimSubnet({
    runId,
    pid: process.pid,
    startTime: ownStartTime(),
    bridge: `${NAME_PREFIX}${runId}-br`,
    // Interface names have at most 15 characters: the index, not the host name.
    links: hosts.map((_, i) => `${NAME_PREFIX}${runId}-${i}`),
    namespaces: hosts.map((host) => `${NAME_PREFIX}${runId}-${host}`),
  });
  const network = new NamespaceNetwork(record, hosts);
  try {
    await network.build();
  } catch (err) {
    await network.destroy();
    throw err;
  }
  return network;
}
