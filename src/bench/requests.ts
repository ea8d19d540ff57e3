import { randomBytes } from 'node:crypto';
import { ApiError, RestApi } from '../client/rest.js';
import { encode, newHistogram, recordMs, type Histogram } from './histogram.js';
import type { RequestStats, WorkerPlan, WorkerProgress } from './options.js';

const now = () => performance.timeOrigin + performance.now();

type ClientSpec = WorkerPlan['clients'][number];

/** One kind of request being measured: latency histogram, successes, bytes, results. */
class KindStats {
  readonly ms: Histogram = newHistogram();
  ok = 0;
  bytes = 0;
  results = 0;

  encode(): RequestStats {
    return { ms: encode(this.ms), ok: this.ok, bytes: this.bytes, results: this.results };
  }
}

/** What the request scenarios (upload, search) measured in one worker during one run. */
export interface RequestRun {
  kinds: Map<string, KindStats>;
  errors: Record<string, number>;
  counters: WorkerProgress;
}

/** The error code of a failed call: the server's, or a client-side one. */
function codeOf(err: unknown): string {
  return err instanceof ApiError ? err.code : 'client_error';
}

/**
 * The `upload` and `search` scenarios (rule B3): closed loops, one request in flight per
 * client, from `startAt` until the end of the measured window. A request counts (latency,
 * bytes, throughput) when it completes inside the measured window; later ones are not started.
 */
export async function runRequests(
  plan: WorkerPlan,
  startAt: number,
  onProgress: (run: RequestRun) => void,
): Promise<RequestRun> {
  const run: RequestRun = {
    kinds: new Map(),
    errors: {},
    counters: { sent: 0, acked: 0, delivered: 0, connected: plan.clients.length },
  };
  const measureFrom = startAt + plan.warmupMs;
  const endAt = measureFrom + plan.durationMs;
  const kind = (name: string) => {
    let k = run.kinds.get(name);
    if (!k) run.kinds.set(name, (k = new KindStats()));
    return k;
  };
  const fail = (code: string) => {
    run.errors[code] = (run.errors[code] ?? 0) + 1;
  };
  /** Times `call`; records it under `name` if it completed inside the measured window. */
  const timed = async <T>(
    name: string,
    call: () => Promise<T>,
    tally: (k: KindStats, result: T) => void,
  ): Promise<T | null> => {
    const started = now();
    run.counters.sent++;
    try {
      const result = await call();
      run.counters.acked++;
      const ended = now();
      if (started >= measureFrom && ended <= endAt) {
        const k = kind(name);
        recordMs(k.ms, ended - started);
        k.ok++;
        tally(k, result);
      }
      return result;
    } catch (err) {
      if (now() <= endAt) fail(codeOf(err));
      return null;
    }
  };

  const progress = setInterval(() => onProgress(run), 1000);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - now())));
  try {
    // Random bytes: sniffed as application/octet-stream, so no image work, and incompressible.
    const file = plan.scenario === 'upload' ? new Blob([randomBytes(plan.fileSize)]) : null;
    await Promise.all(
      plan.clients.map((spec, i) =>
        file
          ? uploadLoop(spec, plan.url, file, endAt, timed)
          : searchLoop(spec, plan, i, endAt, timed),
      ),
    );
  } finally {
    clearInterval(progress);
  }
  return run;
}

type Timed = <T>(
  name: string,
  call: () => Promise<T>,
  tally: (k: KindStats, result: T) => void,
) => Promise<T | null>;

/**
 * Upload, download, delete, again (each timed): each file is read back whole (its length checked)
 * and then removed, so the uploader's quota and the database stay the same size however long the run.
 */
async function uploadLoop(
  spec: ClientSpec,
  baseUrl: string,
  file: Blob,
  endAt: number,
  timed: Timed,
): Promise<void> {
  const url = (spec.url ?? baseUrl).replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${spec.token}` };
  for (let n = 0; now() < endAt; n++) {
    const id = await timed(
      'upload',
      async () => {
        const res = await fetch(
          `${url}/api/v1/files?name=${encodeURIComponent(`bench-${n}.bin`)}`,
          {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/octet-stream' },
            body: file,
          },
        );
        const answer = (await res.json()) as { file?: { id: string }; error?: { code: string } };
        if (!res.ok || !answer.file)
          throw new ApiError(res.status, answer.error?.code ?? `http_${res.status}`, 'upload');
        return answer.file.id;
      },
      (k) => (k.bytes += file.size),
    );
    if (id === null) continue;
    if (now() >= endAt) return;
    await timed(
      'download',
      async () => {
        const res = await fetch(`${url}/api/v1/files/${id}`, { headers: auth });
        const bytes = (await res.arrayBuffer()).byteLength;
        if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, 'download');
        if (bytes !== file.size) throw new ApiError(res.status, 'short_download', 'download');
        return bytes;
      },
      (k, bytes) => (k.bytes += bytes),
    );
    await timed(
      'delete',
      async () => {
        const res = await fetch(`${url}/api/v1/files/${id}`, { method: 'DELETE', headers: auth });
        await res.arrayBuffer();
        if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, 'delete');
      },
      () => undefined,
    );
  }
}

/** Search requests back to back, cycling through the query kinds (each client from its own offset). */
async function searchLoop(
  spec: ClientSpec,
  plan: WorkerPlan,
  index: number,
  endAt: number,
  timed: Timed,
): Promise<void> {
  const api = new RestApi({ baseUrl: spec.url ?? plan.url, token: spec.token });
  for (let n = index; now() < endAt; n++) {
    const query = plan.queries[n % plan.queries.length]!;
    const params = new URLSearchParams(query.params);
    if (query.conversation >= 0 && spec.conversations.length > 0) {
      params.set(
        'conversation',
        spec.conversations[query.conversation % spec.conversations.length]!,
      );
    }
    await timed(
      query.kind,
      () => api.request<{ results: unknown[] }>('GET', `/api/v1/search?${params.toString()}`),
      (k, page) => (k.results += page.results.length),
    );
  }
}
