import { MAX_CURSORS_PER_FRAME } from '../protocol/limits.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Argon2Hasher } from '../adapters/argon2/argon2-hasher.js';
import type { Config } from '../config/config.js';
import { DeliveryCore } from '../delivery/core.js';
import { CLOSE_CODES } from '../domain/errors.js';
import { buildHttpApp } from '../gateway/http/app.js';
import { TrustedProxies } from '../gateway/http/client-ip.js';
import type { GatewayContext } from '../gateway/http/context.js';
import {
  answerClientErrors,
  httpServerOptions,
  limitBodyTime,
} from '../gateway/http/server-options.js';
import { UPLOAD_PATH } from '../gateway/http/routes/files.js';
import { SharpMedia } from '../media/media.js';
import { ProfileService } from '../services/profiles.js';
import { createSmtpMailer } from '../adapters/smtp/smtp-mailer.js';
import { MailService } from '../services/mail.js';
import { PasswordService } from '../services/passwords.js';
import { RegistrationService } from '../services/registration.js';
import { attachWebSockets } from '../gateway/ws/ws-server.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { Bus, BusStatus } from '../ports/bus.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import { StoreUnavailableError, type Store } from '../ports/store.js';
import { AccountService } from '../services/accounts.js';
import { AdminService } from '../services/admin.js';
import { AuditLog } from '../services/audit.js';
import { WebPushTransport } from '../adapters/web-push/web-push.js';
import { plainText } from '../format/markdown.js';
import { NotificationService } from '../services/notifications.js';
import { PushService } from '../services/push.js';
import { AttachmentService } from '../services/attachments.js';
import { ClusterService } from '../services/cluster.js';
import { ConversationService } from '../services/conversations.js';
import { MentionService } from '../services/mentions.js';
import { MessageService } from '../services/messages.js';
import { ReactionService } from '../services/reactions.js';
import { ReadMarkerService } from '../services/read-markers.js';
import { RateLimiter } from '../services/rate-limiter.js';
import { nodeLimiters } from './limiters.js';
import { openBus, openStore } from './open-adapters.js';
import { SearchService } from '../services/search.js';
import { SettingsService } from '../services/settings.js';
import { ThreadService } from '../services/threads.js';
import { UserService } from '../services/users.js';
import { VERSION } from '../version.js';
import { Metrics } from '../observability/metrics.js';
import { snippetOf } from '../format/snippet.js';

/** A running node: its URL and how to stop it. */
export interface ParleyNode {
  readonly url: string;
  readonly port: number;
  readonly config: Config;
  readonly log: Logger;
  /** Graceful shutdown (rule O4): stop accepting, finish commits, close sockets, close the store. */
  stop(): Promise<void>;
}

/** Adapters a caller may supply instead of the embedded defaults (tests, cluster mode). */
export interface NodeOverrides {
  store?: Store;
  bus?: Bus;
  hasher?: PasswordHasher;
  log?: Logger;
}

/**
 * The composition root: picks adapters, builds services and gateways, listens. The services
 * never learn which adapters they were given.
 */
