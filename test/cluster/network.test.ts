import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readlinkSync, realpathSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ip, linkNames, namespaceNames } from '../../src/supervisor/ip.js';
import { startLocalCluster, type LocalCluster } from '../../src/supervisor/local-cluster.js';
import {
  cleanupStaleNetworks,
  createNetwork,
  partitionSupport,
  type Network,
} from '../../src/supervisor/network.js';
import { ManagedProcess, waitUntil } from '../../src/supervisor/processes.js';
import { UNLIMITED } from '../helpers/limits.js';

/**
 * Network partitions of the local cluster (issue 12): hosts in network namespaces of their own,
 * joined by veth links to a bridge, and faults that silently drop what crosses a cut.
 */

const support = partitionSupport();
const skip = support.supported ? false : `network partitions are not possible: ${support.reason}`;

/** No port listens here, so a connection that arrives is refused at once (RST). */
const CLOSED_PORT = 9;

/**
 * Whether a TCP connection from `from` (a host, or null for the root namespace) to `address`
 * arrives: refused at once means it did; no answer within a second means the packets vanished.
 */
function reaches(network: Network, from: string | null, address: string): Promise<boolean> {
  const script = `exec 3<>/dev/tcp/${address}/${CLOSED_PORT}`;
  const args = ['1', 'bash', '-c', script];
  const { command, args: wrapped } = from
    ? network.wrap(from, 'timeout', args)
    : { command: 'timeout', args };
  return new Promise((resolve, reject) => {
    execFile(command, wrapped, (err, _stdout, stderr) => {
      if (/Connection refused/.test(stderr)) resolve(true);
      else if ((err as { code?: unknown } | null)?.code === 124) resolve(false);
      else reject(new Error(`unexpected probe result: ${err?.message ?? 'connected'} ${stderr}`));
    });
  });
}

/** Every ordered pair's reachability, `from>to` (root is the root namespace, its clients). */
async function reachability(network: Network): Promise<Record<string, boolean>> {
  const ends = [null, ...network.hosts];
  const address = (end: string | null) => (end ? network.address(end) : network.clientAddress);
  const pairs = ends.flatMap((from) => ends.filter((to) => to !== from).map((to) => [from, to]));
  const results = await Promise.all(
    pairs.map(([from, to]) => reaches(network, from ?? null, address(to ?? null))),
  );
  return Object.fromEntries(
    pairs.map(([from, to], i) => [`${from ?? 'root'}>${to ?? 'root'}`, results[i]!]),
  );
}

/** The pairs that do not reach each other, sorted. */
async function cutPairs(network: Network): Promise<string[]> {
  const all = await reachability(network);
  return Object.keys(all)
    .filter((pair) => !all[pair])
    .sort();
}

/** The namespaces and interfaces of a run that still exist. */
async function leftovers(runId: string): Promise<string[]> {
  const mine = (name: string) => name.startsWith(`ply-${runId}-`);
  return [...(await namespaceNames()).filter(mine), ...(await linkNames()).filter(mine)];
}

describe('a partitionable network', { skip }, () => {
  let network: Network;
  before(async () => {
    network = await createNetwork({ hosts: ['a', 'b', 'c'] });
  });
  after(() => network?.destroy());

  it('gives every host its own address, reachable from every host and from the root namespace', async () => {
    assert.match(network.subnet, /^10\.213\.\d+\.0\/24$/);
    assert.equal(new Set(network.hosts.map((h) => network.address(h))).size, 3);
    assert.deepEqual(await cutPairs(network), []);
  });

  it('split: neither side reaches the other, the clients reach both; heal undoes it', async () => {
    const fault = await network.split(['a'], ['b', 'c']);
    assert.deepEqual(fault, { kind: 'split', sides: [['a'], ['b', 'c']], clients: 'both' });
    assert.deepEqual(await cutPairs(network), ['a>b', 'a>c', 'b>a', 'c>a']);
    await network.heal();
    assert.deepEqual(network.faults, []);
    assert.deepEqual(await cutPairs(network), []);
  });

  it('split with the clients on one side: they lose the other side too', async () => {
    await network.split(['a'], ['b', 'c'], { clients: 'b' });
    assert.deepEqual(await cutPairs(network), ['a>b', 'a>c', 'a>root', 'b>a', 'c>a', 'root>a']);
    await network.heal();
    assert.deepEqual(await cutPairs(network), []);
  });

  it('cut: only the two hosts lose each other; overlapping faults heal together', async () => {
    assert.deepEqual(await network.cut('b', 'c'), { kind: 'cut', between: ['b', 'c'] });
    assert.deepEqual(await cutPairs(network), ['b>c', 'c>b']);
    await network.isolate('c');
    assert.equal(network.faults.length, 2);
    await network.heal();
    assert.deepEqual(await cutPairs(network), []);
  });

  it('isolate: the host loses every host and the clients, which lose it', async () => {
    assert.deepEqual(await network.isolate('b'), { kind: 'isolate', host: 'b' });
    assert.deepEqual(await cutPairs(network), ['a>b', 'b>a', 'b>c', 'b>root', 'c>b', 'root>b']);
    await network.heal();
    assert.deepEqual(await cutPairs(network), []);
  });

  it('refuses faults naming hosts it does not have', async () => {
    await assert.rejects(network.cut('a', 'z'), /no host "z"/);
    await assert.rejects(network.split(['a'], ['a', 'b']), /both sides/);
    assert.deepEqual(network.faults, []);
  });

  it('destroy removes its namespaces, links and bridge, and may be called again', async () => {
    const other = await createNetwork({ hosts: ['x', 'y'] });
    assert.equal((await leftovers(other.runId)).length, 5);
    await other.destroy();
    await other.destroy();
    assert.deepEqual(await leftovers(other.runId), []);
  });

  it('cleanupStaleNetworks removes the network of a run killed with SIGKILL', async () => {
    const module = fileURLToPath(new URL('../../src/supervisor/network.ts', import.meta.url));
    const script =
      `const { createNetwork } = await import(${JSON.stringify(module)});` +
      `const n = await createNetwork({ hosts: ['a'] }); console.log('run ' + n.runId);` +
      'setInterval(() => {}, 1000);';
    const owner = new ManagedProcess('owner', process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    try {
      const runId = (await owner.waitForLine(/^run [0-9a-f]{6}$/)).slice(4);
      await owner.kill();
      assert.equal((await leftovers(runId)).length, 3, 'the killed run left its network behind');
      const removed = await cleanupStaleNetworks();
      assert.ok(removed.runs.includes(runId));
      assert.deepEqual(await leftovers(runId), []);
      assert.equal((await leftovers(network.runId)).length, 7, 'nothing of a live run is removed');
    } finally {
      await owner.kill();
    }
  });
});

/**
 * GET with a deadline: a partitioned host does not answer at all. /readyz of a node cut from
 * PostgreSQL answers 503 only after its store deadline (2 s here), hence the default.
 */
async function status(url: string, deadlineMs = 5_000): Promise<number | 'no answer'> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(deadlineMs) })).status;
  } catch {
    return 'no answer';
  }
}

