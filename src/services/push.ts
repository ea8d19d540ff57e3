import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { MAX_PUSH_SUBSCRIPTIONS } from '../domain/limits.js';
import type { Principal, User } from '../domain/model.js';
import {
  PushSendError,
  type PushFailure,
  type PushTransport,
  type VapidKeys,
} from '../ports/push.js';
import type { PushStore, PushSubscriptionRecord } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';

/** How Web Push is tuned (config.push). */
export interface PushSettings {
  /** The VAPID `sub` claim: a `mailto:` address or an `https:` URL push services may contact. */
  subject: string;
  /** Accept `http:` endpoints on loopback hosts (tests, development); rule N7. */
  allowLoopback: boolean;
  /** Pushes in flight at once. */
  concurrency: number;
  /** Tasks (a message's recipients to resolve, or one push) that may wait; more are dropped. */
  queueSize: number;
  /** At most this long for a push service's answer. */
  timeoutMs: number;
  /** How long a push service keeps a push for a device that is offline, in seconds. */
  ttlSeconds: number;
}

/** What PushService uses: the subscriptions and secrets of the store. */
export type PushDeps = Pick<ServiceDeps, 'log' | 'now' | 'metrics'> & { store: PushStore };

/** A subscription as a browser's PushSubscription.toJSON() gives it. */
export interface SubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The server secret holding the deployment's VAPID key pair. */
const VAPID_SECRET = 'vapid';

/** Hosts an `http:` endpoint may name when loopback endpoints are allowed. */
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Web Push (rules N5-N7): the deployment's VAPID keys, the subscriptions browsers register,
 * and a bounded queue that sends pushes in the background. Nothing here is on a send's path:
 * a full queue drops work (counted), a failed push is logged and counted, never retried.
 */
export class PushService {
  readonly #deps: PushDeps;
  readonly #transport: PushTransport;
  readonly #settings: PushSettings;
  readonly #queue: Array<() => Promise<void>> = [];
  readonly #running = new Set<Promise<void>>();
  #keys: Promise<VapidKeys> | null = null;
  #stopped = false;

  constructor(deps: PushDeps, transport: PushTransport, settings: PushSettings) {
    this.#deps = deps;
    this.#transport = transport;
    this.#settings = settings;
  }

  /** The VAPID public key browsers subscribe with (base64url), the same on every node. */
  async publicKey(): Promise<string> {
    return (await this.#vapidKeys()).publicKey;
  }

  /**
   * Stores the browser's subscription for the principal's session (rule N6); an endpoint
   * stored before moves here. Refuses endpoints the node would not call and malformed keys.
   */
  async subscribe(principal: Principal, input: SubscriptionInput): Promise<void> {
    this.#checkEndpoint(input.endpoint);
    checkKey(input.keys.p256dh, 65, 'keys.p256dh must be a P-256 public key (65 bytes, base64url)');
    if (Buffer.from(input.keys.p256dh, 'base64url')[0] !== 0x04)
      throw new AppError('invalid_request', 'keys.p256dh must be an uncompressed P-256 point');
    checkKey(input.keys.auth, 16, 'keys.auth must be 16 bytes, base64url');
    const now = this.#deps.now();
    await this.#deps.store.savePushSubscription(
      {
        id: ulid(now),
        userId: principal.user.id,
        sessionId: principal.session.id,
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        createdAt: now,
      },
      MAX_PUSH_SUBSCRIPTIONS,
    );
  }

  /** Forgets the user's subscription of that endpoint (idempotent). */
  async unsubscribe(me: User, endpoint: string): Promise<void> {
    await this.#deps.store.deletePushSubscription(endpoint, me.id);
  }

  /**
   * Queues `task` (resolving a message's recipients, say); false if the queue is full or the
   * node is stopping: the task is dropped and counted. Never throws.
   */
  enqueue(task: () => Promise<void>): boolean {
    if (this.#stopped || this.#queue.length >= this.#settings.queueSize) {
      this.#deps.metrics?.pushesDropped.inc();
      this.#deps.log.warn({ event: 'push.dropped' }, 'push queue full; a notification is lost');
      return false;
    }
    this.#queue.push(task);
    this.#pump();
    return true;
  }

