import { ipBatch, ipBinary, namespaceNames } from './ip.js';
import type { Network } from './network-api.js';
import {
  CLIENTS,
  faultPairs,
  keyPair,
  pairKey,
  type ClientSide,
  type CutPair,
  type Fault,
} from './network-faults.js';
import { release, releaseSync, subnetPrefix, type NetworkRecord } from './network-registry.js';
import type { Placement } from './placement.js';
import { findBinary, type RunAs } from './processes.js';

/**
 * The {@link Network} that createNetwork() builds: namespaces, veth links and a bridge made
 * with iproute2, and faults made of neighbour entries.
 *
 * A fault between two endpoints points each one's neighbour entry for the other at a MAC
 * address no interface has: frames still leave, the bridge floods them, nobody accepts them.
 * That is a real partition: no error, no reply, only timeouts. The obvious tool, a blackhole
 * route, is not silent for the sender's own traffic (connect() fails at once with EINVAL; an
 * `unreachable` or `prohibit` route fails with EHOSTUNREACH or EACCES), so processes would
 * learn at once what a partition only lets them guess. There is no netfilter on every machine
 * this runs on (no nft, no iptables), and neighbour entries need nothing but iproute2.
 */

/** The address no interface has: frames sent to it vanish on the bridge. */
const NOWHERE_MAC = '02:00:00:70:6c:79';
/** The device name of each host's veth end inside its namespace. */
const HOST_DEVICE = 'eth0';

/** Networks not yet destroyed, removed on the way out of this process if nothing else did. */
const live = new Set<NetworkRecord>();
process.once('exit', () => {
  for (const record of live) releaseSync(record);
});

/** A network whose kernel objects the record names (built by {@link build}). */
export class NamespaceNetwork implements Network {
  readonly subnet: string;
  readonly clientAddress: string;
  readonly #record: NetworkRecord;
  readonly #prefix: string;
  readonly #faults: Fault[] = [];
  /** Endpoint pairs currently cut, as `x\ny` with x < y; an endpoint is a host or CLIENTS. */
  readonly #cut = new Set<string>();
  #destroyed: Promise<void> | null = null;

  constructor(
    record: NetworkRecord,
    readonly hosts: readonly string[],
  ) {
    live.add(record);
    this.#record = record;
    this.#prefix = subnetPrefix(record.subnetIndex);
    this.subnet = `${this.#prefix}.0/24`;
    this.clientAddress = `${this.#prefix}.1`;
  }

  get runId(): string {
    return this.#record.runId;
  }

