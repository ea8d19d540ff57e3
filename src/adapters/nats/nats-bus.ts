import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import type { Bus, BusEvent, BusStatus, BusSubscription } from '../../ports/bus.js';
import { LocalFirstBus } from './local-first-bus.js';
import { ResendQueue, type ResendEntry } from './resend-queue.js';

/** The logging a NATS bus does (pino's Logger fits). */
export interface BusLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options for {@link connectNatsBus}. */
export interface NatsBusOptions {
  /** Connection name shown in the servers' monitoring (e.g. the node id). */
  name?: string;
  log?: BusLog;
  /** Try the servers in random order (default), spreading nodes over the cluster; false keeps the order given. */
  randomize?: boolean;
  /** Most bytes of unconfirmed events kept for re-sending after a reconnect. Default 64 MiB. */
  outboxBytes?: number;
}

/** How long `close()` lets a drain run before it closes the connection outright. */
const DRAIN_TIMEOUT_MS = 5_000;

/** nats-server's default max_payload, for before the first INFO. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Connects the cluster-mode Bus to NATS. `servers` are tried for the first connection and for
 * every reconnect, which never stops (a node outlives any NATS outage). Rejects with a clear
 * error if no server is reachable now.
 */
export async function connectNatsBus(
  servers: string[],
  options: NatsBusOptions = {},
): Promise<Bus> {
  if (servers.length === 0) throw new Error('no NATS server URL given');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: options.name,
      noRandomize: options.randomize === false,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // Detect a silently dead connection within ~30 s instead of nats.js's default 4 min.
      pingInterval: 10_000,
      maxPingOut: 3,
      ignoreClusterUpdates: false,
      // Own events reach this node's subscribers in-process (LocalFirstBus), not via NATS.
      noEcho: true,
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`cannot reach NATS at ${servers.join(', ')}: ${reason}`, { cause });
  }
  return new LocalFirstBus(new NatsBus(nc, options));
}

/**
 * The Bus over one NATS connection. Events are JSON on subjects `conv.<id>` and `user.<id>`;
 * NATS keeps per-subject order from one connection. Across a reconnect delivery is
 * at-least-once: events the server had not confirmed are written again (see ResendQueue), so a
 * subscriber may see a run of events twice, each run in order. The delivery core tolerates
 * that (it drops seqs it already sent) and catches up from the store on `reconnected`.
 */
class NatsBus implements Bus {
  readonly engine = 'nats';
  readonly lossy = true;
  readonly #nc: NatsConnection;
  readonly #log: BusLog | undefined;
  readonly #resend: ResendQueue;
  readonly #listeners = new Set<(status: BusStatus) => void>();
  #connected = true;
  #confirmScheduled = false;
  /** Events published in this turn of the event loop, by subject in first-publish order. */
  #turn = new Map<string, BusEvent[]>();
  #turnScheduled = false;
  #closing: Promise<void> | null = null;

