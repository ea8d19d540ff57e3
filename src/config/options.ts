/**
 * The options of a node (rule O1): each config key's flag, environment variable and help, as
 * `parley serve --help` and docs/operations.md list them. Validated by config.ts.
 */

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
  admins: {
    flag: '--admin <usernames>',
    env: 'PARLEY_ADMIN',
    help: 'make these registered accounts (comma-separated) server admins when the node starts; an account not registered yet is skipped with a warning, never granted later (default: none; see also parley admin grant)',
  },
  registration: {
    flag: '--registration <mode>',
    env: 'PARLEY_REGISTRATION',
    help: 'open, invite or closed: fixes the registration mode (admins then cannot change it); unset: the mode admins set at runtime (default open)',
  },
  smtpUrl: {
    flag: '--smtp-url <url>',
    env: 'PARLEY_SMTP_URL',
    help: 'send password reset mails through this SMTP server: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465; needs --public-url (default: no mail)',
  },
  mailFrom: {
    flag: '--mail-from <address>',
    env: 'PARLEY_MAIL_FROM',
    help: 'From address of mails, e.g. "Parley <parley@example.org>" (default parley@ the --public-url host)',
  },
  publicUrl: {
    flag: '--public-url <url>',
    env: 'PARLEY_PUBLIC_URL',
    help: "base URL of invite and reset links, e.g. https://chat.example.org (default: the request's origin; required with --smtp-url)",
  },
  heapGrowthPercent: {
    flag: '--heap-growth <percent>',
    env: 'PARLEY_HEAP_GROWTH',
    help: 'full garbage collection once the JavaScript heap grows this many percent past its live size (default 20; 0 leaves the V8 heuristic, up to 300): keeps memory low after reconnect storms',
  },
} as const;

/** A key of {@link CONFIG_OPTIONS}. */
export type ConfigKey = keyof typeof CONFIG_OPTIONS;
