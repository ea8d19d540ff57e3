import type { Command } from 'commander';
import { runBench } from '../bench/coordinator.js';
import { BenchOptions, SCENARIOS } from '../bench/options.js';
import { runBenchWorker } from '../bench/worker.js';
import { runStormWorker } from '../bench/storm.js';
import { generateHistory, pickTerms, VOCABULARY_SIZE } from '../bench/corpus.js';
import type { SeedRequest, SeedResult } from '../bench/seeding.js';
import { seedHistory } from '../node/seed-history.js';

/** `parley bench`: a load benchmark through the client library (rule B1). */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('load benchmark: real clients, open-loop schedule, HDR latency histograms')
    .requiredOption('--scenario <name>', SCENARIOS.join('|'))
    .option('--url <urls>', 'comma-separated node URLs to load (loopback recommended)')
    .option('--spawn <mode>', 'start the target: embedded (or cluster, with cluster mode)')
    .option('--pid <pid>', 'pid of a local target, to sample its CPU and memory')
    .option(
      '--server-dir <dir>',
      "with --spawn: start the nodes from that checkout's bin/parley.js (an A/B against another build)",
    )
    .option('--clients <n>', 'clients (idle, connect: connections)', '200')
    .option('--group-size <n>', 'members per group (group, mixed)', '100')
    .option('--rate <list>', 'offered messages/s in total; a comma list runs a sweep', '2000')
    .option(
      '--duration <s>',
      'measured seconds per rate, default 10 (idle: seconds held before memory is read, default 15)',
    )
    .option('--warmup <s>', 'unmeasured seconds before each run', '2')
    .option('--size <bytes>', 'message size', '100')
    .option('--workers <n>', 'load-generator processes', '1')
    .option('--sockets-per-user <n>', 'idle, connect: connections per user', '100')
    .option('--file-size <bytes>', 'upload: bytes per file (1048576, 512KiB, 1MiB)', '1MiB')
    .option('--history <n>', 'search: messages seeded into the store first', '10000')
    .option('--conversations <n>', 'search: conversations (default 3 per client)')
    .option('--seed <n>', 'search: seed of the generated history', '1')
    .option('--flood <n>', 'hostile sockets flooding sync frames while measuring', '0')
    .option('--json', 'print results as JSON on stdout')
    .action(async (raw: Record<string, string | boolean | undefined>) => {
      const parsed = BenchOptions.safeParse({
        scenario: raw.scenario,
        urls: typeof raw.url === 'string' ? raw.url.split(',').map((u) => u.trim()) : [],
        spawn: raw.spawn,
        pid: raw.pid,
        serverDir: raw.serverDir,
        clients: raw.clients,
        groupSize: raw.groupSize,
        rates: String(raw.rate).split(','),
        durationS: raw.duration,
        warmupS: raw.warmup,
        size: raw.size,
        workers: raw.workers,
        socketsPerUser: raw.socketsPerUser,
        flood: raw.flood,
        fileSize: raw.fileSize,
        history: raw.history,
        conversations: raw.conversations,
        seed: raw.seed,
        json: raw.json === true,
      });
      if (!parsed.success) {
        console.error(
          `parley bench: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
        process.exit(2);
      }
      try {
        const reports = await runBench(parsed.data, process.argv[1] ?? '');
        if (parsed.data.json) console.log(JSON.stringify(reports, null, 2));
      } catch (err) {
        console.error(`parley bench: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
      }
    });

  program.command('bench-worker', { hidden: true }).action(() => runBenchWorker());
  program.command('bench-seed', { hidden: true }).action(() => runSeed());
  program.command('bench-storm', { hidden: true }).action(() => runStormWorker());
}

/**
 * `parley bench-seed`: the search scenario's seeding process (rule B3). Reads a SeedRequest on
 * stdin, generates the history and writes it through the store, prints a SeedResult.
 */
async function runSeed(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const request = JSON.parse(input) as SeedRequest;
  const started = performance.now();
  const counts = new Uint32Array(VOCABULARY_SIZE);
  const plan = {
    seed: request.seed,
    history: request.history,
    memberCounts: request.conversations.map((c) => c.members.length),
    endAt: request.endAt,
  };
  function* entries() {
    for (const m of generateHistory(plan, counts)) {
      const c = request.conversations[m.conversation]!;
      yield {
        conversationId: c.id,
        sender: c.members[m.sender]!,
        body: m.body,
        createdAt: m.createdAt,
      };
    }
  }
  let reported = 0;
  const { written } = await seedHistory(request.store, entries(), (n) => {
    if (!request.progress || n - reported < 100_000) return;
    reported = n;
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `  … seeded ${n} of ${request.history} messages (${seconds.toFixed(0)} s)\n`,
    );
  });
  const result: SeedResult = {
    written,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    terms: pickTerms(request.seed, counts, request.history),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}
