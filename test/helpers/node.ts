import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Api, uniqueName, type TestUser } from './api.js';
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

/** A node and signed-up users, shared by one describe block. */
export interface NodeWithUsers {
  node: TestNode;
  api: Api;
  users: Record<string, TestUser>;
}

/**
 * Registers before/after hooks that start an embedded node and sign up one user per name
 * (unique per run); returns a getter for the enclosing describe block's tests.
 */
export function useNodeWithUsers(
  names: string[],
  options: Parameters<typeof startTestNode>[0] = {},
): () => NodeWithUsers {
  let world: NodeWithUsers | undefined;
  before(async () => {
    const node = await startTestNode(options);
    const api = new Api(node.url);
    const users: Record<string, TestUser> = {};
    for (const name of names) users[name] = await api.signup(uniqueName(name));
    world = { node, api, users };
  });
  after(() => world?.node.dispose());
  return () => {
    if (!world) throw new Error('the node is not started yet');
    return world;
  };
}
