import { RestApi } from '../client/rest.js';
import { prng } from './corpus.js';
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
  /** search: every conversation made, with its members' user ids (the seeded history's senders). */
  conversations?: Array<{ id: string; members: string[] }>;
}

/**
 * Creates the scenario's users and conversations through the public API:
 * pairs = DMs of two; group = groups of `groupSize`; mixed = a DM and a group per client;
 * history = DMs pre-filled with 200 messages; idle and connect = users only, many sockets each
 * (connect: the sessions exist before the storm, so it measures no password hashing).
 */
export async function prepare(url: string, o: BenchOptions): Promise<BenchSetup> {
  const tag = Date.now().toString(36);
  if (o.scenario === 'upload') {
    const users = await createUsers(url, o.clients, tag);
    return {
      clients: users.map((u) => ({
        token: u.token,
        userId: u.userId,
        sends: false,
        conversations: [],
      })),
      recipients: {},
      senders: 0,
      connections: users.length,
    };
  }
  if (o.scenario === 'search') return prepareSearch(url, o, tag);
  if (o.scenario === 'idle' || o.scenario === 'connect') {
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

/**
 * The search scenario's users and conversations, through the API: `--conversations` (default
 * three per client) of which about a third are DMs and the rest groups of 3 to 40 (mostly
 * small), each started by the clients in turn, so every client is in several conversations and
 * sees only part of the history. The choices follow from `--seed`.
 */
async function prepareSearch(url: string, o: BenchOptions, tag: string): Promise<BenchSetup> {
  if (o.clients < 2) throw new Error('the search scenario needs at least 2 clients');
  const users = await createUsers(url, o.clients, tag);
  const random = prng(o.seed ^ 0x5eed);
  const count = o.conversations ?? Math.min(10_000, o.clients * 3);
  const pairs = new Set<string>();
  const specs = Array.from({ length: count }, (_, i) => {
    const owner = i % users.length;
    const other = (owner + 1 + Math.floor(random() * (users.length - 1))) % users.length;
    const key = [owner, other].sort((a, b) => a - b).join(':');
    if (random() < 0.35 && !pairs.has(key)) {
      pairs.add(key);
      return { owner, members: [owner, other], dm: true };
    }
    // 3 to 40 members, most near the low end.
    const size = Math.min(users.length, 3 + Math.floor(37 * random() ** 3));
    const members = new Set([owner]);
    while (members.size < size) members.add(Math.floor(random() * users.length));
    return { owner, members: [...members], dm: false };
  });
  const api = (i: number) => new RestApi({ baseUrl: url, token: users[i]!.token });
  const conversations = await pool(specs, 8, async (spec, i) => {
    const { conversation } = spec.dm
      ? await api(spec.owner).dm(users[spec.members[1]!]!.username)
      : await api(spec.owner).createGroup(
          `bench ${tag} ${i}`,
          spec.members.slice(1).map((m) => users[m]!.username),
        );
    return { id: conversation.id, members: spec.members.map((m) => users[m]!.userId) };
  });
  const mine = new Map<string, string[]>(users.map((u) => [u.userId, []]));
  for (const c of conversations) for (const m of c.members) mine.get(m)!.push(c.id);
  return {
    clients: users.map((u) => ({
      token: u.token,
      userId: u.userId,
      sends: false,
      conversations: mine.get(u.userId)!,
    })),
    recipients: {},
    senders: 0,
    connections: users.length,
    conversations,
  };
}
