import { ParleyClient } from '../client/client.js';
import { nodeWebSocket } from '../client/node.js';
import { SendError } from '../client/outbox.js';
import { encode, newHistogram, recordMs, type Histogram } from './histogram.js';
import type { WorkerPlan, WorkerProgress, WorkerResult } from './options.js';
import { runRequests } from './requests.js';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

/** Messages between the coordinator and a worker process (over the IPC channel). */
export type ToCoordinator =
  | { type: 'connected'; connected: number; connectMs: string }
  | { type: 'progress'; progress: WorkerProgress }
  | { type: 'result'; result: WorkerResult }
  | { type: 'failed'; error: string };
export type FromCoordinator =
  | { type: 'plan'; plan: WorkerPlan }
  | { type: 'start'; startAt: number; runId: string; ratePerSender: number }
  | { type: 'stop' };

function tell(message: ToCoordinator): void {
  process.send?.(message);
}

type ClientSpec = WorkerPlan['clients'][number];

/** Scenarios of plain HTTP requests (no sockets): upload and search (rule B3). */
function isRequestScenario(p: WorkerPlan): boolean {
  return p.scenario === 'upload' || p.scenario === 'search';
}

/** Everything measured in one run (one rate of a sweep). */
class RunState {
  readonly ack: Histogram = newHistogram();
  readonly e2e: Histogram = newHistogram();
  readonly history: Histogram = newHistogram();
  readonly errors: Record<string, number> = {};
  readonly received = new Map<string, number>();
  readonly ackedIds: Array<[string, string]> = [];
  readonly counters = { sent: 0, acked: 0, delivered: 0, connected: 0 };
  duplicates = 0;
  settled = 0;
  lastDeliveryAt = 0;
  constructor(readonly runId: string) {}

  fail(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }
}

/**
 * One load-generator process: real clients through the client library, an open-loop
 * schedule (latency counts from the intended send time, so a stalled sender cannot hide
 * queueing: no coordinated omission), and HDR histograms of ack and end-to-end latency.
 */
