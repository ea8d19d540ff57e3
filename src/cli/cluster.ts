import type { Command } from 'commander';
import type { ClusterNode } from '../supervisor/chat-node.js';
import { startHaCluster } from '../supervisor/ha-cluster.js';
import { startLocalCluster } from '../supervisor/local-cluster.js';
import { watchNodes } from '../supervisor/node-watch.js';
import { MAX_BASE_PORT, MIN_BASE_PORT, PortError } from '../supervisor/ports.js';
import { cleanUpNow, MissingBinaryError } from '../supervisor/processes.js';
import { stopOnEveryExit } from '../supervisor/shutdown.js';
import { consoleAvailable, HELP, startConsole } from './cluster-console.js';

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** One readable line per log line, prefixed with the process name (JSON logs are compacted). */
function prefixer(
  color: boolean,
  out: (line: string) => void,
): (name: string, line: string) => void {
  const palette = new Map<string, string>();
  return (name, line) => {
    if (!palette.has(name)) palette.set(name, COLORS[palette.size % COLORS.length]!);
    const tag = color ? `${palette.get(name)}[${name}]\x1b[0m` : `[${name}]`;
    let text = line;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; event?: string };
      if (entry.msg !== undefined) {
        const { level, msg, event, time: _t, node: _n, ...rest } = entry as Record<string, unknown>;
        const extra = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        const kind = typeof event === 'string' ? ` (${event})` : '';
        text = `${LEVELS[level as number] ?? ''} ${String(msg)}${kind}${extra ? ` ${extra}` : ''}`;
      }
    } catch {
      // not JSON: print as is
    }
    out(`${tag} ${text}`);
  };
}

/** Health checks the front door sends every node each second: not worth a line each. */
function isHealthCheck(line: string): boolean {
  return /"event":"http"/.test(line) && /"path":"\/(readyz|healthz)","status":200/.test(line);
}

interface UpOptions {
  nodes: string;
  nats: string;
  data?: string;
  ha?: boolean;
  etcd: string;
  restart?: boolean;
  basePort?: string;
}

/** A running cluster as `cluster up` prints and stops it. */
interface Started {
  lines: string[];
  openUrl: string;
  nodes: ClusterNode[];
  stop: () => Promise<void>;
}

/** `parley cluster up`: a throwaway local cluster for demos and fault tests (rules K1, K11). */
export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('local multi-node cluster');
  cluster
    .command('up')
    .description('start PostgreSQL, a NATS cluster and N chat nodes on loopback; Ctrl-C stops all')
    .option('--nodes <n>', 'chat nodes', '3')
    .option('--nats <n>', 'NATS servers', '3')
    .option('--data <dir>', 'keep PostgreSQL data here (default: temporary; not with --ha)')
    .option(
      '--ha',
      'two-fault-tolerant store: etcd, 3 PostgreSQL members under Patroni, HAProxy before them and a front door before the nodes',
    )
    .option('--etcd <n>', 'etcd members with --ha', '5')
    .option('--restart', 'restart a node that exits, after a backoff (0.5 s doubling to 10 s)')
    .option(
      '--base-port <n>',
      'fixed ports: PostgreSQL on N, node i on N+i, NATS server j on N+20+j (routes N+30+j, monitoring N+40+j); not with --ha',
    )
    .action(async (opts: UpOptions) => {
      const nodes = integer(opts.nodes, '--nodes', 1, 16);
      const natsServers = integer(opts.nats, '--nats', 1, 5);
      const etcd = integer(opts.etcd, '--etcd', 1, 7);
      if (opts.ha && opts.data)
        usage('--data cannot be combined with --ha (its data is temporary)');
      if (opts.ha && opts.basePort !== undefined)
        usage('--base-port cannot be combined with --ha (its ports are picked at random)');
      const basePort =
        opts.basePort === undefined
          ? undefined
          : integer(opts.basePort, '--base-port', MIN_BASE_PORT, MAX_BASE_PORT);
      let started: Started | null = null;
      // Every way out stops what runs; until the cluster is up, that is killing what started.
      const exits = stopOnEveryExit(
        async () => {
          if (started) await started.stop();
          else cleanUpNow();
        },
        { what: 'the cluster' },
      );
      const onLine = prefixer(process.stdout.isTTY, exits.out);
      try {
        started = opts.ha
          ? await startHa({ nodes, nats: natsServers, etcd, onLine, out: exits.out })
          : await startPlain({
              nodes,
              nats: natsServers,
              data: opts.data,
              basePort,
              onLine,
              out: exits.out,
            });
      } catch (err) {
        if (err instanceof PortError) {
          exits.err(`parley: ${err.message}`);
          process.exit(2);
        }
        exits.err(
          `parley: ${err instanceof MissingBinaryError ? err.message : `cluster failed to start: ${err instanceof Error ? err.message : String(err)}`}`,
        );
        process.exit(1);
      }
      const commands = consoleAvailable();
      const watch = watchNodes(started.nodes, {
        restart: opts.restart === true,
        report: (line) => exits.out(`[cluster] ${line}`),
        manualHint: (node) =>
          commands
            ? `type "restart ${node.id.replace('node-', '')}" to start it again (or run cluster up with --restart)`
            : 'run cluster up with --restart to have nodes restarted',
      });
      const stopCluster = started.stop;
      started.stop = () => {
        watch.close();
        return stopCluster();
      };
      exits.out('\nParley cluster is up:');
      for (const line of started.lines) exits.out(`  ${line}`);
      exits.out(
        `\nOpen ${started.openUrl} in a browser, or run: parley chat --server ${started.openUrl}`,
      );
      if (opts.restart) exits.out('A node that exits is restarted (--restart).');
      if (commands) {
        exits.out(HELP);
        startConsole(started.nodes, watch, (line) => exits.out(`[cluster] ${line}`));
      }
      exits.out('Press Ctrl-C to stop everything.\n');
    });
}

