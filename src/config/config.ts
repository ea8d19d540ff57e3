import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from '../domain/limits.js';

/** A node's validated configuration (rule O1). */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  nodeId: string;
  /** Origins allowed for WebSocket upgrades and cookie-authenticated writes, besides the node's own. */
  allowedOrigins: string[];
  /** Time a new socket has to send `hello`. */
  helloTimeoutMs: number;
  /**
   * How often the node closes sockets whose session ended and, on a network bus, compares its
   * sockets' cursors with the store and reads what the bus did not bring (rule K6). No flag.
   */
  sweepMs: number;
  /**
   * Bytes a socket may have queued for sending before it counts as a slow consumer and is closed
   * (4013; the client reconnects and resyncs), so one client that stops reading cannot grow the
   * node's memory without bound. No flag.
   */
  maxSocketBufferBytes: number;
  /** On a network bus, the delay of a new socket's one position check after subscribing. No flag. */
  subscribeCheckMs: number;
  /** `sqlite` (embedded, in the data directory) or a `postgres://` URL (cluster mode). */
  store: { kind: 'sqlite' } | { kind: 'postgres'; url: string };
  /**
   * Milliseconds a PostgreSQL store call may take before its caller is answered `unavailable`
   * (rule K7); the call itself is not cancelled.
   */
  storeTimeoutMs: number;
  /** PostgreSQL: users' writes are refused while fewer synchronous standbys back commits (K10). */
  requireSyncStandbys: number;
  /** `memory` (in-process) or NATS server URLs (cluster mode). */
  bus: { kind: 'memory' } | { kind: 'nats'; servers: string[] };
  /** The URL other nodes and clients reach this node at (default: the listening address). */
  advertiseUrl: string | null;
  /**
   * How far (percent) the JavaScript heap may grow past what the last full collection kept
   * before the next one; 0 leaves V8's own heuristic. Applied by `parley serve` to its process.
   */
  heapGrowthPercent: number;
  /**
   * Addresses (or CIDR ranges) of reverse proxies whose `X-Forwarded-For` and
   * `X-Forwarded-Proto` are believed (rule S9); empty: the TCP peer is the client.
   */
  trustProxy: string[];
  /**
   * Time a client has to send a request's headers (rule S11); the whole request gets this plus
   * {@link REQUEST_BODY_GRACE_MS}. Slower requests are answered 408 and closed.
   */
  headerTimeoutMs: number;
  /** File uploads one user may start per minute (rule F1). */
  uploadsPerMinute: number;
  /** Searches one user may run per minute, in bursts of up to a quarter of them. */
  searchesPerMinute: number;
  /**
   * Web Push (rules N5-N7): the VAPID subject, whether loopback `http:` endpoints are allowed
   * (tests and development), and the sender's bounds (no flags: concurrency, queue, timeout, TTL).
   */
  push: {
    subject: string;
    allowLoopback: boolean;
    concurrency: number;
    queueSize: number;
    timeoutMs: number;
    ttlSeconds: number;
  };
  /** Directory of the built web UI; defaults to `dist/web` of this installation (no flag). */
  webDir?: string;
  limits: Limits;
}

/** Raw option values by config key, from flags or the environment (strings until validated). */
export type RawConfig = Partial<Record<ConfigKey, string | number | undefined>>;