export function runBenchWorker(): void {
  let plan: WorkerPlan | null = null;
  const clients: Array<{ client: ParleyClient; spec: ClientSpec }> = [];
  const connectMs = newHistogram();
  let state = new RunState('');

  async function connect(p: WorkerPlan): Promise<void> {
    plan = p;
    if (isRequestScenario(p)) {
      // HTTP clients only: nothing to connect beforehand.
      tell({ type: 'connected', connected: p.clients.length, connectMs: encode(connectMs) });
      return;
    }
    const specs = p.clients.flatMap((spec) => Array.from({ length: p.sockets }, () => spec));
    // Connect in waves so a large idle run does not stampede the node's accept queue.
    for (let i = 0; i < specs.length; i += 200) {
      await Promise.all(specs.slice(i, i + 200).map((spec) => connectOne(spec.url ?? p.url, spec)));
    }
    tell({ type: 'connected', connected: clients.length, connectMs: encode(connectMs) });
  }

  async function connectOne(url: string, spec: ClientSpec): Promise<void> {
    const client = new ParleyClient({
      urls: [url],
      token: spec.token,
      webSocket: nodeWebSocket,
      backoff: { baseMs: 100, maxMs: 2000 },
    });
    const seen = new Set<string>();
    client.on('message', (m) => {
      const bar = m.body.indexOf('|');
      if (m.sender === spec.userId || bar < 0) return;
      const s = state;
      s.lastDeliveryAt = now();
      s.counters.delivered++;
      if (seen.has(m.clientMsgId)) {
        s.duplicates++;
        return;
      }
      seen.add(m.clientMsgId);
      if (!m.clientMsgId.startsWith(`m${s.runId}-`)) return;
      recordMs(s.e2e, now() - Number(m.body.slice(0, bar)));
      s.received.set(m.clientMsgId, (s.received.get(m.clientMsgId) ?? 0) + 1);
    });
    const started = now();
    client.connect();
    await client.online();
    recordMs(connectMs, now() - started);
    clients.push({ client, spec });
  }

  function body(intended: number, size: number): string {
    const head = `${intended.toFixed(3)}|`;
    return head + 'x'.repeat(Math.max(0, size - head.length));
  }

  async function runHttp(p: WorkerPlan, startAt: number): Promise<void> {
    const run = await runRequests(p, startAt, (r) =>
      tell({ type: 'progress', progress: { ...r.counters } }),
    );
    const empty = encode(newHistogram());
    tell({
      type: 'result',
      result: {
        connectMs: empty,
        ack: empty,
        e2e: empty,
        sent: run.counters.sent,
        acked: run.counters.acked,
        errors: run.errors,
        received: {},
        ackedIds: [],
        duplicates: 0,
        connected: p.clients.length,
        requests: Object.fromEntries([...run.kinds].map(([name, k]) => [name, k.encode()])),
      },
    });
  }

  async function run(startAt: number, runId: string, ratePerSender: number): Promise<void> {
    const p = plan!;
    if (isRequestScenario(p)) return runHttp(p, startAt);
    const s = (state = new RunState(runId));
    const measureFrom = startAt + p.warmupMs;
    const endAt = measureFrom + p.durationMs;
    const senders = clients.filter((c) => c.spec.sends && c.spec.conversations.length > 0);
    const interval = ratePerSender > 0 ? 1000 / ratePerSender : Infinity;
    // Senders start spread over one interval, so the offered load is smooth, not bursty.
    const next = senders.map((_, i) => startAt + (interval * i) / Math.max(1, senders.length));
    const round = senders.map(() => 0);
    let n = 0;
    const progress = setInterval(
      () => tell({ type: 'progress', progress: { ...s.counters, connected: clients.length } }),
      1000,
    );
    await new Promise<void>((resolve) => {
      const tick = () => {
        const t = now();
        for (let i = 0; i < senders.length; i++) {
          while (next[i]! <= t && next[i]! < endAt) {
            const intended = next[i]!;
            next[i] = intended + interval;
            const { client, spec } = senders[i]!;
            const conversationId = spec.conversations[round[i]!++ % spec.conversations.length]!;
            if (p.scenario === 'history')
              void fetchHistory(s, client, conversationId, intended, intended >= measureFrom);
            else send(s, client, conversationId, intended, intended >= measureFrom, n++);
          }
        }
        if (t >= endAt) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    clearInterval(progress);
    // Drain: every send settled and deliveries stopped arriving (bounded by 15 s).
    const deadline = now() + 15_000;
    while (now() < deadline && (s.settled < s.counters.sent || now() - s.lastDeliveryAt < 1000)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    tell({
      type: 'result',
      result: {
        connectMs: encode(connectMs),
        ack: encode(s.ack),
        e2e: encode(s.e2e),
        history: encode(s.history),
        sent: s.counters.sent,
        acked: s.counters.acked,
        errors: s.errors,
        received: Object.fromEntries(s.received),
        ackedIds: s.ackedIds,
        duplicates: s.duplicates,
        connected: clients.length,
      },
    });
  }

  function send(
    s: RunState,
    client: ParleyClient,
    conversationId: string,
    intended: number,
    measured: boolean,
    n: number,
  ): void {
    s.counters.sent++;
    // The id tells recipients in any worker whether the message is measured.
    const clientMsgId = `${measured ? 'm' : 'w'}${s.runId}-${process.pid}-${n}`;
    const { done } = client.send(conversationId, body(intended, plan!.size), { clientMsgId });
    done.then(
      () => {
        s.settled++;
        s.counters.acked++;
        if (!measured) return;
        recordMs(s.ack, now() - intended);
        s.ackedIds.push([clientMsgId, conversationId]);
      },
      (err: unknown) => {
        s.settled++;
        s.fail(err instanceof SendError ? err.code : 'client_error');
      },
    );
    if (n % 1000 === 0) client.outbox.prune();
  }

  async function fetchHistory(
    s: RunState,
    client: ParleyClient,
    conversationId: string,
    intended: number,
    measured: boolean,
  ): Promise<void> {
    s.counters.sent++;
    try {
      await client.api.history(conversationId, { limit: 50 });
      // Only reads of the measured window count (reads/s divides by --duration), as sends do.
      if (!measured) return;
      s.counters.acked++;
      recordMs(s.history, now() - intended);
    } catch (err) {
      s.fail(err instanceof Error && 'code' in err ? String(err.code) : 'client_error');
    } finally {
      s.settled++;
    }
  }

  process.on('message', (message: FromCoordinator) => {
    const handle = async () => {
      if (message.type === 'plan') await connect(message.plan);
      else if (message.type === 'start')
        await run(message.startAt, message.runId, message.ratePerSender);
      else {
        for (const { client } of clients) client.close();
        process.exit(0);
      }
    };
    handle().catch((err: unknown) =>
      tell({
        type: 'failed',
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      }),
    );
  });
}
