import type { Command } from 'commander';
import { VerifyOptions } from '../verify/options.js';
import { formatReport } from '../verify/report.js';
import { runVerify } from '../verify/run.js';
import {
  spawnClusterTarget,
  spawnEmbeddedTarget,
  spawnHaTarget,
  urlTarget,
  type VerifyTarget,
} from '../verify/targets.js';

const list = (value: unknown) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;

/** `parley verify`: the delivery checker under faults (issue 12). */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'delivery checker: a workload through the client library, faults, then checks for lost, ' +
        'duplicated, reordered, diverged and unconverged data (exit 1 on any anomaly)',
    )
    .option('--spawn <mode>', 'start the target and break it: embedded | cluster | ha')
    .option(
      '--url <urls>',
      'comma-separated node URLs of a running deployment (checked, not broken)',
    )
    .option('--duration <s>', 'seconds of workload and faults', '60')
    .option('--clients <n>', 'clients in all (users x sockets per user)', '60')
    .option('--sockets-per-user <n>', 'clients per user', '2')
    .option('--nodes <n>', 'chat nodes of a spawned cluster or HA stack', '3')
    .option('--dms <n>', 'direct conversations (default: users / 2)')
    .option('--groups <sizes>', 'group sizes, one group each', '3,5,10,20')
    .option('--rate <n>', 'operations per second over all clients', '40')
    .option('--seed <n>', 'seed of the workload and the fault schedule (default: random)')
    .option(
      '--faults <list>',
      'kill,pause,nats,database,partition or none',
      'kill,pause,nats,database,partition',
    )
    .option('--fault-interval <s>', 'mean seconds between fault starts', '10')
    .option('--settle <s>', 'seconds allowed after healing for everything to settle', '120')
    .option('--json', 'print the report as JSON on stdout')
    .action(async (raw: Record<string, string | boolean | undefined>) => {
      const parsed = VerifyOptions.safeParse({
        spawn: raw.spawn,
        urls: list(raw.url) ?? [],
        durationS: raw.duration,
        clients: raw.clients,
        socketsPerUser: raw.socketsPerUser,
        nodes: raw.nodes,
        dms: raw.dms,
        groups: list(raw.groups),
        rate: raw.rate,
        seed: raw.seed,
        faults: list(raw.faults),
        faultIntervalS: raw.faultInterval,
        settleS: raw.settle,
        json: raw.json === true,
      });
      if (!parsed.success) {
        console.error(
          `parley verify: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
        process.exit(2);
      }
      const options = parsed.data;
      const log = (line: string) => console.error(`[verify] ${line}`);
      let target: VerifyTarget | null = null;
      const stop = async () => {
        await target?.stop().catch((err: unknown) => log(`stopping the target: ${String(err)}`));
      };
      const onSignal = () => void stop().then(() => process.exit(130));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        log(
          options.spawn
            ? `starting a ${options.spawn} target`
            : `checking ${options.urls.join(', ')}`,
        );
        target =
          options.spawn === 'embedded'
            ? await spawnEmbeddedTarget()
            : options.spawn === 'cluster'
              ? await spawnClusterTarget({ nodes: options.nodes })
              : options.spawn === 'ha'
                ? await spawnHaTarget({ nodes: options.nodes })
                : urlTarget(options.urls);
        const report = await runVerify(target, options, log);
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else console.log(formatReport(report));
        process.exitCode = report.ok ? 0 : 1;
      } catch (err) {
        console.error(`parley verify: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 2;
      } finally {
        await stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
