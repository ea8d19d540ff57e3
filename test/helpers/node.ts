import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type Config, type RawConfig } from '../../src/config/config.js';
import { startNode, type NodeOverrides, type ParleyNode } from '../../src/node/node.js';

/** A node started in this process on a free port with a throwaway data directory. */
export interface TestNode extends ParleyNode {
  dataDir: string;
  /** Stops the node and removes its data directory. */
  dispose(): Promise<void>;
}

/** Generous defaults so rate limits only bite in the tests about them. */
const TEST_DEFAULTS: RawConfig = {
  loginPerMinute: 10_000,
  registerPerHour: 10_000,
  sendsPerSecond: 10_000,
  connectionsPerMinute: 10_000,
  passwordFailuresPerAccount: 10_000,
  passwordFailuresPerIp: 10_000,
  maxQueuedHashes: 10_000,
  uploadsPerMinute: 10_000,
};

/** Starts an embedded node (SQLite + in-process bus) on 127.0.0.1 and a free port. */
export async function startTestNode(
  options: {
    config?: RawConfig;
    /** Adjusts settings that have no flag (e.g. the hello timeout). */
    tweak?: (config: Config) => void;
    dataDir?: string;
    overrides?: NodeOverrides;
  } = {},
): Promise<TestNode> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-test-'));
  const config = parseConfig({
    ...TEST_DEFAULTS,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logLevel: process.env.PARLEY_TEST_LOG ?? 'silent',
    nodeId: 'test',
    ...options.config,
  });
  options.tweak?.(config);
  const node = await startNode(config, options.overrides);
  return Object.assign(node, {
    dataDir,
    async dispose() {
      await node.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
