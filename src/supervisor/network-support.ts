import { IpCommandError, ipBatchSync, ipBinary, ipSync } from './ip.js';
import { findBinary } from './processes.js';

/** Whether this machine can partition a local cluster, and if not, why not in plain words. */
export type PartitionSupport = { supported: true } | { supported: false; reason: string };

/** Raised when a local cluster is asked for partitions this machine cannot make. */
export class PartitionsUnsupportedError extends Error {
  override readonly name = 'PartitionsUnsupportedError';
  constructor(readonly reason: string) {
    super(`network partitions are not possible here: ${reason}`);
  }
}

let known: PartitionSupport | null = null;

/**
 * Checks, once per process, what partitions need: Linux, root, iproute2, setpriv (to start
 * PostgreSQL as its own user inside a namespace), and that a namespace with a veth link and a
 * bridge can really be made (a probe namespace, deleted at once).
 */
export function partitionSupport(): PartitionSupport {
  known ??= probe();
  return known;
}

function probe(): PartitionSupport {
  if (process.platform !== 'linux')
    return unsupported(`they need Linux network namespaces, and this is ${process.platform}`);
  const uid = process.getuid?.();
  if (uid !== 0)
    return unsupported(
      `creating network namespaces and links needs root, and this runs as uid ${uid}`,
    );
  try {
    ipBinary();
    findBinary('setpriv', { debianPackage: 'util-linux' });
  } catch (err) {
    return unsupported((err as Error).message);
  }
  const ns = `ply-probe-${process.pid}`;
  try {
    ipSync(['netns', 'add', ns]);
  } catch (err) {
    return unsupported(
      `"ip netns add" fails (${stderrOf(err)}): no network namespaces here ` +
        '(a container without CAP_SYS_ADMIN, or a kernel without CONFIG_NET_NS)',
    );
  }
  try {
    ipBatchSync(['link add probe0 type veth peer name probe1', 'link add probebr type bridge'], {
      netns: ns,
    });
    return { supported: true };
  } catch (err) {
    return unsupported(
      `this kernel cannot make veth links or bridges (${stderrOf(err)}): ` +
        'it needs CONFIG_VETH and CONFIG_BRIDGE',
    );
  } finally {
    // Deleting the namespace deletes the links made in it.
    try {
      ipSync(['netns', 'del', ns]);
    } catch {
      // cleanupStaleNetworks() removes a probe namespace once its process is gone.
    }
  }
}

function unsupported(reason: string): PartitionSupport {
  return { supported: false, reason };
}

function stderrOf(err: unknown): string {
  return err instanceof IpCommandError ? err.stderr.trim() : String(err);
}
