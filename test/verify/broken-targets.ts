import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { MemoryBus } from '../../src/adapters/memory-bus/memory-bus.js';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import type { Bus } from '../../src/ports/bus.js';
import type { Store, StoreOps, TransactionOps } from '../../src/ports/store.js';

/**
 * Deliberately broken parts for the checker's own tests (issue 12): each breaks one guarantee
 * the way a real bug would, so `parley verify` must report it. Test-only; never in a product.
 */

/** The store operations a breakage replaces; the rest pass through to the real store. */
type Breakage = Partial<
  Pick<StoreOps, 'insertMessage' | 'appendPlainMessage' | 'nextSeq' | 'getMessageByClientId'>
>;

/** A real SQLite store whose writes and reads inside and outside transactions go through `breakage`. */
async function brokenStore(
  dataDir: string,
  breakage: (real: StoreOps) => Breakage,
): Promise<Store> {
  const store = await openSqliteStore(sqlitePath(dataDir));
  const wrap = <T extends StoreOps>(real: T): T => {
    const replaced = breakage(real);
    return new Proxy(real, {
      get(target, prop, receiver) {
        if (prop in replaced) return replaced[prop as keyof Breakage];
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
  };
  const outer = wrap(store);
  return new Proxy(outer, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return <T>(fn: (tx: TransactionOps) => Promise<T>) =>
          store.transaction((tx) => fn(wrap(tx)));
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** Acknowledges the `nth` message but never writes it (its seq is used up): a lost ack. */
export function storeDroppingAnAckedMessage(dataDir: string, nth = 5): Promise<Store> {
  let inserts = 0;
  return brokenStore(dataDir, (real) => ({
    insertMessage: (message) =>
      ++inserts === nth ? Promise.resolve() : real.insertMessage(message),
    // A plain send's seq and insert are one store call: the dropped one takes its seq only.
    appendPlainMessage: (message) =>
      ++inserts === nth
        ? real.nextSeq(message.conversationId, message.createdAt, true)
        : real.appendPlainMessage(message),
  }));
}

/** Forgets every send it stored, so a retry is stored again (under another clientMsgId). */
export function storeStoringRetriesTwice(dataDir: string): Promise<Store> {
  const seen = new Set<string>();
  return brokenStore(dataDir, (real) => ({
    getMessageByClientId: () => Promise.resolve(null),
    insertMessage: (message) => {
      const key = `${message.sender}|${message.clientMsgId}`;
      const again = seen.has(key);
      seen.add(key);
      return real.insertMessage(
        again ? { ...message, clientMsgId: `${message.clientMsgId}~again` } : message,
      );
    },
  }));
}

/** Skips one seq on the `nth` entry: the timeline gets a gap. */
export function storeSkippingASeq(dataDir: string, nth = 8): Promise<Store> {
  let calls = 0;
  return brokenStore(dataDir, (real) => ({
    nextSeq: async (conversationId, at, isMessage) => {
      const seq = await real.nextSeq(conversationId, at, isMessage);
      return ++calls === nth ? real.nextSeq(conversationId, at, isMessage) : seq;
    },
    // A plain send takes its seq inside the store call: the skipped seq is taken before it.
    appendPlainMessage: async (message) => {
      if (++calls === nth) await real.nextSeq(message.conversationId, message.createdAt, true);
      return real.appendPlainMessage(message);
    },
  }));
}

/** The in-process bus, publishing every event twice. */
export function busDeliveringTwice(): Bus {
  const bus = new MemoryBus();
  const publish = bus.publish.bind(bus);
  bus.publish = (subject, event) => {
    publish(subject, event);
    publish(subject, event);
  };
  return bus;
}

/**
 * An HTTP and WebSocket proxy in front of a node that sends every `message` frame twice on the
 * socket: a delivery path that duplicates, below the client library's de-duplication.
 */
export async function framesDuplicatingProxy(
  upstream: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      const node = new WebSocket(`ws://${target.host}${req.url ?? '/'}`);
      const pending: string[] = [];
      node.on('open', () => pending.splice(0).forEach((f) => node.send(f)));
      client.on('message', (data) => {
        const frame = (data as Buffer).toString();
        if (node.readyState === WebSocket.OPEN) node.send(frame);
        else pending.push(frame);
      });
      node.on('message', (data) => {
        const frame = (data as Buffer).toString();
        client.send(frame);
        if (frame.startsWith('{"type":"message"')) client.send(frame);
      });
      node.on('close', (code) => client.close(code === 1005 ? 1000 : code));
      client.on('close', () => node.close());
      node.on('error', () => client.terminate());
      client.on('error', () => node.terminate());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
