import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from '../domain/limits.js';
import { CONFIG_OPTIONS, type ConfigKey, type RawConfig } from './options.js';

export { CONFIG_OPTIONS, type ConfigKey, type RawConfig } from './options.js';

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
  /** --admin: accounts made server admins at start if registered (rule AD1). */
  admins: string[];
  /** --registration: the mode fixed by the operator; null: the runtime setting (rule RG2). */
  registration: 'open' | 'invite' | 'closed' | null;
  /** Base URL of invite and reset links (--public-url, no trailing slash); null: the request's origin. */
  publicUrl: string | null;
  /** SMTP delivery of reset mails (rule RG9); null: the node sends no mail. */
  mail: { smtpUrl: string; from: string } | null;
  /** Directory of the built web UI; defaults to `dist/web` of this installation (no flag). */
  webDir?: string;
  limits: Limits;
}

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
  admins: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== ''),
    )
    .refine((names) => names.every((name) => /^[a-z0-9_.-]{3,32}$/.test(name)), {
      error: 'admin must be comma-separated usernames (3-32 of a-z 0-9 _ . -)',
    }),
  registration: z
    .enum(['open', 'invite', 'closed'], { error: 'registration must be open, invite or closed' })
    .optional(),
  smtpUrl: z
    .string()
    .refine(isSmtpUrl, {
      error: 'SMTP URL must be smtp://[user:pass@]host[:port] or smtps://[user:pass@]host[:port]',
    })
    .optional(),
  mailFrom: z
    .string()
    .max(320, 'mail from must be at most 320 characters')
    .regex(/^[^\r\n]*[^@\s<>]+@[^@\s<>]+>?$/, {
      error: 'mail from must be an address, e.g. "Parley <parley@example.org>"',
    })
    .optional(),
  publicUrl: z
    .url({ error: 'public URL must be a URL such as https://chat.example.org' })
    .refine((v) => /^https?:\/\//.test(v), { error: 'public URL must be http: or https:' })
    .optional(),
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

/** An SMTP server URL nodemailer reads: smtp: or smtps:, a host, nothing past the port. */
function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'smtp:' || url.protocol === 'smtps:') &&
      url.hostname !== '' &&
      (url.pathname === '' || url.pathname === '/')
    );
  } catch {
    return false;
  }
}

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
  if (c.smtpUrl !== undefined && c.publicUrl === undefined)
    throw new ConfigError(
      'invalid configuration:\n  --smtp-url / PARLEY_SMTP_URL: needs --public-url (the base of mailed links)',
    );
  const publicUrl = c.publicUrl ? c.publicUrl.replace(/\/+$/, '') : null;
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
    admins: c.admins,
    registration: c.registration ?? null,
    publicUrl,
    mail:
      c.smtpUrl !== undefined && publicUrl !== null
        ? { smtpUrl: c.smtpUrl, from: c.mailFrom ?? `parley@${new URL(publicUrl).hostname}` }
        : null,
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
