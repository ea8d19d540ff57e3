import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import {
  CONFIG_OPTIONS,
  ConfigError,
  parseConfig,
  rawConfigFrom,
  type ConfigKey,
  type RawConfig,
} from '../config/config.js';
import { prepareDataDir } from '../config/data-dir.js';
import { startNode } from '../node/node.js';

/** `parley serve`: runs a chat node until SIGINT/SIGTERM. */
export function registerServe(program: Command): void {
  const cmd = program.command('serve').description('run a chat node (embedded SQLite by default)');
  for (const option of Object.values(CONFIG_OPTIONS))
    cmd.option(option.flag, `${option.help} [env ${option.env}]`);
  cmd.action(async (flags: Record<string, string | undefined>) => {
    const raw: RawConfig = {};
    for (const key of Object.keys(CONFIG_OPTIONS) as ConfigKey[]) {
      const flagName = CONFIG_OPTIONS[key].flag.split(' ')[0]?.slice(2) ?? key;
      const camel = flagName.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
      raw[key] = flags[camel];
    }
    let config;
    try {
      config = parseConfig(rawConfigFrom(raw, process.env));
      // At once, before anything else starts (a bad --data used to hang or fail late).
      if (config.store.kind === 'sqlite') prepareDataDir(config.dataDir);
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`parley: ${err.message}`);
        process.exit(2);
      }
      throw err;
    }
    // A process-wide setting, so here and not in startNode (tests run many nodes in one process).
    // V8 reads it at every full collection; set before the node allocates anything much.
    if (config.heapGrowthPercent > 0)
      setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
    let node;
    try {
      node = await startNode(config);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        console.error(
          `parley: port ${config.port} on ${config.host} is already in use (try --port)`,
        );
      else if (code === 'EACCES')
        console.error(`parley: no permission to listen on ${config.host}:${config.port}`);
      else
        console.error(
          `parley: could not start: ${err instanceof Error ? err.message : String(err)}`,
        );
      process.exit(1);
    }
    const shutdown = (signal: string) => {
      node.log.info({ event: 'signal', signal }, `received ${signal}`);
      node.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          node.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
