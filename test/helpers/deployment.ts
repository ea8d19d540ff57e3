import { after, before } from 'node:test';
import { Api, uniqueName, type TestUser } from './api.js';
import { startTestNode, type TestNode } from './node.js';
import { WsClient, type Frame } from './ws.js';
import { startNats, type NatsCluster } from '../../src/supervisor/nats-server.js';
import { startPostgres, type PostgresServer } from '../../src/supervisor/postgres-server.js';

/**
 * How the API and WebSocket suites run (docs/SPEC.md, K8): `embedded` is one node on SQLite
 * with the in-process bus; `cluster` is two nodes sharing a throwaway PostgreSQL and NATS,
 * with users placed on the nodes in turn so the two users of a scenario sit on different nodes.
 */
export type Mode = 'embedded' | 'cluster';

const ALL_MODES: Mode[] = ['embedded', 'cluster'];

/** The modes to run: all, or those `PARLEY_TEST_MODES` (comma-separated) names. */
export function testModes(): Mode[] {
  const wanted = process.env.PARLEY_TEST_MODES;
  if (!wanted) return ALL_MODES;
  const modes = wanted.split(',').map((m) => m.trim());
  for (const mode of modes) {
    if (!ALL_MODES.includes(mode as Mode))
      throw new Error(`PARLEY_TEST_MODES: unknown mode ${mode}`);
  }
  return modes as Mode[];
}

/**
 * The modes of a client scenario (a browser or terminal test) that is not about what crosses
 * nodes: embedded only. The web UI and the terminal run the same code against one node or two,
 * and the server's cross-node paths (fan-out, relays, resync) are covered in both modes by the
 * API, WebSocket and cluster suites; client scenarios about live updates between people on
 * different nodes (receipts, reactions, notifications, system lines) keep both modes. This
 * keeps CI's time in check (docs/architecture.md, "Decisions and trade-offs").
 */
export function singleNodeModes(): Mode[] {
  return testModes().filter((mode) => mode === 'embedded');
}

/** One or two nodes serving the same users, and an API that sends each user to its own node. */
export interface Deployment {
  readonly mode: Mode;
  readonly nodes: TestNode[];
  /** The first node's URL (for requests that belong to no user). */
  readonly url: string;
  /** Routes every request of a user to that user's node. */
  readonly api: Api;
  /** The URL of the node that serves this user (or token). */
  urlOf(user: TestUser | string): string;
  /** Opens a WebSocket on the user's node and completes `hello`. */
  open(
    user: TestUser,
    cursors?: Record<string, number>,
  ): Promise<{ client: WsClient; ready: Frame }>;
  /** Stops the nodes (the shared engines stop when the test file ends). */
  dispose(): Promise<void>;
}

/**
 * Sends each username to a node chosen in turn at its sign-up (or first log-in), and each
 * token to the node its log-in went to.
 */
class RoutedApi extends Api {
  readonly #urls: string[];
  readonly #homes = new Map<string, string>();
  readonly #tokens = new Map<string, string>();

  constructor(urls: string[]) {
    super(urls[0]!);
    this.#urls = urls;
  }

  override homeOf(username: string): string {
    const key = username.toLowerCase();
    let home = this.#homes.get(key);
    if (home === undefined) {
      home = this.#urls[this.#homes.size % this.#urls.length]!;
      this.#homes.set(key, home);
    }
    return home;
  }

  override urlFor(token?: string): string {
    return (token !== undefined && this.#tokens.get(token)) || this.baseUrl;
  }

  override async login(username: string, password?: string): Promise<TestUser> {
    const user = await super.login(username, password);
    this.#tokens.set(user.token, this.homeOf(username));
    return user;
  }
}

/** The engines a test file's cluster deployments share: one PostgreSQL, one NATS server. */
let engines: Promise<{ postgres: PostgresServer; nats: NatsCluster }> | undefined;
let databases = 0;

function sharedEngines(): Promise<{ postgres: PostgresServer; nats: NatsCluster }> {
  engines ??= (async () => {
    const [postgres, nats] = await Promise.allSettled([startPostgres(), startNats()]);
    if (postgres.status === 'fulfilled' && nats.status === 'fulfilled') {
      return { postgres: postgres.value, nats: nats.value };
    }
    if (postgres.status === 'fulfilled') await postgres.value.stop();
    if (nats.status === 'fulfilled') await nats.value.stop();
    throw postgres.status === 'rejected' ? postgres.reason : (nats as PromiseRejectedResult).reason;
  })();
  return engines;
}

// Registered when a test file imports this module, so it runs once that file's tests end.
after(async () => {
  if (!engines) return;
  const started = await engines.catch(() => null);
  engines = undefined;
  if (started) await Promise.all([started.postgres.stop(), started.nats.stop()]);
});

/**
 * Starts a deployment in the given mode: one embedded node, or two nodes on a fresh database
 * of the file's throwaway PostgreSQL and on its NATS server.
 */
export async function startDeployment(
  mode: Mode,
  options: Parameters<typeof startTestNode>[0] = {},
): Promise<Deployment> {
  const nodes: TestNode[] = [];
  try {
    if (mode === 'embedded') {
      nodes.push(await startTestNode(options));
    } else {
      const { postgres, nats } = await sharedEngines();
      databases += 1;
      const store = await postgres.createDatabase(`deployment_${databases}`);
      for (const nodeId of ['test-a', 'test-b']) {
        nodes.push(
          await startTestNode({
            ...options,
            config: { ...options.config, nodeId, store, bus: nats.urls.join(',') },
          }),
        );
      }
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw err;
  }
  const api = new RoutedApi(nodes.map((n) => n.url));
  const urlOf = (user: TestUser | string) =>
    api.urlFor(typeof user === 'string' ? user : user.token);
  return {
    mode,
    nodes,
    url: nodes[0]!.url,
    api,
    urlOf,
    open: (user, cursors) => WsClient.open(urlOf(user), user.token, cursors),
    async dispose() {
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
}

/** A deployment and signed-up users, shared by one describe block. */
export interface DeploymentWithUsers<N extends string = string> {
  deployment: Deployment;
  api: Api;
  users: Record<N, TestUser>;
}

/**
 * Registers before/after hooks that start a deployment and sign up one user per name (unique
 * per run, placed on the nodes in turn); returns a getter for the describe block's tests.
 */
export function useDeploymentWithUsers<const N extends string>(
  mode: Mode,
  names: readonly N[],
  options: Parameters<typeof startTestNode>[0] = {},
): () => DeploymentWithUsers<N> {
  let world: DeploymentWithUsers<N> | undefined;
  before(async () => {
    const deployment = await startDeployment(mode, options);
    const users = {} as Record<N, TestUser>;
    for (const name of names) users[name] = await deployment.api.signup(uniqueName(name));
    world = { deployment, api: deployment.api, users };
  });
  after(() => world?.deployment.dispose());
  return () => {
    if (!world) throw new Error('the deployment is not started yet');
    return world;
  };
}
