/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and
 * histograms with fixed buckets. Hot paths only do arithmetic; rendering happens on scrape.
 */

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
    .join(',');
}

interface Metric {
  render(): string[];
}

/** A monotonically increasing count. */
export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(key(labels)) ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.#values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines;
  }
}

/** A value read at scrape time. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number,
  ) {}

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.read()}`,
    ];
  }
}

/** Latency histogram in seconds with cumulative buckets. */
export class Histogram implements Metric {
  readonly #bounds: number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  ) {
    this.#bounds = bounds;
    this.#counts = bounds.map(() => 0);
  }

  /** Records a duration given in milliseconds (the histogram's unit is seconds). */
  observeMs(ms: number): void {
    this.observe(ms / 1000);
  }

  /** Records a value in the histogram's own unit. */
  observe(value: number): void {
    this.#sum += value;
    this.#count += 1;
    const i = this.#bounds.findIndex((b) => value <= b);
    if (i >= 0) this.#counts[i]! += 1;
  }

  get count(): number {
    return this.#count;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    this.#bounds.forEach((b, i) => {
      cumulative += this.#counts[i]!;
      lines.push(`${this.name}_bucket{le="${b}"} ${cumulative}`);
    });
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.#count}`,
      `${this.name}_sum ${this.#sum}`,
      `${this.name}_count ${this.#count}`,
    );
    return lines;
  }
}

/** The node's metrics (rule O6); one instance per node, shared by services and gateways. */
export class Metrics {
  readonly #all: Metric[] = [];
  readonly sends = this.#add(
    new Counter('parley_messages_sent_total', 'Messages stored (new sends, not retries).'),
  );
  readonly sendErrors = this.#add(
    new Counter('parley_send_errors_total', 'Refused sends by error code.'),
  );
  readonly deliveries = this.#add(
    new Counter('parley_deliveries_total', 'Timeline entries written to sockets.'),
  );
  readonly resyncs = this.#add(
    new Counter(
      'parley_resyncs_total',
      'Catch-up reads from the store (sync, gaps, joins, bus recovery).',
    ),
  );
  readonly sweepCatchUps = this.#add(
    new Counter(
      'parley_sweep_catchups_total',
      'Sockets found behind the store by the periodic position sweep (events the bus lost or had not brought yet).',
    ),
  );
  readonly slowConsumers = this.#add(
    new Counter(
      'parley_slow_consumers_total',
      'Sockets closed (4013) because more than the per-socket limit waited to be sent to them.',
    ),
  );
  readonly busReconnects = this.#add(
    new Counter('parley_bus_reconnects_total', 'Bus reconnections.'),
  );
  readonly pushesSent = this.#add(
    new Counter('parley_pushes_sent_total', 'Web Push messages a push service accepted (2xx).'),
  );
  readonly pushesFailed = this.#add(
    new Counter(
      'parley_pushes_failed_total',
      'Web Push messages not accepted, by reason: gone (404/410, subscription deleted), status (other answers), timeout, network, blocked (a non-public address).',
    ),
  );
  readonly pushesDropped = this.#add(
    new Counter(
      'parley_pushes_dropped_total',
      'Notification work dropped because the push queue was full (or the node stopping).',
    ),
  );
  readonly commitLatency = this.#add(
    new Histogram('parley_commit_seconds', 'Group-commit transaction time.'),
  );
  readonly commitBatch = this.#add(
    new Histogram(
      'parley_commit_batch_size',
      'Sends per group commit.',
      [1, 2, 4, 8, 16, 32, 64, 128, 256],
    ),
  );
  readonly fanoutLatency = this.#add(
    new Histogram(
      'parley_fanout_seconds',
      "Time from an entry's creation (just before its commit) to its delivery to this node's sockets.",
    ),
  );

  #add<M extends Metric>(metric: M): M {
    this.#all.push(metric);
    return metric;
  }

  /** Adds a gauge read at scrape time (connections, process memory, …). */
  gauge(name: string, help: string, read: () => number): void {
    this.#add(new Gauge(name, help, read));
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    return this.#all.flatMap((m) => m.render()).join('\n') + '\n';
  }
}
