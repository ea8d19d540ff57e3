/**
 * The Patroni configuration of one member of a local HA store. Every setting that decides what
 * a failover loses or how long it takes is here, with its reason; docs/operations.md ("HA
 * cluster") explains them for operators.
 */

/** The superuser Patroni's initdb creates; loopback connections are trusted (throwaway). */
export const SUPERUSER = 'parley';

/** A member's listeners (on 127.0.0.1, or on its own address). */
export interface MemberPorts {
  /** PostgreSQL. */
  pg: number;
  /** Patroni's REST API (HAProxy's health check, `/cluster`). */
  rest: number;
}

/** What one member's configuration depends on. */
export interface PatroniConfigInput {
  scope: string;
  name: string;
  /** The member's own directory (data, socket, pgpass). */
  dir: string;
  /** PostgreSQL's binaries, e.g. /usr/lib/postgresql/15/bin. */
  binDir: string;
  ports: MemberPorts;
  /**
   * The address PostgreSQL and the REST API listen on and peers connect to (default
   * 127.0.0.1), and the network trusted besides loopback (a partitionable network's /24).
   */
  address?: string;
  clientNetwork?: string | null;
  etcdHosts: string[];
  /** How many standbys each commit waits for: every other member. */
  synchronousNodeCount: number;
}

/** Patroni's YAML configuration as an object (written as JSON, which YAML reads). */
export function patroniConfig(input: PatroniConfigInput): Record<string, unknown> {
  const address = input.address ?? '127.0.0.1';
  const pg = `${address}:${input.ports.pg}`;
  const rest = `${address}:${input.ports.rest}`;
  // In a namespace the members, HAProxy, the nodes and the supervisor connect from the /24.
  const network = input.clientNetwork
    ? [
        `host all all ${input.clientNetwork} trust`,
        `host replication all ${input.clientNetwork} trust`,
      ]
    : [];
  return {
    scope: input.scope,
    namespace: '/parley/',
    name: input.name,
    log: { level: 'INFO', format: '%(levelname)s: %(message)s' },
    restapi: { listen: rest, connect_address: rest },
    etcd3: { hosts: input.etcdHosts },
    bootstrap: {
      dcs: {
        // A dead primary's leader key expires after ttl; loop_wait + 2 × retry_timeout ≤ ttl keeps
        // a primary that merely cannot reach etcd from outliving its key (it demotes itself).
        ttl: 10,
        loop_wait: 2,
        retry_timeout: 4,
        maximum_lag_on_failover: 1_048_576,
        // Only a synchronous standby may be promoted, and each commit waits for every standby:
        // an acked commit is on every member's disk while all run.
        synchronous_mode: true,
        synchronous_node_count: input.synchronousNodeCount,
        // With no standby left the primary goes on alone rather than refusing every write.
        synchronous_mode_strict: false,
        postgresql: {
          // A crashed primary that ran ahead of the new one is rewound, not re-cloned.
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            fsync: 'on',
            synchronous_commit: 'on',
            full_page_writes: 'on',
            wal_log_hints: 'on', // pg_rewind needs it (or data checksums)
            wal_level: 'replica',
            hot_standby: 'on',
            max_connections: 200,
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: '256MB',
            shared_buffers: '32MB',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }],
    },
    postgresql: {
      listen: pg,
      connect_address: pg,
      data_dir: `${input.dir}/data`,
      bin_dir: input.binDir,
      pgpass: `${input.dir}/pgpass`,
      authentication: {
        superuser: { username: SUPERUSER },
        replication: { username: 'replicator' },
      },
      parameters: { unix_socket_directories: input.dir, logging_collector: 'off' },
      // Loopback (and a partitionable network's own /24) only, no passwords: a throwaway
      // cluster nobody else can reach.
      pg_hba: [
        'local all all trust',
        'host all all 127.0.0.1/32 trust',
        'host replication all 127.0.0.1/32 trust',
        ...network,
      ],
    },
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}
