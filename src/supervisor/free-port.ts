import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Free loopback ports for the engines and nodes a supervisor starts (`parley cluster up`,
 * `bench --spawn`, the tests).
 *
 * Listener ports come from below Linux's ephemeral range (32768-60999), where the kernel picks
 * the source ports of outgoing connections: a server restarted on a port in that range can find
 * it taken by some client's connection (a crashed member's peers reconnect constantly).
 */
/** Ports min..max-1. */
export const PORT_RANGE = { min: 20_000, max: 32_000 } as const;
/** Ports this process handed out: a port is free again once released, so remember it. */
const handedOut = new Set<number>();

/**
 * The directory in which the processes of one test run reserve the ports they hand out
 * (scripts/test.mjs creates it for the run and removes it afterwards). A port's server can be
 * down for a while in a fault test (a member killed, restarted seconds later on the same port);
 * without a reservation shared across processes, a test file running alongside could pick that
 * port as free in the meantime and bind it, and the restart would fail.
 */
export const PORT_RESERVATIONS_ENV = 'PARLEY_PORT_RESERVATIONS';

/** Claims `port` for this process among every process of the run; false if one already has. */
function reserve(port: number): boolean {
  const dir = process.env[PORT_RESERVATIONS_ENV];
  if (!dir) return true;
  try {
    // O_EXCL: of two processes claiming the same port at once, exactly one creates the file.
    closeSync(openSync(join(dir, String(port)), 'wx'));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * A free TCP port on 127.0.0.1 below the ephemeral range, never the same twice in this process
 * (nor in the test run, see PORT_RESERVATIONS_ENV): one that can be bound right now (bound, then
 * released), from a random start, walking the whole range before giving up.
 */
export async function freePort(): Promise<number> {
  const span = PORT_RANGE.max - PORT_RANGE.min;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = PORT_RANGE.min + ((start + i) % span);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (reserve(port) && (await canBind(port))) return port;
  }
  throw new Error(`no free port in ${PORT_RANGE.min}-${PORT_RANGE.max - 1}`);
}

/** Whether a TCP listener can be bound on 127.0.0.1:`port` right now (bound, then released). */
export async function canBind(port: number): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(true));
  });
  if (bound) {
    server.close();
    await once(server, 'close');
  }
  return bound;
}