  constructor(nc: NatsConnection, options: NatsBusOptions) {
    this.#nc = nc;
    this.#log = options.log;
    this.#resend = new ResendQueue(options.outboxBytes ?? 64 * 1024 * 1024);
    this.#watch().catch((err: unknown) => {
      this.#log?.error({ event: 'bus.status_failed', err }, 'NATS status stream failed');
    });
    void nc.closed().then((err) => {
      if (this.#closing) return;
      // Only a fatal error (e.g. authentication) ends a connection that reconnects forever.
      this.#connected = false;
      this.#log?.error({ event: 'bus.closed', err }, 'NATS connection closed; bus is down');
      this.#report('disconnected');
    });
  }

  publish(subject: string, event: BusEvent): void {
    if (this.#closing) return;
    // Written at the end of this turn of the event loop, with everything else published in it.
    let events = this.#turn.get(subject);
    if (!events) {
      events = [];
      this.#turn.set(subject, events);
    }
    events.push(event);
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(() => this.#endTurn());
  }

  /**
   * Everything published in this turn goes out together: one NATS message per subject (a JSON
   * array when the turn had more than one event for it, in publish order), one socket write,
   * and one PING whose PONG confirms them all (ResendQueue).
   */
  #endTurn(): void {
    this.#turnScheduled = false;
    const turn = this.#turn;
    if (turn.size === 0) return;
    this.#turn = new Map();
    let dropped = 0;
    const written: ResendEntry[] = [];
    const add = (subject: string, data: Uint8Array) => {
      const added = this.#resend.add(subject, data);
      dropped += added.dropped;
      written.push(added.entry);
    };
    // A batch stays under the server's max_payload: a single event over it is refused alone.
    const budget = this.#nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    for (const [subject, events] of turn) {
      let batch: Uint8Array[] = [];
      let bytes = 1;
      for (const event of events) {
        const data = encoder.encode(JSON.stringify(event));
        if (batch.length > 0 && bytes + data.byteLength + 1 > budget) {
          add(subject, joinArray(batch, bytes));
          batch = [];
          bytes = 1;
        }
        batch.push(data);
        bytes += data.byteLength + 1;
      }
      add(subject, batch.length === 1 ? batch[0]! : joinArray(batch, bytes));
    }
    if (dropped > 0) {
      this.#log?.warn({ event: 'bus.outbox_overflow', dropped }, 'dropped unsent bus events');
    }
    if (!this.#connected) return;
    for (const entry of written) this.#write(entry);
    // The PING goes into the same write as the messages (nats.js flushes on the next microtask).
    void this.#roundTrip();
  }

  subscribe(subject: string, handler: (event: BusEvent) => void): BusSubscription {
    if (this.#closing || this.#nc.isClosed()) return { unsubscribe: () => undefined };
    let active = true;
    const subscription = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!active || this.#closing) return;
        if (err) {
          this.#log?.warn(
            { event: 'bus.subscription_failed', subject, err },
            'subscription failed',
          );
          return;
        }
        const events = decode(msg.data);
        if (events.length === 0) {
          this.#log?.warn({ event: 'bus.bad_event', subject }, 'ignored a malformed bus event');
          return;
        }
        for (const event of events) {
          if (!active || this.#closing) return;
          try {
            handler(event);
          } catch (error) {
            // A failing subscriber must not stop delivery to the others.
            this.#log?.warn(
              { event: 'bus.handler_failed', subject, err: error },
              'a bus event handler failed',
            );
          }
        }
      },
    });
    return {
      unsubscribe: () => {
        if (!active) return;
        active = false;
        if (!this.#nc.isClosed() && !this.#nc.isDraining()) subscription.unsubscribe();
      },
    };
  }

  onStatus(listener: (status: BusStatus) => void): void {
    this.#listeners.add(listener);
  }

  async flush(): Promise<void> {
    this.#endTurn();
    // While disconnected there is no server to ask; the reconnect writes the outbox again.
    if (this.#closing || !this.#connected) return;
    await this.#roundTrip();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#listeners.clear();
    // What this turn published still goes out (publish refuses new events from now on).
    this.#endTurn();
    if (this.#connected) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>(
        (resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)),
      );
      await Promise.race([this.#nc.drain().catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    const unsent = this.#resend.entries.filter((e) => e.sentOn === null).length;
    if (unsent > 0)
      this.#log?.warn(
        { event: 'bus.unsent', unsent },
        'closed the bus with events not yet sent to NATS',
      );
    this.#resend.clear();
    await this.#nc.close();
  }

  /** Writes one event to the connection, stamped with it; drops one the client refuses. */
  #write(entry: ResendEntry): void {
    try {
      this.#nc.publish(entry.subject, entry.data);
      entry.sentOn = this.#connectionId();
    } catch (err) {
      // E.g. larger than the server's max_payload: no retry can succeed.
      this.#resend.remove(entry);
      this.#log?.warn(
        { event: 'bus.publish_failed', subject: entry.subject, err },
        'NATS refused to take an event',
      );
    }
  }

  #scheduleConfirm(): void {
    if (this.#confirmScheduled) return;
    this.#confirmScheduled = true;
    // One round trip confirms everything published in this turn of the event loop.
    setImmediate(() => {
      this.#confirmScheduled = false;
      if (!this.#closing && this.#connected) void this.#roundTrip();
    });
  }

  /** PING/PONG: the server has everything written before it on this connection. */
  async #roundTrip(): Promise<void> {
    const connection = this.#connectionId();
    const upTo = this.#resend.mark;
    try {
      await this.#nc.flush();
    } catch {
      return; // disconnected meanwhile: the reconnect writes the outbox again
    }
    if (connection !== null) this.#resend.confirm(upTo, connection);
  }

  /** Identifies the current connection: a new one (even to the same server) has another id. */
  #connectionId(): string | null {
    const info = this.#nc.info;
    return info ? `${info.server_id}/${info.client_id}` : null;
  }

  async #watch(): Promise<void> {
    for await (const status of this.#nc.status()) this.#onNatsStatus(status);
  }

  #onNatsStatus(status: Status): void {
    switch (status.type) {
      case 'disconnect':
        this.#connected = false;
        this.#log?.warn({ event: 'bus.disconnected', server: status.server }, 'NATS disconnected');
        return this.#report('disconnected');
      case 'reconnect': {
        this.#connected = true;
        const pending = [...this.#resend.entries];
        for (const entry of pending) this.#write(entry);
        this.#scheduleConfirm();
        this.#log?.info(
          { event: 'bus.reconnected', server: status.server, resent: pending.length },
          'NATS reconnected',
        );
        // Subscribers may have missed traffic meanwhile: the delivery core catches its sockets up.
        return this.#report('reconnected');
      }
      case 'ldm':
        this.#log?.warn(
          { event: 'bus.lame_duck', server: status.server },
          'a NATS server is shutting down; moving to another',
        );
        return;
      case 'error':
        this.#log?.warn({ event: 'bus.error', err: status.error }, 'NATS error');
        return;
      case 'staleConnection':
        this.#log?.warn({ event: 'bus.stale' }, 'NATS connection stale; reconnecting');
        return;
      case 'slowConsumer':
      case 'reconnecting':
      case 'update':
      case 'ping':
      case 'forceReconnect':
      case 'close':
        return;
    }
  }

  #report(status: BusStatus): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(status);
      } catch (err) {
        this.#log?.warn(
          { event: 'bus.listener_failed', status, err },
          'a bus status listener failed',
        );
      }
    }
  }
}

/** `[a,b,…]` from encoded JSON values; `bytes` is their length plus one per value, plus one. */
function joinArray(parts: Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const [i, part] of parts.entries()) {
    out[at] = i === 0 ? 0x5b : 0x2c; // '[', then ','
    out.set(part, at + 1);
    at += part.byteLength + 1;
  }
  out[at] = 0x5d; // ']'
  return out;
}

/**
 * Parses the events of one NATS message: a JSON object with a string `type`, or an array of
 * them (a turn's events for one subject); elements that are not events are left out.
 */
function decode(data: Uint8Array): BusEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return [];
  }
  return (Array.isArray(value) ? (value as unknown[]) : [value]).filter(isEvent);
}

function isEvent(value: unknown): value is BusEvent {
  return (
    typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string'
  );
}