describe('a local cluster in network namespaces', { skip }, () => {
  let cluster: LocalCluster;
  let network: Network;
  before(async () => {
    cluster = await startLocalCluster({
      nodes: 2,
      nats: 1,
      network: true,
      nodeArgs: [...UNLIMITED, '--store-timeout', '2000', '--log-level', 'warn'],
    });
    network = cluster.network!;
  });
  after(async () => {
    for (const node of cluster?.nodes ?? []) node.resume();
    await cluster?.stop();
  });

  it('places each engine at its own address, reachable from the root namespace', () => {
    assert.deepEqual([...network.hosts], ['pg', 'nats-1', 'node-1', 'node-2']);
    assert.equal(
      cluster.urls[0],
      `http://${network.address('node-1')}:${new URL(cluster.urls[0]!).port}`,
    );
    assert.equal(new URL(cluster.postgres.url).hostname, network.address('pg'));
    assert.equal(new URL(cluster.nats.urls[0]!).hostname, network.address('nats-1'));
  });

  it('every node is ready, and the pid held is the node process itself, in its namespace', async () => {
    for (const [i, node] of cluster.nodes.entries()) {
      assert.equal(await status(`${node.url}/readyz`), 200);
      const pid = node.process!.child.pid!;
      // The process runs Node itself (not `ip` or `setpriv` around it): its executable is
      // this one's (the comm name is no use: Node 24 calls its main thread "MainThread").
      assert.equal(realpathSync(`/proc/${pid}/exe`), realpathSync(process.execPath));
      const own = statSync(`/run/netns/${network.namespace(`node-${i + 1}`)}`).ino;
      assert.equal(readlinkSync(`/proc/${pid}/ns/net`), `net:[${own}]`);
    }
  });

  it('cut(node-1, pg): node-1 turns unready, node-2 stays ready; heal: node-1 is ready again', async () => {
    const [one, two] = cluster.nodes as [LocalCluster['nodes'][0], LocalCluster['nodes'][0]];
    await network.cut('node-1', 'pg');
    try {
      await waitUntil(async () => (await status(`${one.url}/readyz`)) === 503, {
        timeoutMs: 20_000,
        what: 'node-1 to report 503 once cut from PostgreSQL',
      });
      assert.equal(await status(`${two.url}/readyz`), 200);
      assert.equal(await status(`${one.url}/healthz`), 200, 'the clients still reach node-1');
    } finally {
      await network.heal();
    }
    await waitUntil(async () => (await status(`${one.url}/readyz`)) === 200, {
      timeoutMs: 60_000,
      what: 'node-1 to be ready again after the heal',
    });
  });

  it('isolate(node-2): its /healthz goes unanswered from the root namespace; heal: answered', async () => {
    const two = cluster.nodes[1]!;
    await network.isolate('node-2');
    try {
      assert.equal(await status(`${two.url}/healthz`, 1_000), 'no answer');
      assert.equal(await status(`${cluster.nodes[0]!.url}/healthz`), 200);
    } finally {
      await network.heal();
    }
    await waitUntil(async () => (await status(`${two.url}/healthz`)) === 200, {
      timeoutMs: 30_000,
      what: 'node-2 to answer again after the heal',
    });
  });

  it('pause and resume stop and continue the node inside its namespace', async () => {
    const two = cluster.nodes[1]!;
    two.pause();
    try {
      assert.equal(await status(`${two.url}/healthz`, 1_000), 'no answer');
    } finally {
      two.resume();
    }
    await waitUntil(async () => (await status(`${two.url}/healthz`)) === 200, {
      timeoutMs: 30_000,
      what: 'node-2 to answer after SIGCONT',
    });
  });

  it('kill -9 leaves nothing running in the namespace, and the node restarts at its address', async () => {
    const one = cluster.nodes[0]!;
    const killed = one.process!;
    await one.kill();
    assert.equal((await killed.exited).signal, 'SIGKILL');
    assert.equal(await namespacePids(network.namespace('node-1')), '');
    await one.start();
    assert.equal(await status(`${one.url}/readyz`), 200);
  });

  it('stop removes every namespace and link of the cluster', async () => {
    await cluster.stop();
    assert.deepEqual(await leftovers(network.runId), []);
  });
});

/** `ip netns pids`: the processes left in a namespace, one per line. */
async function namespacePids(ns: string): Promise<string> {
  return (await ip(['netns', 'pids', ns])).trim();
}
