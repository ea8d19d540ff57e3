import { pool } from '../bench/setup.js';
import {
  ApiError,
  ClientErrorCode,
  ErrorCode,
  ParleyClient,
  RestApi,
  SendError,
} from '../client/index.js';
import { nodeWebSocket } from '../client/node.js';
import type { MessageDto } from '../protocol/schemas.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { recordClient, type ClientRecord, type SendRecord } from './history.js';
import type { Random } from './random.js';
import { withDeadline } from './time.js';
import { WireTap } from './wire.js';

/** What the workload does, besides sending: each operation's weight in the mix. */
export const OPERATION_WEIGHTS = {
  send: 70,
  /** The same clientMsgId over WebSocket and, at once, over REST on another node. */
  doubleSend: 5,
  edit: 6,
  delete: 3,
  addMember: 3,
  removeMember: 2,
  leave: 1,
  read: 6,
  /** A client's socket cut as a network drop would; the library reconnects with cursors. */
  reconnect: 4,
} as const;

type Operation = keyof typeof OPERATION_WEIGHTS;

/** The shape of the workload. */
export interface WorkloadPlan {
  users: number;
  socketsPerUser: number;
  dms: number;
  groupSizes: number[];
  /** A short tag that makes this run's usernames and clientMsgIds unique. */
  tag: string;
}

/** A user of the workload and its clients (one per socket). */
export interface WorkloadUser {
  id: string;
  username: string;
  token: string;
  clients: ClientRecord[];
}

/** A conversation as the workload believes it is (membership from the answers it got). */
export interface WorkloadConversation {
  id: string;
  kind: 'dm' | 'group';
  owner: string;
  /** User ids; for groups, updated from successful membership calls. */
  members: Set<string>;
  founding: string[];
}

/** Stable error code of anything a call threw. */
export function errorCode(err: unknown): string {
  if (err instanceof ApiError || err instanceof SendError) return err.code;
  return 'exception';
}

/**
 * The workload: real clients through the client library, spread over the nodes, sending with
 * idempotent retries, editing, deleting, changing membership, marking read and reconnecting.
 * Every send and every answer is recorded for the checker.
 */
export class Workload {
  readonly users: WorkloadUser[] = [];
  readonly conversations: WorkloadConversation[] = [];
  readonly sends: SendRecord[] = [];
  readonly errors = new Map<string, number>();
  readonly opCounts = new Map<Operation, number>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #sendCount = 0;

  constructor(
    readonly urls: string[],
    readonly plan: WorkloadPlan,
    readonly random: Random,
  ) {}

  get clients(): ClientRecord[] {
    return this.users.flatMap((u) => u.clients);
  }

  /** Registers the users, connects their clients, creates the conversations. */
  async setUp(onProgress: (text: string) => void): Promise<void> {
    const { plan } = this;
    const names = Array.from({ length: plan.users }, (_, i) => `v${plan.tag}_${i}`);
    const accounts = await pool(names, 8, async (username, i) => {
      const api = new RestApi({ baseUrl: this.urls[i % this.urls.length]! });
      const password = `verify-${username}`;
      await retrying(() => api.register(username, password));
      const { token, user } = await retrying(() => api.login(username, password));
      return { id: user.id, username, token };
    });
    onProgress(`registered ${accounts.length} users`);
    let n = 0;
    for (const account of accounts) {
      const user: WorkloadUser = { ...account, clients: [] };
      for (let s = 0; s < plan.socketsPerUser; s++) {
        const first = n++ % this.urls.length;
        const urls = [...this.urls.slice(first), ...this.urls.slice(0, first)];
        const tap = new WireTap(nodeWebSocket, () => user.id);
        const client = new ParleyClient({
          urls,
          token: user.token,
          webSocket: tap.factory,
          backoff: { baseMs: 100, maxMs: 2_000 },
          connectTimeoutMs: 5_000,
          retryDelayMs: 500,
          // Every other socket speaks protocol 1: old and new clients side by side (rule W5).
          ...(n % 2 === 0 ? { protocols: [PROTOCOL_VERSION] } : {}),
        });
        user.clients.push(recordClient(`${user.username}#${s}`, user.id, client, tap));
      }
      this.users.push(user);
    }
    for (const c of this.clients) c.client.connect();
    await Promise.all(this.clients.map((c) => c.client.online()));
    onProgress(`${this.clients.length} clients online`);
    await this.#createConversations();
    onProgress(`${this.conversations.length} conversations`);
  }

