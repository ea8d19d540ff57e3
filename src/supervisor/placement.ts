import { ManagedProcess, type RunAs } from './processes.js';

/**
 * Where an engine process of a local cluster runs: on loopback in the supervisor's own network
 * namespace (the default), or at its own address in a namespace of a partitionable network.
 */
export interface Placement {
  /** The address its listeners bind and its URLs name. */
  readonly address: string;
  /**
   * The network its clients and peers connect from, as CIDR, for engines that filter clients by
   * address (PostgreSQL's pg_hba); null on loopback, where the engine's defaults already fit.
   */
  readonly clientNetwork: string | null;
  /** The command line that starts `command` there, run as `runAs` when given. */
  launch(command: string, args: string[], runAs?: RunAs): Launch;
}

/** A command line to spawn, and the user to spawn it as. */
export interface Launch extends RunAs {
  command: string;
  args: string[];
}

/** Loopback in the supervisor's own namespace: what every local cluster used before partitions. */
export const LOOPBACK: Placement = {
  address: '127.0.0.1',
  clientNetwork: null,
  launch: (command, args, runAs = {}) => ({ command, args, ...runAs }),
};

/** Options of {@link spawnAt}: those of ManagedProcess, less the user (the placement decides). */
export type SpawnAtOptions = Omit<
  NonNullable<ConstructorParameters<typeof ManagedProcess>[3]>,
  keyof RunAs
> & {
  runAs?: RunAs;
};

/** Starts `command` as a ManagedProcess at `placement`. */
export function spawnAt(
  placement: Placement,
  name: string,
  command: string,
  args: string[],
  options: SpawnAtOptions = {},
): ManagedProcess {
  const { runAs, ...rest } = options;
  const launch = placement.launch(command, args, runAs);
  return new ManagedProcess(name, launch.command, launch.args, {
    ...rest,
    ...(launch.uid === undefined ? {} : { uid: launch.uid }),
    ...(launch.gid === undefined ? {} : { gid: launch.gid }),
  });
}
