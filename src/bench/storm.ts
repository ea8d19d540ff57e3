import { nodeWebSocket } from '../client/node.js';
import type { WebSocketLike } from '../client/transport.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { encode, newHistogram, recordMs } from './histogram.js';
import type { WorkerPlan } from './options.js';
import type { FromCoordinator, ToCoordinator } from './worker.js';

const now = () => performance.timeOrigin + performance.now();

/** Connections a storm worker has opening at once: enough to keep a node's accept loop full. */
export const STORM_IN_FLIGHT = 500;
/** A connection not `ready` after this counts as `timeout`. */
const READY_TIMEOUT_MS = 30_000;

function tell(message: ToCoordinator): void {
  process.send?.(message);
}

/**
 * `parley bench-storm`: a load-generator process of the `connect` scenario (rule B5). From the
 * start time it opens its clients' sockets (`sockets` per client, each authenticating with the
 * client's existing session token: no password hashing) with at most STORM_IN_FLIGHT opening at
 * once, and times each from the start of its TCP connect to the node's `ready` frame. Plain
 * WebSockets, not ParleyClients, so the load generator does as little as a client must.
 */
export function runStormWorker(): void {
  let plan: WorkerPlan | null = null;
  const sockets: WebSocketLike[] = [];
  process.on('message', (message: FromCoordinator) => {
    if (message.type === 'plan') {
      plan = message.plan;
      tell({ type: 'connected', connected: 0, connectMs: encode(newHistogram()) });
    } else if (message.type === 'start') {
      storm(plan!, message.startAt, sockets).catch((err: unknown) =>
        tell({ type: 'failed', error: err instanceof Error ? err.message : String(err) }),
      );
    } else {
      for (const ws of sockets) ws.close(1000, 'bench done');
      process.exit(0);
    }
  });
}

async function storm(plan: WorkerPlan, startAt: number, sockets: WebSocketLike[]): Promise<void> {
  const histogram = newHistogram();
  const errors: Record<string, number> = {};
  const counters = { sent: 0, acked: 0, delivered: 0, connected: 0 };
  let lastReadyAt = 0;
  const specs = plan.clients.flatMap((c) => Array.from({ length: plan.sockets }, () => c));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - now())));
  const progress = setInterval(() => tell({ type: 'progress', progress: { ...counters } }), 1000);
  const one = (spec: (typeof specs)[number]) =>
    new Promise<void>((resolve) => {
      const started = now();
      counters.sent++;
      const url = (spec.url ?? plan.url).replace(/^http/, 'ws').replace(/\/+$/, '') + '/api/v1/ws';
      const ws = nodeWebSocket(url);
      sockets.push(ws);
      let settled = false;
      const settle = (error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) errors[error] = (errors[error] ?? 0) + 1;
        resolve();
      };
      const timer = setTimeout(() => settle('timeout'), READY_TIMEOUT_MS);
      ws.onopen = () =>
        ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: spec.token }));
      ws.onerror = () => settle('connect_failed');
      ws.onclose = () => settle('closed');
      ws.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as { type: string; code?: string };
        if (frame.type === 'ready') {
          lastReadyAt = now();
          recordMs(histogram, lastReadyAt - started);
          counters.acked++;
          counters.connected++;
          settle();
        } else if (frame.type === 'error') settle(frame.code ?? 'error');
      };
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(STORM_IN_FLIGHT, specs.length) }, async () => {
      while (next < specs.length) await one(specs[next++]!);
    }),
  );
  clearInterval(progress);
  const empty = encode(newHistogram());
  tell({
    type: 'result',
    result: {
      connectMs: encode(histogram),
      ack: empty,
      e2e: empty,
      sent: counters.sent,
      acked: counters.acked,
      errors,
      received: {},
      ackedIds: [],
      duplicates: 0,
      connected: counters.connected,
      storm: { startAt, lastReadyAt },
    },
  });
}