export async function startNode(
  config: Config,
  overrides: NodeOverrides = {},
): Promise<ParleyNode> {
  const log = overrides.log ?? createLogger({ level: config.logLevel, nodeId: config.nodeId });
  const store = overrides.store ?? (await openStore(config, log));
  let bus: Bus;
  try {
    bus = overrides.bus ?? (await openBus(config, log));
  } catch (err) {
    await store.close();
    throw err;
  }
  let busState: BusStatus = 'connected';
  bus.onStatus((status) => (busState = status));
  const hasher = overrides.hasher ?? new Argon2Hasher({ maxQueued: config.limits.maxQueuedHashes });
  const metrics = new Metrics();
  const deps = { store, bus, hasher, limits: config.limits, log, now: Date.now, metrics };
  const conversations = new ConversationService(deps);
  const accounts = new AccountService(deps, conversations);
  const audit = new AuditLog(deps);
  const admin = new AdminService(deps, accounts, audit);
  await admin.roles.grantAtStart(config.admins); // --admin (rule AD1)
  const mailer = config.mail
    ? createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from })
    : null;
  const limiters = nodeLimiters(config);
  const push = new PushService(
    deps,
    new WebPushTransport({ allowLoopback: config.push.allowLoopback }),
    config.push,
  );
  const notifications = new NotificationService(deps, {
    push,
    onlineAmong: (userIds) => ctx.onlineAmong(userIds),
    plainText,
  });
  const messages = new MessageService(deps, conversations, {
    sendAllowed: (userId) => limiters.sends.take(userId),
    onSent: (message) => notifications.messageSent(message),
    audit,
  });
  // One media layer: its decoding slots bound attachments and avatars together.
  const media = new SharpMedia();
  const files = new AttachmentService(deps, media, {
    uploadAllowed: (userId) => limiters.uploads.take(userId),
  });
  const readMarkers = new ReadMarkerService(deps);
  const reactions = new ReactionService(deps);
  const settings = new SettingsService(deps);
  const users = new UserService(deps);
  let accepting = true;
  let delivery: DeliveryCore | null = null;
  let selfUrl = config.advertiseUrl ?? '';
  const cluster = new ClusterService(deps, {
    id: config.nodeId,
    url: () => selfUrl,
    connections: () => delivery?.size ?? 0,
  });

  const ctx: GatewayContext = {
    config,
    log,
    metrics,
    accounts,
    admin,
    audit,
    users,
    conversations,
    messages,
    threads: new ThreadService(deps),
    mentions: new MentionService(deps),
    readMarkers,
    reactions,
    notifications,
    push,
    files,
    search: new SearchService(deps, {
      snippet: snippetOf,
      allowed: (userId) => limiters.searches.take(userId),
    }),
    settings,
    registration: new RegistrationService({ ...deps, forcedMode: config.registration }, accounts),
    passwords: new PasswordService({
      ...deps,
      mail: new MailService({ mailer, log }),
      checks: accounts.passwordChecks,
      publicUrl: config.publicUrl,
    }),
    profiles: new ProfileService(
      { ...deps, onlineAmong: (userIds) => ctx.onlineAmong(userIds) },
      media,
    ),
    cluster,
    trustedProxies: new TrustedProxies(config.trustProxy),
    limiters,
    async onlineAmong(userIds) {
      const online = await cluster.presence.onlineAmong(userIds).catch(() => new Set<string>());
      for (const id of userIds) if (delivery?.isOnline(id)) online.add(id);
      return online;
    },
    async health() {
      const checks: Record<string, string> = {};
      checks.store = await storeCheck(store, Math.min(READY_TIMEOUT_MS, config.storeTimeoutMs));
      checks.bus = busState === 'disconnected' ? 'reconnecting' : 'ok';
      const standbys = store.syncStandbys();
      // A bus outage degrades cross-node latency only (clients resync), so the node stays ready.
      return {
        ready: checks.store === 'ok',
        checks,
        ...(standbys
          ? {
              durability: {
                syncStandbys: standbys.current,
                configuredSyncStandbys: standbys.configured,
                requiredSyncStandbys: standbys.required,
              },
            }
          : {}),
      };
    },
    isUnavailable: (err) => store.isUnavailable(err),
    accepting: () => accepting,
  };
  // Per user, not per socket, so reconnecting does not refill it (rule W9).
  const syncUnknownIds = new RateLimiter({
    count: 100,
    perMs: 1_000,
    burst: MAX_CURSORS_PER_FRAME,
  });
  const core = new DeliveryCore({
    bus,
    reads: {
      sessionActive: (principal) => accounts.isActive(principal),
      liveSessions: (ids) => accounts.liveSessions(ids),
      conversationIds: (userId) => conversations.idsOf(userId),
      membershipCounts: (userIds) => conversations.membershipCounts(userIds),
      positions: (userId) => conversations.positionsOf(userId),
      latestSeqs: (ids) => conversations.latestSeqs(ids),
      conversation: (user, id) => conversations.get(user, id),
      readTimeline: (user, id, afterSeq, limit) =>
        messages.readTimeline(user.id, id, afterSeq, limit),
    },
    presence: cluster.presence,
    allowUnknownIds: (userId, count) => syncUnknownIds.take(userId, count),
    metrics,
    log,
    settings: {
      nodeId: config.nodeId,
      maxSocketBufferBytes: config.maxSocketBufferBytes,
      sweepMs: config.sweepMs,
      subscribeCheckMs: config.subscribeCheckMs,
    },
  });
  delivery = core;
  metrics.gauge('parley_connections', 'Open authenticated WebSocket connections.', () => core.size);
  metrics.gauge(
    'parley_push_pending',
    'Notification tasks (recipients to resolve, pushes to send) queued or in flight.',
    () => push.pending,
  );
  if (store.reportsSyncStandbys) registerDurabilityGauges(metrics, store);
  metrics.gauge(
    'parley_process_resident_memory_bytes',
    'Resident memory of the node process.',
    () => process.memoryUsage.rss(),
  );
  metrics.gauge(
    'parley_heap_used_bytes',
    'JavaScript heap in use (live objects and garbage not yet collected).',
    () => process.memoryUsage().heapUsed,
  );

  const { app } = buildHttpApp(ctx, VERSION);
  const listener = getRequestListener(app.fetch);
  const server: Server = createServer(
    httpServerOptions({
      headerTimeoutMs: config.headerTimeoutMs,
      maxUploadBytes: config.limits.maxUploadBytes,
    }),
    (req, res) => {
      const isUpload = req.method === 'POST' && req.url?.split('?')[0] === UPLOAD_PATH;
      limitBodyTime(req, { headerTimeoutMs: config.headerTimeoutMs, isUpload });
      void listener(req, res);
    },
  );
  answerClientErrors(server);
  attachWebSockets(server, ctx, core);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = config.advertiseUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  selfUrl = url;
  await cluster.start();
  log.info(
    { event: 'node.started', url, store: store.engine, bus: bus.engine, version: VERSION },
    `Parley node listening on ${url}`,
  );

  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    config,
    log,
    stop() {
      stopping ??= (async () => {
        accepting = false;
        log.info(
          { event: 'node.stopping' },
          'stopping: finishing requests in flight, then closing connections',
        );
        await cluster.drain();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await messages.drained();
        await push.stop();
        await bus.flush();
        core.closeAll(CLOSE_CODES.goingAway, 'server shutting down');
        server.closeAllConnections();
        await closed;
        await cluster.stop();
        await bus.close();
        mailer?.close();
        await store.close();
        log.info({ event: 'node.stopped' }, 'stopped');
      })();
      return stopping;
    },
  };
}

