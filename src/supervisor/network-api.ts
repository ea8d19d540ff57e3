import type { ClientSide, Fault } from './network-faults.js';
import type { Placement } from './placement.js';
import type { RunAs } from './processes.js';

/** The hosts of a partitionable network, their addresses, and the faults between them. */
export interface Network {
  readonly runId: string;
  /** `10.213.x.0/24`. */
  readonly subnet: string;
  readonly hosts: readonly string[];
  /** The root namespace's address on the subnet: where clients' connections come from. */
  readonly clientAddress: string;
  /** The faults in effect, oldest first. */
  readonly faults: readonly Fault[];
  address(host: string): string;
  namespace(host: string): string;
  /** The command line that runs `command` inside the host's namespace (as `runAs` if given). */
  wrap(
    host: string,
    command: string,
    args: string[],
    runAs?: RunAs,
  ): { command: string; args: string[] };
  /** The host as a place to start an engine process. */
  placement(host: string): Placement;
  /** Injects a fault given as data (as logged); faults add up until {@link heal}. */
  inject(fault: Fault): Promise<Fault>;
  isolate(host: string): Promise<Fault>;
  /** Clients reach both sides unless `clients` names one. */
  split(sideA: string[], sideB: string[], options?: { clients?: ClientSide }): Promise<Fault>;
  cut(a: string, b: string): Promise<Fault>;
  /** Undoes every fault. */
  heal(): Promise<void>;
  /** Deletes the namespaces, links and bridge; idempotent. Processes inside should be stopped. */
  destroy(): Promise<void>;
}