function usage(message: string): never {
  console.error(`parley: ${message}`);
  process.exit(2);
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    usage(`${flag} must be ${min}-${max}`);
  return value;
}

const label = (name: string, value: string) => `${name.padEnd(10)} ${value}`;

async function startPlain(options: {
  nodes: number;
  nats: number;
  data: string | undefined;
  basePort: number | undefined;
  onLine: (name: string, line: string) => void;
  out: (line: string) => void;
}): Promise<Started> {
  options.out(`Starting PostgreSQL, ${options.nats} NATS server(s) and ${options.nodes} node(s)…`);
  const local = await startLocalCluster({
    nodes: options.nodes,
    nats: options.nats,
    ...(options.data ? { dataDir: options.data } : {}),
    ...(options.basePort === undefined ? {} : { basePort: options.basePort }),
    onLine: options.onLine,
    onStopStep: (line) => options.out(`[cluster] ${line}`),
  });
  return {
    lines: [
      ...local.nodes.map((n) => label(n.id, n.url)),
      label('postgres', local.postgres.url),
      label('nats', local.nats.urls.join(',')),
    ],
    openUrl: local.urls[0]!,
    nodes: local.nodes,
    stop: () => local.stop(),
  };
}

async function startHa(options: {
  nodes: number;
  nats: number;
  etcd: number;
  onLine: (name: string, line: string) => void;
  out: (line: string) => void;
}): Promise<Started> {
  options.out(
    `Starting ${options.etcd} etcd member(s), 3 PostgreSQL members under Patroni, HAProxy, ` +
      `${options.nats} NATS server(s) and ${options.nodes} node(s)…`,
  );
  const onLine = options.onLine;
  const ha = await startHaCluster({
    nodes: options.nodes,
    nats: options.nats,
    etcd: options.etcd,
    onLine: (name, line) => {
      if (!isHealthCheck(line)) onLine(name, line);
    },
  });
  const primary = await ha.patroni.primary();
  return {
    lines: [
      label('front door', `${ha.frontDoorUrl}   <- open this one`),
      ...ha.nodes.map((n) => label(n.id, n.url)),
      label('store', `${ha.storeUrl} (HAProxy -> the primary, now ${primary?.name ?? 'none'})`),
      ...ha.patroni.members.map((m) => label(m.name, `127.0.0.1:${m.port}, Patroni ${m.restUrl}`)),
      label('etcd', ha.etcd.clientUrls.join(',')),
      label('nats', ha.nats.urls.join(',')),
      label('haproxy', `${ha.haproxy.statsUrl} (health of every backend server)`),
    ],
    openUrl: ha.frontDoorUrl,
    nodes: ha.nodes,
    stop: () => ha.stop(),
  };
}