/** How long `/readyz` waits for the store's answer (at most the store's own deadline). */
const READY_TIMEOUT_MS = 2_000;

/** The store's readiness (rule O3): `ok`, or why not, answered within `timeoutMs`. */
async function storeCheck(store: Store, timeoutMs: number): Promise<string> {
  const problem = store.problem();
  if (problem) return problem;
  try {
    await store.ping(timeoutMs);
    return 'ok';
  } catch (err) {
    return err instanceof StoreUnavailableError && err.reason === 'timeout'
      ? 'timeout'
      : 'unreachable';
  }
}

/** Gauges of the synchronous standbys behind commits (rules O6, K10); -1 until first read. */
function registerDurabilityGauges(metrics: Metrics, store: Store): void {
  const read = (pick: (s: NonNullable<ReturnType<Store['syncStandbys']>>) => number) => () => {
    const standbys = store.syncStandbys();
    return standbys ? pick(standbys) : -1;
  };
  metrics.gauge(
    'parley_sync_standbys',
    'Synchronous standbys an acknowledged commit is on besides the primary (streaming and waited for).',
    read((s) => s.current),
  );
  metrics.gauge(
    'parley_sync_standbys_configured',
    "Synchronous standbys the primary's synchronous_standby_names makes each commit wait for.",
    read((s) => s.configured),
  );
  metrics.gauge(
    'parley_sync_standbys_required',
    'Synchronous standbys this node requires before it takes writes (--require-sync-standbys).',
    () => store.syncStandbys()?.required ?? 0,
  );
}
