import { RestApi } from '../client/rest.js';
import type { BenchOptions, WorkerPlan } from './options.js';

/** A benchmark user with its session. */
interface BenchUser {
  username: string;
  userId: string;
  token: string;
}

/** Runs `fn` over items with bounded concurrency (also used by `parley verify`). */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Registers and logs in `count` users named after `tag`, eight at a time. */
export async function createUsers(url: string, count: number, tag: string): Promise<BenchUser[]> {
  return pool(
    Array.from({ length: count }, (_, i) => `b${tag}_${i}`),
    8,
    async (username) => {
      const api = new RestApi({ baseUrl: url });
      const password = `bench-${username}`;
      await api.register(username, password);
      const { token, user } = await api.login(username, password);
      return { username, userId: user.id, token };
    },
  );
}

/** Users, conversations and per-client assignments for a scenario. */
export interface BenchSetup {
  clients: WorkerPlan['clients'];
  recipients: Record<string, number>;
  senders: number;
  connections: number;
}

/**
 * Creates the scenario's users and conversations through the public API:
 * pairs = DMs of two; group = groups of `groupSize`; mixed = a DM and a group per client;
 * history = DMs pre-filled with 200 messages; idle = users only, many sockets each.
 */
export async function prepare(url: string, o: BenchOptions): Promise<BenchSetup> {
  const tag = Date.now().toString(36);
  if (o.scenario === 'idle') {
    const users = await createUsers(url, Math.ceil(o.clients / o.socketsPerUser), tag);
    return {
      clients: users.map((u) => ({
        token: u.token,
        userId: u.userId,
        sends: false,
        conversations: [],
      })),
      recipients: {},
      senders: 0,
      connections: users.length * o.socketsPerUser,
    };
  }
  const count = o.clients - (o.clients % 2);
  const users = await createUsers(url, count, tag);
  const conversations = new Map<string, string[]>(users.map((u) => [u.userId, []]));
  const recipients: Record<string, number> = {};
  const api = (u: BenchUser) => new RestApi({ baseUrl: url, token: u.token });

  if (o.scenario === 'pairs' || o.scenario === 'history' || o.scenario === 'mixed') {
    await pool(
      Array.from({ length: count / 2 }, (_, i) => [users[2 * i]!, users[2 * i + 1]!] as const),
      8,
      async ([a, b]) => {
        const { conversation } = await api(a).dm(b.username);
        conversations.get(a.userId)!.push(conversation.id);
        conversations.get(b.userId)!.push(conversation.id);
        recipients[conversation.id] = 1;
        if (o.scenario === 'history') {
          for (let k = 0; k < 200; k += 1) {
            await api(k % 2 ? a : b).request(
              'POST',
              `/api/v1/conversations/${conversation.id}/messages`,
              {
                clientMsgId: `h${tag}-${k}`,
                body: `history ${k}`,
              },
            );
          }
        }
      },
    );
  }
  if (o.scenario === 'group' || o.scenario === 'mixed') {
    const size = Math.min(o.groupSize, count);
    const groups = Math.max(1, Math.floor(count / size));
    await pool(
      Array.from({ length: groups }, (_, g) => users.slice(g * size, (g + 1) * size)),
      4,
      async (members) => {
        const [owner, ...rest] = members;
        const { conversation } = await api(owner!).createGroup(
          `bench ${tag}`,
          rest.map((m) => m.username),
        );
        for (const m of members) conversations.get(m.userId)!.push(conversation.id);
        recipients[conversation.id] = members.length - 1;
      },
    );
  }
  const clients = users.map((u) => ({
    token: u.token,
    userId: u.userId,
    sends: true,
    conversations: conversations.get(u.userId) ?? [],
  }));
  return {
    clients,
    recipients,
    senders: clients.filter((c) => c.conversations.length > 0).length,
    connections: clients.length,
  };
}
