// Shared set-up of the authorization matrix (test/authorization/*.test.ts): one node, a cast of
// users registered once per file (argon2 makes registration the slow part), and cheap fresh
// groups ("scenes") so that each matrix row starts from the same state.
import assert from 'node:assert/strict';
import { locationOf, setAdminAt } from '../../src/cli/admin-local.js';
import type { Api } from '../helpers/api.js';
import { uniqueName, type ApiResponse, type TestUser } from '../helpers/api.js';
import { startDeployment, type Deployment, type Mode } from '../helpers/deployment.js';
import { WsClient, type Frame } from '../helpers/ws.js';

/** Who acts, relative to one group. */
export const ACTORS = [
  'anonymous',
  'non-member',
  'member',
  'admin',
  'owner',
  'removed member',
  'deleted user',
] as const;
export type Actor = (typeof ACTORS)[number];

/** What a row expects: success, an HTTP error status, or `null` where the action does not apply. */
export type Outcome = 'ok' | 401 | 403 | 404 | null;

/** The error code the API answers with each refusal status. */
export const CODE = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' } as const;

/** An id of no conversation: requests for it must look exactly like a non-member's (G6). */
export const MISSING = '01J0000000000000000000NONE';

export interface Cast {
  owner: TestUser;
  admin: TestUser;
  /** A second admin, the target of "remove an admin". */
  coadmin: TestUser;
  member: TestUser;
  /** Another plain member: author of "another member's message", target of member changes. */
  other: TestUser;
  /** Registered, never in any scene: the non-member. */
  outsider: TestUser;
  /** In every scene until the owner removes them (after they sent a message). */
  removed: TestUser;
  /** Registered, not in any scene: the user "add a member" adds. */
  candidate: TestUser;
  /** Was a member of the legacy scene, then deleted the account; holds the old token. */
  deleted: TestUser;
  /** A server admin (rule AD1), in no scene: granted by the operator's `parley admin grant`. */
  serverAdmin: TestUser;
  /** Was a member of the legacy scene, then suspended by the server admin; holds the old token. */
  suspended: TestUser;
}

/** Who acts on the server as a whole (the admin routes, rule AD2). */
export const SERVER_ACTORS = [
  'anonymous',
  'user',
  'server admin',
  'suspended',
  'deleted user',
] as const;
export type ServerActor = (typeof SERVER_ACTORS)[number];

/** The user acting as a server-level actor (`undefined`: no token). */
export function serverUserOf(cast: Cast, actor: ServerActor): TestUser | undefined {
  switch (actor) {
    case 'anonymous':
      return undefined;
    case 'user':
      return cast.outsider;
    case 'server admin':
      return cast.serverAdmin;
    case 'suspended':
      return cast.suspended;
    case 'deleted user':
      return cast.deleted;
  }
}

/** The rule ids a server-level row cites for its actor. */
export function serverActorRules(actor: ServerActor): string[] {
  switch (actor) {
    case 'anonymous':
      return ['H4'];
    case 'user':
      return ['AD2'];
    case 'server admin':
      return ['AD1'];
    case 'suspended':
      return ['AD4'];
    case 'deleted user':
      return ['A6'];
  }
}

/** One group: owner, admin, coadmin, member and other, each with one message; removed was in it. */
export interface Scene {
  id: string;
  /** The seq of each user's message, by user id. */
  seqs: Record<string, number>;
}

export interface World {
  deployment: Deployment;
  api: Api;
  cast: Cast;
  /** The scene the deleted user belonged to (and sent a message in) before deleting the account. */
  legacy: Scene;
  /** A scene shared by the rows that cannot change it (reads, refusals). */
  shared: Scene;
}

/** Starts a deployment in the given mode and registers the cast (placed on its nodes in turn). */
export async function setUp(mode: Mode): Promise<World> {
  const deployment = await startDeployment(mode);
  const api = deployment.api;
  const [
    owner,
    admin,
    coadmin,
    member,
    other,
    outsider,
    removed,
    candidate,
    deleted,
    serverAdmin,
    suspended,
  ] = await Promise.all(
    [
      'owner',
      'admin',
      'coadmin',
      'member',
      'other',
      'outsider',
      'removed',
      'cand',
      'deleted',
      'srvadm',
      'susp',
    ].map((role) => api.signup(uniqueName(role))),
  );
  const cast: Cast = {
    owner: owner!,
    admin: admin!,
    coadmin: coadmin!,
    member: member!,
    other: other!,
    outsider: outsider!,
    removed: removed!,
    candidate: candidate!,
    deleted: deleted!,
    serverAdmin: serverAdmin!,
    suspended: suspended!,
  };
  const legacy = await makeScene(api, cast, [cast.deleted, cast.suspended]);
  await setAdminAt(locationOf(deployment.nodes[0]!.config), cast.serverAdmin.username, true);
  expectStatus(
    await api.request('POST', `/api/v1/admin/users/${cast.suspended.id}/suspend`, {
      token: cast.serverAdmin.token,
      body: { reason: 'the matrix' },
    }),
    200,
  );
  expectStatus(
    await api.request('DELETE', '/api/v1/me', {
      token: cast.deleted.token,
      body: { password: cast.deleted.password },
    }),
    204,
  );
  return { deployment, api, cast, legacy, shared: await makeScene(api, cast) };
}

