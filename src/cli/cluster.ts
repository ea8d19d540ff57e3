import type { Command } from 'commander';
import { startLocalCluster } from '../cluster/local-cluster.js';
import { MissingBinaryError } from '../cluster/processes.js';

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
function prefixer(color: boolean): (name: string, line: string) => void {
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
    process.stdout.write(`${tag} ${text}\n`);
  };
}

/** `parley cluster up`: a throwaway local cluster for demos and fault tests (rule K1). */
export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('local multi-node cluster');
  cluster
    .command('up')
    .description('start PostgreSQL, a NATS cluster and N chat nodes on loopback; Ctrl-C stops all')
    .option('--nodes <n>', 'chat nodes', '3')
    .option('--nats <n>', 'NATS servers', '3')
    .option('--data <dir>', 'keep PostgreSQL data here (default: temporary)')
    .action(async (opts: { nodes: string; nats: string; data?: string }) => {
      const nodes = Number(opts.nodes);
      const natsServers = Number(opts.nats);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) {
        console.error('parley: --nodes must be 1-16');
        process.exit(2);
      }
      if (!Number.isInteger(natsServers) || natsServers < 1 || natsServers > 5) {
        console.error('parley: --nats must be 1-5');
        process.exit(2);
      }
      console.log(`Starting PostgreSQL, ${natsServers} NATS server(s) and ${nodes} node(s)…`);
      let local;
      try {
        local = await startLocalCluster({
          nodes,
          nats: natsServers,
          ...(opts.data ? { dataDir: opts.data } : {}),
          onLine: prefixer(process.stdout.isTTY),
        });
      } catch (err) {
        console.error(
          `parley: ${err instanceof MissingBinaryError ? err.message : `cluster failed to start: ${err instanceof Error ? err.message : String(err)}`}`,
        );
        process.exit(1);
      }
      console.log('\nParley cluster is up:');
      for (const n of local.nodes) console.log(`  ${n.id.padEnd(10)} ${n.url}`);
      console.log(`  ${'postgres'.padEnd(10)} ${local.postgres.url}`);
      console.log(`  ${'nats'.padEnd(10)} ${local.nats.urls.join(',')}`);
      console.log(
        `\nOpen ${local.urls[0]} in a browser, or run: parley chat --server ${local.urls[0]}`,
      );
      console.log('Press Ctrl-C to stop everything.\n');
      const shutdown = (signal: string) => {
        console.log(`\n${signal}: stopping the cluster…`);
        local.stop().then(
          () => {
            console.log('stopped.');
            process.exit(0);
          },
          (err: unknown) => {
            console.error(`parley: shutdown failed: ${String(err)}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