/** Every config key with its flag, environment variable and description, for the CLI and docs. */
export const CONFIG_OPTIONS = {
  host: {
    flag: '--host <host>',
    env: 'PARLEY_HOST',
    help: 'interface to listen on (default 127.0.0.1: local only; use 0.0.0.0 to expose)',
  },
  port: {
    flag: '--port <port>',
    env: 'PARLEY_PORT',
    help: 'TCP port (default 8080; 0 picks a free port)',
  },
  dataDir: {
    flag: '--data <dir>',
    env: 'PARLEY_DATA',
    help: 'data directory for the SQLite database (default ./data)',
  },
  store: {
    flag: '--store <store>',
    env: 'PARLEY_STORE',
    help: 'sqlite (default, in --data) or a PostgreSQL URL postgres://user@host:port/db (cluster mode)',
  },
  storeTimeoutMs: {
    flag: '--store-timeout <ms>',
    env: 'PARLEY_STORE_TIMEOUT',
    help: 'PostgreSQL: milliseconds a database call may take before the request is answered 503 (the call is not cancelled; default 5000)',
  },
  requireSyncStandbys: {
    flag: '--require-sync-standbys <n>',
    env: 'PARLEY_REQUIRE_SYNC_STANDBYS',
    help: 'PostgreSQL: refuse writes (503) while fewer synchronous standbys back each commit (default 0)',
  },
  bus: {
    flag: '--bus <bus>',
    env: 'PARLEY_BUS',
    help: 'memory (default) or NATS servers nats://host:4222,nats://host2:4222 (cluster mode)',
  },
  advertiseUrl: {
    flag: '--advertise-url <url>',
    env: 'PARLEY_ADVERTISE_URL',
    help: 'URL clients and other nodes reach this node at (default http://HOST:PORT)',
  },
  logLevel: {
    flag: '--log-level <level>',
    env: 'PARLEY_LOG_LEVEL',
    help: 'fatal|error|warn|info|debug|trace|silent (default info)',
  },
  nodeId: {
    flag: '--node-id <id>',
    env: 'PARLEY_NODE_ID',
    help: 'node id in logs and cluster views (default host name + port, or + pid with port 0)',
  },
  allowedOrigins: {
    flag: '--allowed-origins <list>',
    env: 'PARLEY_ALLOWED_ORIGINS',
    help: 'comma-separated extra origins allowed for browsers',
  },
  maxBodyBytes: {
    flag: '--max-body-bytes <n>',
    env: 'PARLEY_MAX_BODY_BYTES',
    help: 'max HTTP body and WebSocket frame size (default 65536)',
  },
  maxMessageChars: {
    flag: '--max-message-chars <n>',
    env: 'PARLEY_MAX_MESSAGE_CHARS',
    help: 'max message length in characters (default 4000)',
  },
  maxGroupMembers: {
    flag: '--max-group-members <n>',
    env: 'PARLEY_MAX_GROUP_MEMBERS',
    help: 'max members per group (default 1000)',
  },
  loginPerMinute: {
    flag: '--rate-login <n>',
    env: 'PARLEY_RATE_LOGIN',
    help: 'login attempts per IP per minute (default 10)',
  },
  registerPerHour: {
    flag: '--rate-register <n>',
    env: 'PARLEY_RATE_REGISTER',
    help: 'registrations per IP per hour (default 20)',
  },
  sendsPerSecond: {
    flag: '--rate-sends <n>',
    env: 'PARLEY_RATE_SENDS',
    help: 'messages per user per second, bursts of twice that (default 20)',
  },
  connectionsPerMinute: {
    flag: '--rate-connections <n>',
    env: 'PARLEY_RATE_CONNECTIONS',
    help: 'new WebSocket connections per IP per minute (default 60)',
  },
  passwordFailuresPerAccount: {
    flag: '--rate-password-account <n>',
    env: 'PARLEY_RATE_PASSWORD_ACCOUNT',
    help: 'failed password checks (login, account deletion) per account per hour (default 10)',
  },
  passwordFailuresPerIp: {
    flag: '--rate-password-ip <n>',
    env: 'PARLEY_RATE_PASSWORD_IP',
    help: 'failed password checks per client address per hour (default 30)',
  },
  maxQueuedHashes: {
    flag: '--hash-queue <n>',
    env: 'PARLEY_HASH_QUEUE',
    help: 'password hashes that may wait for one of the 2 hasher slots; more answer 503 (default 16)',
  },
  trustProxy: {
    flag: '--trust-proxy <list>',
    env: 'PARLEY_TRUST_PROXY',
    help: 'comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For/-Proto are believed (default none)',
  },
  headerTimeoutMs: {
    flag: '--header-timeout <ms>',
    env: 'PARLEY_HEADER_TIMEOUT',
    help: 'milliseconds a client has to send request headers, then 408 and close (default 10000)',
  },
  maxUploadMb: {
    flag: '--max-upload-mb <n>',
    env: 'PARLEY_MAX_UPLOAD_MB',
    help: 'largest file one upload may carry, in MiB (default 25; at most 1024)',
  },
  uploadsPerMinute: {
    flag: '--rate-uploads <n>',
    env: 'PARLEY_RATE_UPLOADS',
    help: 'file uploads per user per minute (default 30)',
  },
  searchesPerMinute: {
    flag: '--rate-search <n>',
    env: 'PARLEY_RATE_SEARCH',
    help: 'searches per user per minute, in bursts of a quarter of them (default 120)',
  },
  uploadQuotaMb: {
    flag: '--upload-quota-mb <n>',
    env: 'PARLEY_UPLOAD_QUOTA_MB',
    help: 'MiB of files one user may have stored at once, attached or not (default 1024)',
  },
  pushSubject: {
    flag: '--push-subject <contact>',
    env: 'PARLEY_PUSH_SUBJECT',
    help: 'Web Push VAPID contact push services may reach: a mailto: address or an https: URL (default: the advertise URL when https, else mailto:webpush@parley.invalid)',
  },
  pushAllowLoopback: {
    flag: '--push-allow-loopback <bool>',
    env: 'PARLEY_PUSH_ALLOW_LOOPBACK',
    help: 'accept Web Push endpoints on loopback addresses, http: included (tests and development only; default false)',
  },
  heapGrowthPercent: {
    flag: '--heap-growth <percent>',
    env: 'PARLEY_HEAP_GROWTH',
    help: 'full garbage collection once the JavaScript heap grows this many percent past its live size (default 20; 0 leaves the V8 heuristic, up to 300): keeps memory low after reconnect storms',
  },
} as const;

