// Reconnect to synced under single faults (issue 12; results in docs/benchmarks.md). A local
// cluster (PostgreSQL, 3 NATS servers, 3 chat nodes), N clients of the client library spread
// over the nodes, in DMs and groups, with a little traffic; then, each round, one fault at a
// time: kill -9 of a chat node (restarted once its clients are back), kill -9 of a NATS server
// (restarted), PostgreSQL halted for --pg-down ms and restarted. For every client that left
// `online`: the time until it is `online` again, split into the wait before the socket that got
// through, its handshake (to `ready`) and its replay (to `synced`). Everything it starts is
// stopped at the end, on an error and on Ctrl-C.
//
// Usage: npx tsx scripts/reconnect-bench.ts [--clients 300] [--rounds 3]
//          [--faults node,nats,postgres] [--pg-down 3000] [--json]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BENCH_LIMITS } from '../src/bench/target.js';
import { ParleyClient, type ConnectionState } from '../src/client/client.js';
import { nodeWebSocket } from '../src/client/node.js';
import { RestApi } from '../src/client/rest.js';
import { startLocalCluster, type LocalCluster } from '../src/supervisor/local-cluster.js';

const FAULTS = ['node', 'nats', 'postgres'] as const;
type Fault = (typeof FAULTS)[number];

/** One client's way back: from leaving `online` to `online` again. */
interface Outage {
  client: number;
  ms: number;
  /** Sockets opened on the way (1: the first node it tried took it). */
  attempts: number;
  /** From leaving `online` to opening the socket that got through. */
  waitMs: number;
  /** From opening that socket to `ready` (state `syncing`). */
  handshakeMs: number;
  /** From `ready` to `synced` (state `online`). */
  replayMs: number;
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
    faults: { type: 'string', default: FAULTS.join(',') },
    'pg-down': { type: 'string', default: '3000' },
    json: { type: 'boolean', default: false },
  },
});
const clientCount = Number(values.clients);
const rounds = Number(values.rounds);
const pgDownMs = Number(values['pg-down']);
const faults = values.faults.split(',') as Fault[];
for (const f of faults) if (!FAULTS.includes(f)) throw new Error(`unknown fault ${f}`);

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Resolves once `check` holds, polling every 50 ms; rejects after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU time (user + system) a process has used, in ms, from /proc (0 if unknown). */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Linux's USER_HZ, the unit of /proc/PID/stat times. */
const CLOCK_TICKS = 100;

/** p50/p99 of one phase, in ms. */
function phase(outages: Outage[], key: 'waitMs' | 'handshakeMs' | 'replayMs'): string {
  const sorted = outages.map((o) => o[key]).sort((a, b) => a - b);
  return `${percentile(sorted, 50)}/${percentile(sorted, 99)}`;
}

async function setUp(cluster: LocalCluster) {
  const tag = Date.now().toString(36);
  const urls = cluster.urls;
  log(`registering ${clientCount} users`);
  const users = await pool(
    Array.from({ length: clientCount }, (_, i) => i),
    12,
    async (i) => {
      const api = new RestApi({ baseUrl: urls[i % urls.length]! });
      const username = `r${tag}_${i}`;
      await api.register(username, `password-${username}`);
      const { token } = await api.login(username, `password-${username}`);
      return { username, token, api: new RestApi({ baseUrl: urls[i % urls.length]!, token }) };
    },
  );
  log('creating DMs and groups');
  // A DM per pair of neighbours and groups of ten.
  await pool(
    Array.from({ length: Math.floor(clientCount / 2) }, (_, k) => k * 2),
    8,
    (i) => users[i]!.api.dm(users[i + 1]!.username),
  );
  await pool(
    Array.from({ length: Math.floor(clientCount / 10) }, (_, k) => k * 10),
    8,
    (i) =>
      users[i]!.api.createGroup(
        `g${i}`,
        users.slice(i + 1, i + 10).map((u) => u.username),
      ),
  );
  return users;
}