  get faults(): readonly Fault[] {
    return [...this.#faults];
  }

  /** Creates the bridge, namespaces and links (once, by createNetwork); the record names them. */
  async build(): Promise<void> {
    const { bridge } = this.#record;
    // One batch in the root namespace (namespace creation is not safe to run concurrently).
    await ipBatch([
      `link add ${bridge} type bridge`,
      `addr add ${this.clientAddress}/24 dev ${bridge}`,
      `link set ${bridge} up`,
      ...this.hosts.flatMap((host) => {
        const [ns, link] = [this.namespace(host), this.#link(host)];
        return [
          `netns add ${ns}`,
          `link add ${link} type veth peer name ${HOST_DEVICE} netns ${ns}`,
          `link set ${link} master ${bridge} up`,
        ];
      }),
    ]);
    await Promise.all(
      this.hosts.map((host) =>
        ipBatch(
          [
            `addr add ${this.address(host)}/24 dev ${HOST_DEVICE}`,
            `link set ${HOST_DEVICE} up`,
            'link set lo up',
          ],
          { netns: this.namespace(host) },
        ),
      ),
    );
  }

  address(host: string): string {
    return `${this.#prefix}.${this.#index(host) + 2}`;
  }

  namespace(host: string): string {
    return this.#record.namespaces[this.#index(host)]!;
  }

  wrap(host: string, command: string, args: string[], runAs: RunAs = {}) {
    // `ip netns exec` and setpriv both exec the command: the pid spawned is the process itself,
    // so kill -9, SIGSTOP and SIGCONT reach it and no wrapper outlives it.
    const drop =
      runAs.uid === undefined && runAs.gid === undefined
        ? []
        : [
            findBinary('setpriv', { debianPackage: 'util-linux' }),
            ...(runAs.uid === undefined ? [] : [`--reuid=${runAs.uid}`]),
            ...(runAs.gid === undefined ? [] : [`--regid=${runAs.gid}`]),
            '--clear-groups',
          ];
    return {
      command: ipBinary(),
      args: ['netns', 'exec', this.namespace(host), ...drop, command, ...args],
    };
  }

  placement(host: string): Placement {
    const address = this.address(host);
    return {
      address,
      clientNetwork: this.subnet,
      // Namespaces need root to enter: the user switch happens inside (setpriv), not at spawn.
      launch: (command, args, runAs) => this.wrap(host, command, args, runAs),
    };
  }

  isolate(host: string): Promise<Fault> {
    return this.inject({ kind: 'isolate', host });
  }

  split(sideA: string[], sideB: string[], options: { clients?: ClientSide } = {}) {
    const clients = options.clients ?? 'both';
    return this.inject({ kind: 'split', sides: [[...sideA], [...sideB]], clients });
  }

  cut(a: string, b: string): Promise<Fault> {
    return this.inject({ kind: 'cut', between: [a, b] });
  }

  /** Cuts every pair of the fault not cut already, all endpoints at once, and records it. */
  async inject(fault: Fault): Promise<Fault> {
    if (this.#destroyed) throw new Error('this network was destroyed');
    const fresh = faultPairs(fault, this.hosts).filter((pair) => !this.#cut.has(pairKey(pair)));
    // Recorded first: heal() then undoes whatever part of a failed injection did happen.
    for (const pair of fresh) this.#cut.add(pairKey(pair));
    this.#faults.push(fault);
    await this.#neighbours(
      fresh,
      (peer, device) => `neigh replace ${peer} lladdr ${NOWHERE_MAC} dev ${device} nud permanent`,
    );
    return fault;
  }

  async heal(): Promise<void> {
    const pairs = [...this.#cut].map(keyPair);
    // The next packet to a peer asks for its real address again (ARP).
    await this.#neighbours(pairs, (peer, device) => `neigh del ${peer} dev ${device}`);
    this.#cut.clear();
    this.#faults.length = 0;
  }

  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      await release(this.#record);
      live.delete(this.#record);
      const left = (await namespaceNames()).filter((ns) => this.#record.namespaces.includes(ns));
      if (left.length > 0) throw new Error(`network namespaces left behind: ${left.join(', ')}`);
    })();
    return this.#destroyed;
  }

  /** Runs `line(peer address, device)` in each endpoint's namespace for each of its cut peers. */
  async #neighbours(
    pairs: CutPair[],
    line: (peer: string, device: string) => string,
  ): Promise<void> {
    const byEndpoint = new Map<string, string[]>();
    for (const [x, y] of pairs)
      for (const [self, peer] of [
        [x, y],
        [y, x],
      ] as const) {
        const device = self === CLIENTS ? this.#record.bridge : HOST_DEVICE;
        const lines = byEndpoint.get(self) ?? [];
        lines.push(line(this.#endpointAddress(peer), device));
        byEndpoint.set(self, lines);
      }
    await Promise.all(
      [...byEndpoint].map(([self, lines]) =>
        // -force: one failing line does not leave the others undone (the failure still throws).
        ipBatch(lines, {
          force: true,
          ...(self === CLIENTS ? {} : { netns: this.namespace(self) }),
        }),
      ),
    );
  }

  #endpointAddress(endpoint: string): string {
    return endpoint === CLIENTS ? this.clientAddress : this.address(endpoint);
  }

  #link(host: string): string {
    return this.#record.links[this.#index(host)]!;
  }

  #index(host: string): number {
    const index = this.hosts.indexOf(host);
    if (index < 0) throw new RangeError(`no host ${JSON.stringify(host)} in this network`);
    return index;
  }
}