/** A key of {@link CONFIG_OPTIONS}. */
export type ConfigKey = keyof typeof CONFIG_OPTIONS;

const MIB = 1024 * 1024;

const positiveInt = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be positive`);

const schema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce
    .number({ error: 'port must be a number' })
    .int()
    .min(0, 'port must be 0-65535')
    .max(65535, 'port must be 0-65535')
    .default(8080),
  dataDir: z.string().min(1).default('./data'),
  store: z
    .string()
    .default('sqlite')
    .refine((v) => v === 'sqlite' || /^postgres(ql)?:\/\/.+/.test(v), {
      error: 'store must be sqlite or a postgres:// URL',
    }),
  storeTimeoutMs: positiveInt('store timeout')
    .min(100, 'store timeout must be at least 100 ms')
    .max(600_000, 'store timeout must be at most 600000 ms')
    .default(5_000),
  requireSyncStandbys: z.coerce
    .number({ error: 'required sync standbys must be a number' })
    .int('required sync standbys must be a whole number')
    .min(0, 'required sync standbys must be 0-16')
    .max(16, 'required sync standbys must be 0-16')
    .default(0),
  bus: z
    .string()
    .default('memory')
    .transform((v) =>
      v === 'memory'
        ? []
        : v
            .split(',')
            .map((u) => u.trim())
            .filter(Boolean),
    )
    .refine((urls) => urls.every((u) => /^(nats|tls):\/\/[^/]+$/.test(u)), {
      error: 'bus must be memory or NATS URLs such as nats://127.0.0.1:4222,nats://10.0.0.2:4222',
    }),
  advertiseUrl: z
    .url({ error: 'advertise URL must be a URL such as http://10.0.0.5:8080' })
    .optional(),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'log level must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  nodeId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'node id must be 1-64 characters of A-Z a-z 0-9 _ . : -')
    .optional(),
  allowedOrigins: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.url({ error: 'allowed origins must be URLs such as https://chat.example.com' })),
    ),
  maxBodyBytes: positiveInt('max body bytes')
    .max(16 * 1024 * 1024)
    .default(DEFAULT_LIMITS.maxBodyBytes),
  maxMessageChars: positiveInt('max message chars').default(DEFAULT_LIMITS.maxMessageChars),
  maxGroupMembers: positiveInt('max group members')
    .min(2, 'max group members must be at least 2')
    .default(DEFAULT_LIMITS.maxGroupMembers),
  loginPerMinute: positiveInt('login rate').default(DEFAULT_LIMITS.loginPerMinute),
  registerPerHour: positiveInt('register rate').default(DEFAULT_LIMITS.registerPerHour),
  sendsPerSecond: positiveInt('send rate').default(DEFAULT_LIMITS.sendsPerSecond),
  connectionsPerMinute: positiveInt('connection rate').default(DEFAULT_LIMITS.connectionsPerMinute),
  passwordFailuresPerAccount: positiveInt('password failures per account').default(
    DEFAULT_LIMITS.passwordFailuresPerAccount,
  ),
  passwordFailuresPerIp: positiveInt('password failures per address').default(
    DEFAULT_LIMITS.passwordFailuresPerIp,
  ),
  maxQueuedHashes: z.coerce
    .number({ error: 'hash queue must be a number' })
    .int('hash queue must be a whole number')
    .min(0, 'hash queue must be 0-10000')
    .max(10_000, 'hash queue must be 0-10000')
    .default(DEFAULT_LIMITS.maxQueuedHashes),
  trustProxy: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(isAddressOrRange), {
      error: 'trusted proxies must be IP addresses or CIDR ranges such as 10.0.0.1,10.1.0.0/16',
    }),
  headerTimeoutMs: positiveInt('header timeout')
    .min(100, 'header timeout must be at least 100 ms')
    .max(600_000, 'header timeout must be at most 600000 ms')
    .default(10_000),
  maxUploadMb: positiveInt('max upload')
    .max(1024, 'max upload must be at most 1024 MiB')
    .default(DEFAULT_LIMITS.maxUploadBytes / MIB),
  uploadsPerMinute: positiveInt('upload rate').default(30),
  searchesPerMinute: positiveInt('search rate').default(120),
  uploadQuotaMb: positiveInt('upload quota')
    .max(1024 * 1024, 'upload quota must be at most 1048576 MiB')
    .default(DEFAULT_LIMITS.uploadQuotaBytes / MIB),
  pushSubject: z
    .string()
    .refine(isVapidSubject, {
      error: 'push subject must be a mailto: address or an https: URL (not localhost)',
    })
    .optional(),
  pushAllowLoopback: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      error: 'push allow loopback must be true or false',
    })
    .default('false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  heapGrowthPercent: z.coerce
    .number({ error: 'heap growth must be a number' })
    .int('heap growth must be a whole number')
    .min(0, 'heap growth must be 0-1000')
    .max(1000, 'heap growth must be 0-1000')
    .default(20),
});

/** Extra time past the header timeout for a request's body (at most the body limit) to arrive. */
export const REQUEST_BODY_GRACE_MS = 20_000;

/**
 * The slowest an upload may arrive, on average (rule S11): a file upload gets the header
 * timeout plus its size at this rate (a 25 MiB file: 400 s) instead of REQUEST_BODY_GRACE_MS.
 */
export const MIN_UPLOAD_BYTES_PER_SECOND = 64 * 1024;

/** A VAPID `sub` (RFC 8292): `mailto:` or `https:`; push services refuse localhost ones. */
function isVapidSubject(value: string): boolean {
  if (/^mailto:[^@\s]+@[^@\s]+$/.test(value)) return true;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== 'localhost';
  } catch {
    return false;
  }
}

/** The VAPID subject when none is configured: the node's https URL, else a placeholder. */
function defaultVapidSubject(advertiseUrl: string | undefined): string {
  return advertiseUrl?.startsWith('https://') && isVapidSubject(advertiseUrl)
    ? new URL(advertiseUrl).origin
    : 'mailto:webpush@parley.invalid';
}

/** True for an IPv4/IPv6 address, or one with a `/prefix` of a valid length. */
function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/** Reads each key from `flags`, falling back to its environment variable. */
export function rawConfigFrom(flags: RawConfig, env: NodeJS.ProcessEnv): RawConfig {
  const raw: RawConfig = {};
  for (const [key, option] of Object.entries(CONFIG_OPTIONS) as Array<
    [ConfigKey, (typeof CONFIG_OPTIONS)[ConfigKey]]
  >) {
    const value = flags[key] ?? env[option.env];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

/** Thrown for invalid configuration; its message names every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates raw options into a {@link Config}; throws {@link ConfigError} listing every problem. */
export function parseConfig(raw: RawConfig): Config {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path[0] as ConfigKey | undefined;
      const where =
        key && key in CONFIG_OPTIONS
          ? `${CONFIG_OPTIONS[key].flag.split(' ')[0]} / ${CONFIG_OPTIONS[key].env}`
          : 'config';
      return `${where}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = result.data;
  return {
    host: c.host,
    port: c.port,
    dataDir: c.dataDir,
    logLevel: c.logLevel,
    nodeId: c.nodeId ?? `${hostname()}-${c.port === 0 ? process.pid : c.port}`,
    allowedOrigins: c.allowedOrigins.map((o) => new URL(o).origin),
    helloTimeoutMs: 10_000,
    sweepMs: 10_000,
    subscribeCheckMs: 1_500,
    maxSocketBufferBytes: 8 * 1024 * 1024,
    store: c.store === 'sqlite' ? { kind: 'sqlite' } : { kind: 'postgres', url: c.store },
    storeTimeoutMs: c.storeTimeoutMs,
    requireSyncStandbys: c.requireSyncStandbys,
    bus: c.bus.length === 0 ? { kind: 'memory' } : { kind: 'nats', servers: c.bus },
    advertiseUrl: c.advertiseUrl ? c.advertiseUrl.replace(/\/+$/, '') : null,
    heapGrowthPercent: c.heapGrowthPercent,
    trustProxy: c.trustProxy,
    headerTimeoutMs: c.headerTimeoutMs,
    push: {
      subject: c.pushSubject ?? defaultVapidSubject(c.advertiseUrl),
      allowLoopback: c.pushAllowLoopback,
      concurrency: 16,
      queueSize: 10_000,
      timeoutMs: 10_000,
      ttlSeconds: 24 * 3600,
    },
    uploadsPerMinute: c.uploadsPerMinute,
    searchesPerMinute: c.searchesPerMinute,
    limits: {
      ...DEFAULT_LIMITS,
      maxBodyBytes: c.maxBodyBytes,
      maxMessageChars: c.maxMessageChars,
      maxGroupMembers: c.maxGroupMembers,
      loginPerMinute: c.loginPerMinute,
      registerPerHour: c.registerPerHour,
      sendsPerSecond: c.sendsPerSecond,
      connectionsPerMinute: c.connectionsPerMinute,
      passwordFailuresPerAccount: c.passwordFailuresPerAccount,
      passwordFailuresPerIp: c.passwordFailuresPerIp,
      maxQueuedHashes: c.maxQueuedHashes,
      maxUploadBytes: c.maxUploadMb * MIB,
      uploadQuotaBytes: c.uploadQuotaMb * MIB,
    },
  };
}