/** Creates a fresh group in the standard shape (see {@link Scene}), plus `extra` members. */
export async function makeScene(api: Api, cast: Cast, extra: TestUser[] = []): Promise<Scene> {
  const members = [cast.admin, cast.coadmin, cast.member, cast.other, cast.removed, ...extra];
  const id = await api.group(
    cast.owner,
    uniqueName('g'),
    members.map((u) => u.username),
  );
  for (const user of [cast.admin, cast.coadmin]) {
    expectStatus(
      await api.request('PATCH', `/api/v1/conversations/${id}/members/${user.username}`, {
        token: cast.owner.token,
        body: { role: 'admin' },
      }),
      200,
    );
  }
  const seqs: Record<string, number> = {};
  for (const user of [cast.owner, ...members]) {
    const res = await api.send(user, id, `hello from ${user.username}`);
    expectStatus(res, 201);
    seqs[user.id] = res.body.message.seq;
  }
  expectStatus(
    await api.request('DELETE', `/api/v1/conversations/${id}/members/${cast.removed.username}`, {
      token: cast.owner.token,
    }),
    204,
  );
  return { id, seqs };
}

/** The user acting as `actor` (`undefined`: no token at all). */
export function userOf(cast: Cast, actor: Actor): TestUser | undefined {
  switch (actor) {
    case 'anonymous':
      return undefined;
    case 'non-member':
      return cast.outsider;
    case 'member':
      return cast.member;
    case 'admin':
      return cast.admin;
    case 'owner':
      return cast.owner;
    case 'removed member':
      return cast.removed;
    case 'deleted user':
      return cast.deleted;
  }
}

/**
 * The scene a row runs in: the deleted user's old group; else a fresh group for a row that may
 * change it (`fresh`), or the shared one.
 */
export async function sceneFor(world: World, actor: Actor, fresh: boolean): Promise<Scene> {
  if (actor === 'deleted user') return world.legacy;
  return fresh ? makeScene(world.api, world.cast) : world.shared;
}

/** One row of a matrix: an actor, an action and the expected outcome. */
export interface Row<A> {
  actor: Actor;
  action: A;
  expect: Exclude<Outcome, null>;
}

/**
 * Expands a table whose lines are `[action, outcomes in ACTORS order]` into rows, dropping the
 * cells marked `null` (not applicable).
 */
export function rowsOf<A>(table: Array<[A, Outcome[]]>): Array<Row<A>> {
  const rows: Array<Row<A>> = [];
  for (const [action, outcomes] of table) {
    assert.equal(outcomes.length, ACTORS.length, 'one outcome per actor');
    outcomes.forEach((expect, i) => {
      if (expect !== null) rows.push({ actor: ACTORS[i]!, action, expect });
    });
  }
  return rows;
}

/** The rule ids a row cites besides its action's: why this actor gets this outcome. */
export function actorRules(actor: Actor): string[] {
  switch (actor) {
    case 'anonymous':
      return ['H4'];
    case 'non-member':
      return ['G6'];
    case 'removed member':
      return ['G6', 'C7'];
    case 'deleted user':
      return ['A6'];
    case 'member':
    case 'admin':
    case 'owner':
      return [];
  }
}

/** `[G6][C4]` from rule ids, each once, in first-seen order. */
export function cite(rules: string[]): string {
  return [...new Set(rules)].map((r) => `[${r}]`).join('');
}

export function expectStatus(res: ApiResponse, status: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
}

export function expectError(res: ApiResponse, status: 401 | 403 | 404): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body?.error?.code, CODE[status], JSON.stringify(res.body));
}

/** The group's latest seq as its owner sees it: any accepted change moves it. */
export async function lastSeq(world: World, scene: Scene): Promise<number> {
  const res = await world.api.request('GET', `/api/v1/conversations/${scene.id}`, {
    token: world.cast.owner.token,
  });
  expectStatus(res, 200);
  return res.body.conversation.lastSeq;
}

/** Frames that mention the conversation anywhere (messages, events, typing, errors...). */
export function framesAbout(client: WsClient, conversationId: string, from = 0): Frame[] {
  return client.frames.slice(from).filter((f) => JSON.stringify(f).includes(conversationId));
}

/** A `message` frame of the conversation at `seq`. */
export function isMessage(conversationId: string, seq: number): (f: Frame) => boolean {
  return (f) =>
    f.type === 'message' && f.message.conversationId === conversationId && f.message.seq === seq;
}

/** The socket's close code; rejects if it is still open after `timeoutMs` (no hanging tests). */
export async function closeCodeOf(client: WsClient, timeoutMs = 5_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the socket was not closed')), timeoutMs);
  });
  try {
    return await Promise.race([client.closed(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asserts that a WebSocket `hello` with `token` (or none) is refused: an `unauthorized` error
 * frame, then close 4001 (W1, W8).
 */
export async function expectHelloRefused(world: World, token: string | undefined): Promise<void> {
  const client = await WsClient.connect(world.deployment.url);
  client.send({ type: 'hello', protocol: 1, ...(token ? { token } : {}) });
  const answer = await client.next((f) => f.type === 'error' || f.type === 'ready');
  assert.equal(answer.type, 'error', JSON.stringify(answer));
  assert.equal(answer.code, 'unauthorized');
  assert.equal(await closeCodeOf(client), 4001);
}