  async #createConversations(): Promise<void> {
    const { plan, random } = this;
    const specs: Array<{ kind: 'dm' | 'group'; members: WorkloadUser[] }> = [];
    for (let i = 0; i < plan.dms && this.users.length >= 2; i++)
      specs.push({ kind: 'dm', members: random.sample(this.users, 2) });
    for (const size of plan.groupSizes)
      specs.push({
        kind: 'group',
        members: random.sample(this.users, Math.min(size, this.users.length)),
      });
    const created = await pool(specs, 4, async (spec, i) => {
      const [owner, ...others] = spec.members as [WorkloadUser, ...WorkloadUser[]];
      const api = this.#api(owner);
      const { conversation } = await retrying(() =>
        spec.kind === 'dm'
          ? api.dm(others[0]!.username)
          : api.createGroup(
              `verify ${plan.tag} ${i}`,
              others.map((u) => u.username),
            ),
      );
      const ids = spec.members.map((u) => u.id);
      return {
        id: conversation.id,
        kind: spec.kind,
        owner: owner.id,
        members: new Set(ids),
        founding: spec.kind === 'dm' ? ids : [],
      };
    });
    // Two random pairs may be the same pair: one DM each.
    const seen = new Set<string>();
    for (const c of created) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      this.conversations.push(c);
    }
  }

  /** Starts one operation chosen by weight; it runs in the background. */
  step(): void {
    const op = this.random.weighted(OPERATION_WEIGHTS);
    this.opCounts.set(op, (this.opCounts.get(op) ?? 0) + 1);
    const run = this.#operation(op).catch((err: unknown) => this.#error(errorCode(err)));
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  /** Resolves when every operation started so far has ended, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight.size > 0 && Date.now() < deadline) {
      await withDeadline(Promise.allSettled([...this.#inFlight]), deadline - Date.now());
    }
    return this.#inFlight.size;
  }

  /** Closes every client. */
  close(): void {
    for (const c of this.clients) c.client.close();
  }

  #error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  #api(user: WorkloadUser): RestApi {
    // The REST calls go to the node the user's first client is connected to.
    const client = user.clients[0]!.client;
    return new RestApi({ baseUrl: client.url, token: user.token });
  }

  async #operation(op: Operation): Promise<void> {
    const { random } = this;
    const user = random.pick(this.users);
    const record = random.pick(user.clients);
    const mine = this.conversations.filter((c) => c.members.has(user.id));
    const groups = this.conversations.filter((c) => c.kind === 'group');
    switch (op) {
      case 'send':
      case 'doubleSend': {
        if (mine.length === 0) return;
        const conversation = random.pick(mine);
        return this.#send(user, record, conversation.id, op === 'doubleSend');
      }
      case 'edit':
      case 'delete': {
        const own = this.sends.filter(
          (s) =>
            s.userId === user.id &&
            s.answers.length > 0 &&
            mine.some((c) => c.id === s.conversationId),
        );
        if (own.length === 0) return;
        const send = random.pick(own);
        const seq = send.answers[0]!.seq;
        const api = this.#api(user);
        if (op === 'edit')
          await api.editMessage(
            send.conversationId,
            seq,
            `${send.clientMsgId} edited ${random.int(1, 1e6)}`,
          );
        else await api.deleteMessage(send.conversationId, seq);
        return;
      }
      case 'addMember':
      case 'removeMember': {
        if (groups.length === 0) return;
        const group = random.pick(groups);
        const owner = this.users.find((u) => u.id === group.owner)!;
        const candidates = this.users.filter((u) =>
          op === 'addMember'
            ? !group.members.has(u.id)
            : group.members.has(u.id) && u.id !== group.owner,
        );
        if (candidates.length === 0) return;
        const target = random.pick(candidates);
        if (op === 'addMember') {
          await this.#api(owner).addMember(group.id, target.username);
          group.members.add(target.id);
        } else {
          await this.#api(owner).removeMember(group.id, target.username);
          group.members.delete(target.id);
        }
        return;
      }
      case 'leave': {
        const leavable = mine.filter((c) => c.kind === 'group' && c.owner !== user.id);
        if (leavable.length === 0) return;
        const group = random.pick(leavable);
        await this.#api(user).leave(group.id);
        group.members.delete(user.id);
        return;
      }
      case 'read': {
        if (mine.length === 0) return;
        const conversation = random.pick(mine);
        const seq = record.last.get(conversation.id);
        if (seq !== undefined) record.client.markRead(conversation.id, seq);
        return;
      }
      case 'reconnect':
        record.tap.drop();
        return;
    }
  }

  async #send(
    user: WorkloadUser,
    record: ClientRecord,
    conversationId: string,
    double: boolean,
  ): Promise<void> {
    const clientMsgId = `${this.plan.tag}-${++this.#sendCount}`;
    const body = `${clientMsgId} from ${user.username}`;
    const send: SendRecord = {
      clientMsgId,
      userId: user.id,
      conversationId,
      body,
      startedAt: Date.now(),
      answers: [],
      error: null,
    };
    this.sends.push(send);
    const answer = (message: MessageDto, via: 'ws' | 'rest') => {
      send.answers.push({ id: message.id, seq: message.seq, via, at: Date.now() });
    };
    const overWs = record.client.send(conversationId, body, { clientMsgId }).done.then(
      (message) => answer(message, 'ws'),
      (err: unknown) => {
        send.error ??= errorCode(err);
        this.#error(errorCode(err));
      },
    );
    if (!double) return overWs;
    const others = this.urls.filter((u) => u !== record.client.url);
    const api = new RestApi({
      baseUrl: this.random.pick(others.length ? others : this.urls),
      token: user.token,
    });
    const overRest = api
      .request<{ message: MessageDto }>(
        'POST',
        `/api/v1/conversations/${conversationId}/messages`,
        {
          clientMsgId,
          body,
        },
      )
      .then(
        ({ message }) => answer(message, 'rest'),
        (err: unknown) => this.#error(`rest:${errorCode(err)}`),
      );
    await Promise.all([overWs, overRest]);
  }
}

/** Calls `fn` until it succeeds or fails with a code that retrying cannot change. */
export async function retrying<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = errorCode(err);
      const transient =
        code === ClientErrorCode.Unreachable ||
        code === ErrorCode.Unavailable ||
        code === ErrorCode.RateLimited;
      if (!transient || i >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * i)));
    }
  }
}