async function main(): Promise<void> {
  log('starting the cluster');
  const cluster = await startLocalCluster({
    nodes: 3,
    nats: 3,
    nodeArgs: [...BENCH_LIMITS, '--log-level', 'warn'],
  });
  const clients: ParleyClient[] = [];
  const stopAll = async () => {
    for (const c of clients) c.close();
    await cluster.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  let traffic: NodeJS.Timeout | undefined;
  try {
    const users = await setUp(cluster);
    let current: Fault | null = null;
    const outages = new Map<Fault, Outage[][]>(faults.map((f) => [f, []]));
    let recorded: Outage[] = [];
    for (const [i, u] of users.entries()) {
      const n = cluster.urls.length;
      const urls = Array.from({ length: n }, (_, k) => cluster.urls[(i + k) % n]!);
      const client = new ParleyClient({ urls, token: u.token, webSocket: nodeWebSocket });
      let left: number | null = null;
      let attempts = 0;
      let opened = 0;
      let ready = 0;
      let previous: ConnectionState = 'offline';
      client.on('state', (state) => {
        const now = Date.now();
        if (previous === 'online' && state !== 'online') {
          left = now;
          attempts = 0;
        }
        if (state === 'connecting') {
          attempts += 1;
          opened = now;
        }
        if (state === 'syncing') ready = now;
        if (state === 'online' && left !== null) {
          if (previous !== 'syncing') ready = now;
          if (current)
            recorded.push({
              client: i,
              ms: now - left,
              attempts,
              waitMs: opened - left,
              handshakeMs: ready - opened,
              replayMs: now - ready,
            });
          left = null;
        }
        previous = state;
      });
      clients.push(client);
    }
    log(`connecting ${clientCount} clients`);
    const connectStart = Date.now();
    for (const c of clients) c.connect();
    await Promise.all(clients.map((c) => c.online()));
    log(`all online in ${Date.now() - connectStart} ms`);

    // A little traffic: about 20 sends per second from random clients.
    let sent = 0;
    const sends: Array<{ at: number; ackedAt: number }> = [];
    traffic = setInterval(() => {
      const c = clients[Math.floor(Math.random() * clients.length)]!;
      const ids = Object.keys(c.cursors.snapshot());
      const id = ids[Math.floor(Math.random() * ids.length)];
      if (!id || c.state !== 'online') return;
      sent += 1;
      const send = { at: Date.now(), ackedAt: 0 };
      sends.push(send);
      c.send(id, `traffic ${sent}`).done.then(
        () => (send.ackedAt = Date.now()),
        () => undefined,
      );
    }, 50);
    await sleep(2_000);

    const allOnline = () => clients.every((c) => c.state === 'online');
    for (let round = 0; round < rounds; round++) {
      for (const fault of faults) {
        recorded = [];
        current = fault;
        const k = round % 3;
        const spread = new Map<string, number>();
        for (const c of clients)
          spread.set(c.nodeId ?? '?', (spread.get(c.nodeId ?? '?') ?? 0) + 1);
        const placement = [...spread]
          .sort()
          .map(([id, n]) => `${id} ${n}`)
          .join(', ');
        const started = Date.now();
        let restoredAfter = 0;
        let cpu = '';
        if (fault === 'node') {
          const survivors = cluster.nodes.filter((_, i) => i !== k);
          const nodesCpu = () => survivors.reduce((sum, n) => sum + cpuMs(n.process?.child.pid), 0);
          const before = { nodes: nodesCpu(), client: process.cpuUsage() };
          const affected = clients.filter((c) => c.nodeId === cluster.nodes[k]!.id).length;
          await cluster.nodes[k]!.kill();
          await until(
            () => recorded.length >= affected && allOnline(),
            120_000,
            'every client of the killed node online again',
          );
          const moved = recorded.length || 1;
          const clientCpu = process.cpuUsage(before.client);
          cpu =
            `; CPU per reconnect: nodes ${((nodesCpu() - before.nodes) / moved).toFixed(1)} ms, ` +
            `this process ${((clientCpu.user + clientCpu.system) / 1000 / moved).toFixed(1)} ms`;
          await sleep(1_000);
          await cluster.nodes[k]!.start();
        } else if (fault === 'nats') {
          await cluster.nats.servers[k]!.kill();
          await sleep(3_000);
          await until(allOnline, 120_000, 'every client online after the NATS kill');
          await cluster.nats.servers[k]!.restart();
        } else {
          await cluster.postgres.halt();
          await sleep(pgDownMs);
          await cluster.postgres.restart();
          const back = Date.now();
          restoredAfter = back - started;
          // Sends made while the database was down wait as pending and are retried (K7).
          const waiting = sends.filter((s) => s.at >= started && s.at < back);
          await until(() => waiting.every((s) => s.ackedAt > 0), 60_000, 'the outage sends');
          const late = waiting.map((s) => s.ackedAt - back).sort((a, b) => a - b);
          log(
            `  ${waiting.length} sends during the outage, acked after the database was back: ` +
              `p50 ${percentile(late, 50)} ms, max ${late.at(-1) ?? 0} ms`,
          );
        }
        await until(allOnline, 120_000, `every client online after ${fault}`);
        await sleep(3_000);
        await until(allOnline, 120_000, `every client online after ${fault}`);
        current = null;
        outages.get(fault)!.push(recorded);
        const ms = recorded.map((o) => o.ms).sort((a, b) => a - b);
        const tries = recorded.map((o) => o.attempts).sort((a, b) => a - b);
        log(
          `round ${round + 1} ${fault}${fault === 'node' || fault === 'nats' ? `-${k + 1}` : ''}: ` +
            `${ms.length} clients affected, p50 ${percentile(ms, 50)} ms, p99 ${percentile(ms, 99)} ms, ` +
            `max ${ms.at(-1) ?? 0} ms; sockets tried p50 ${percentile(tries, 50)} max ${tries.at(-1) ?? 0}; ` +
            `p50/p99 wait ${phase(recorded, 'waitMs')}, handshake ${phase(recorded, 'handshakeMs')}, ` +
            `replay ${phase(recorded, 'replayMs')}` +
            (restoredAfter ? `; database back after ${restoredAfter} ms` : '') +
            cpu +
            ` (clients before: ${placement})`,
        );
      }
    }
    clearInterval(traffic);
    if (values.json) {
      const summary = Object.fromEntries(
        [...outages].map(([fault, runs]) => [
          fault,
          runs.map((run) => {
            const ms = run.map((o) => o.ms).sort((a, b) => a - b);
            return {
              affected: ms.length,
              p50: percentile(ms, 50),
              p99: percentile(ms, 99),
              max: ms.at(-1) ?? 0,
            };
          }),
        ]),
      );
      console.log(JSON.stringify(summary, null, 2));
    }
  } finally {
    clearInterval(traffic);
    await stopAll();
  }
}

await main();
