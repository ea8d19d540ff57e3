import { startHaCluster, type HaCluster } from '../../src/supervisor/ha-cluster.js';
import { UNLIMITED } from './limits.js';

/**
 * The HA stack the HA tests share (rule K11): five etcd members, three PostgreSQL members under
 * Patroni, HAProxy, one NATS server and two chat nodes with the rate limits lifted. Logs how
 * long it took to start.
 */
export async function startTestHaCluster(): Promise<HaCluster> {
  const start = Date.now();
  const cluster = await startHaCluster({
    etcd: 5,
    postgres: 3,
    nats: 1,
    nodes: 2,
    nodeArgs: UNLIMITED,
  });
  console.log(`HA stack up in ${Date.now() - start} ms, front door ${cluster.frontDoorUrl}`);
  return cluster;
}
