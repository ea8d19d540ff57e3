import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Api } from '../helpers/api.js';
import { ChatProcess } from '../helpers/cli.js';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process.js';
import { UNLIMITED } from '../helpers/limits.js';
import { freePort } from '../../src/supervisor/free-port.js';

/**
 * A TCP front for a node that can play "nothing listens here": while down, every connection is
 * reset at once (to the client, as to a restarting node's port: the socket closes before the
 * WebSocket opens) and counted; while up, connections are piped to the node.
 */
class Front {
  readonly server: Server;
  refused = 0;
  #up = true;
  readonly #piped = new Set<Socket>();
  #onRefused: (() => void) | null = null;

  constructor(target: number) {
    this.server = createServer((socket) => {
      socket.on('error', () => undefined);
      if (!this.#up) {
        this.refused++;
        socket.resetAndDestroy();
        this.#onRefused?.();
        return;
      }
      const upstream = connect(target, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      this.#piped.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
    });
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  /** The node "dies": open connections are cut, new ones refused. */
  down(): void {
    this.#up = false;
    for (const socket of this.#piped) socket.destroy();
    this.#piped.clear();
  }

  /** Resolves once `count` connections were refused since the front went down. */
  refusedAtLeast(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.refused < count) return;
        this.#onRefused = null;
        resolve();
      };
      this.#onRefused = check;
      check();
    });
  }

  /** The node "listens again". */
  up(): void {
    this.#up = true;
  }
}

describe('terminal client reconnecting to a restarted node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-terminal-reconnect-'));
  let node: NodeProcess;
  let front: Front;
  let chat: ChatProcess | null = null;

  before(async () => {
    // The front listens before the node starts, so the node can advertise it (discovery must
    // not lead the client past it to the node's own port).
    const nodePort = await freePort();
    front = new Front(nodePort);
    front.server.listen(0, '127.0.0.1');
    await once(front.server, 'listening');
    node = await spawnNode({
      dataDir: join(dir, 'data'),
      args: [
        ...UNLIMITED,
        '--port',
        String(nodePort),
        '--advertise-url',
        `http://127.0.0.1:${front.port}`,
      ],
    });
  });
  after(async () => {
    await chat?.kill();
    await node?.kill();
    front?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[K3][CLI1] after a long outage the client is back online within about 2 s of the node listening again', async () => {
    const url = `http://127.0.0.1:${front.port}`;
    await new Api(node.url).signup('rhea', 'rhea-password');
    const env = { PARLEY_CONFIG: join(dir, 'rhea.json') };
    const login = await runCli(
      ['login', '--server', url, '--username', 'rhea', '--password-stdin'],
      { env, input: 'rhea-password\n' },
    );
    assert.equal(login.code, 0, login.stderr);
    chat = new ChatProcess(['chat', '--server', url], env);
    await chat.waitFor(/\[online\]/, 60_000); // starting takes long on a loaded machine

    front.down();
    await chat.waitFor(/\[reconnecting…\]/);
    // Seven refused attempts: the delays so far were 0-250 ms, then 250-500 ms doubling; from
    // here on a client capped at 10 s would wait 5-10 s, one capped at 2 s for refusals 1-2 s.
    await front.refusedAtLeast(7);
    front.up();
    const listening = Date.now();
    await chat.waitFor(/\[online\]/, 20_000);
    const tookMs = Date.now() - listening;
    assert.ok(tookMs < 4_500, `back online ${tookMs} ms after the node listened again`);
    assert.equal(chat.matching(/\[reconnecting…\]/).length, 1, 'one status line for the outage');
    chat.type('/quit');
    assert.equal(await chat.exited, 0);
  });
});
