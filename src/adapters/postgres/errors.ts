/**
 * SQLSTATEs that mean "this server cannot take the request now, another moment (or another
 * server) can": the request itself is fine. Lost races (40001, 40P01) are not here: the store
 * runs such a transaction again (TransactionConflictError) before anyone is answered.
 */
const UNAVAILABLE_CODES = new Set([
  '25006', // read_only_sql_transaction: a standby, or a crashed primary back as one
  '57P01', // admin_shutdown: terminated by an administrator or a fast shutdown
  '57P02', // crash_shutdown: another backend crashed, the server restarts
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '57P05', // idle_session_timeout (PostgreSQL ≥ 14)
]);
/**
 * SQLSTATE classes of the same kind: 08 connection exception (the session is gone or never
 * began), 53 insufficient resources (too many connections, out of memory, disk full).
 */
const UNAVAILABLE_CLASSES = ['08', '53'];
/** Socket and name-resolution errors of Node itself: the server is down or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What `pg` says when a connection ends or never comes, in errors that carry no code. */
const NETWORK_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed/i;

/**
 * True if `err` (or one of its causes) says PostgreSQL cannot serve right now: down,
 * unreachable, the connection lost, shutting down or starting, read-only (not the primary),
 * out of connections or resources, as opposed to a problem with the request itself.
 */
export function isPostgresUnavailable(err: unknown): boolean {
  for (
    let e: unknown = err, depth = 0;
    e && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if (typeof e !== 'object') return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && isUnavailableCode(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && NETWORK_MESSAGES.test(message)) return true;
    // Connecting to a name with several addresses fails with one error per address.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isPostgresUnavailable(inner))) return true;
  }
  return false;
}

function isUnavailableCode(code: string): boolean {
  if (NETWORK_CODES.has(code) || UNAVAILABLE_CODES.has(code)) return true;
  // SQLSTATEs are five characters; Node's codes (E…) never start with a digit.
  return code.length === 5 && UNAVAILABLE_CLASSES.some((c) => code.startsWith(c));
}