  /** Queues one push of `payload` (JSON) to each live subscription of these users. */
  async notify(userIds: string[], payload: object): Promise<void> {
    if (userIds.length === 0) return;
    const subscriptions = await this.#deps.store.listPushSubscriptions(userIds, this.#deps.now());
    const text = JSON.stringify(payload);
    for (const subscription of subscriptions) this.enqueue(() => this.#send(subscription, text));
  }

  /** Tasks queued or running (the `parley_push_pending` gauge). */
  get pending(): number {
    return this.#queue.length + this.#running.size;
  }

  /** Resolves once nothing is queued or in flight (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** Takes no more work; waits for what is in flight (each push is bounded by its timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue.length = 0;
    await this.idle();
  }

  #pump(): void {
    while (this.#running.size < this.#settings.concurrency) {
      const task = this.#queue.shift();
      if (!task) return;
      const run: Promise<void> = task()
        .catch((err: unknown) =>
          this.#deps.log.warn({ event: 'push.task_failed', err }, 'a notification task failed'),
        )
        .finally(() => {
          this.#running.delete(run);
          this.#pump();
        });
      this.#running.add(run);
    }
  }

  async #send(subscription: PushSubscriptionRecord, payload: string): Promise<void> {
    const { metrics, log, store } = this.#deps;
    const vapid = await this.#vapidKeys();
    let status: number;
    try {
      status = await this.#transport.send({
        endpoint: subscription.endpoint,
        keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        payload,
        vapid: { ...vapid, subject: this.#settings.subject },
        ttlSeconds: this.#settings.ttlSeconds,
        timeoutMs: this.#settings.timeoutMs,
      });
    } catch (err) {
      const reason: PushFailure = err instanceof PushSendError ? err.reason : 'network';
      metrics?.pushesFailed.inc({ reason });
      log.info({ event: 'push.failed', reason, subscription: subscription.id, err }, 'push failed');
      return;
    }
    if (status >= 200 && status < 300) {
      metrics?.pushesSent.inc();
      return;
    }
    // 404/410: the browser unsubscribed or the subscription expired (RFC 8030 §7.3).
    const gone = status === 404 || status === 410;
    metrics?.pushesFailed.inc({ reason: gone ? 'gone' : 'status' });
    log.info(
      { event: 'push.refused', status, subscription: subscription.id },
      gone ? 'push subscription gone; deleted' : 'push service refused a push',
    );
    if (gone) await store.deletePushSubscription(subscription.endpoint, subscription.userId);
  }

  /** The deployment's VAPID keys: made by the first node that needs them, read by the others. */
  #vapidKeys(): Promise<VapidKeys> {
    this.#keys ??= (async () => {
      const made = JSON.stringify(this.#transport.generateVapidKeys());
      const stored = await this.#deps.store.ensureServerSecret(
        VAPID_SECRET,
        made,
        this.#deps.now(),
      );
      return JSON.parse(stored) as VapidKeys;
    })().catch((err: unknown) => {
      this.#keys = null; // the store was out of reach: ask again next time
      throw err;
    });
    return this.#keys;
  }

  /** https endpoints; http only on loopback hosts when allowed (rule N7). */
  #checkEndpoint(endpoint: string): void {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new AppError('invalid_request', 'endpoint must be a URL');
    }
    if (url.username || url.password)
      throw new AppError('invalid_request', 'endpoint must not carry credentials');
    const loopback = this.#settings.allowLoopback && LOOPBACK_HOSTS.test(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
      throw new AppError('invalid_request', 'endpoint must be an https URL');
  }
}

/** Refuses a base64url key that does not decode to exactly `bytes` bytes. */
function checkKey(value: string, bytes: number, message: string): void {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value) || Buffer.from(value, 'base64url').length !== bytes)
    throw new AppError('invalid_request', message);
}
