import type { RestApi } from '../../../src/client/index.js';
import type { ConversationDto, MemberDto } from '../../../src/protocol/schemas.js';

type Role = MemberDto['role'];

/** Who can find and join a group (rule PG1). */
export type Visibility = ConversationDto['visibility'];
/** What members who join later read (rule PG5). */
export type HistoryAccess = ConversationDto['history'];

/** One public group as `GET /api/v1/groups/public` lists it. */
export interface PublicGroup {
  id: string;
  name: string;
  memberCount: number;
  lastMessageAt: number;
  /** The signed-in user is a member already. */
  joined: boolean;
}

/** A page of public groups, by name; `next` continues it (null at the end). */
export interface PublicGroupsPage {
  groups: PublicGroup[];
  next: string | null;
}

/** Public groups shown per page of the browser. */
export const PUBLIC_GROUPS_PAGE = 20;

const conversationPath = (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}`;

/** Public groups whose name contains `q` (case-insensitive), by name. */
export function publicGroups(
  api: RestApi,
  query: { q?: string; after?: string | null; limit?: number },
): Promise<PublicGroupsPage> {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.after) params.set('after', query.after);
  params.set('limit', String(query.limit ?? PUBLIC_GROUPS_PAGE));
  return api.request('GET', `/api/v1/groups/public?${params.toString()}`);
}

/** Joins a public group (idempotent for a member); answers its summary. */
export function joinGroup(api: RestApi, id: string): Promise<{ conversation: ConversationDto }> {
  return api.request('POST', `${conversationPath(id)}/join`);
}

/** Who can find a group and what later members read; the node's defaults when left out. */
export interface GroupAccess {
  visibility?: Visibility;
  history?: HistoryAccess;
}

/** Creates a group, public or private, with its history setting. */
export function createGroup(
  api: RestApi,
  body: { name: string; members: string[] } & GroupAccess,
): Promise<{ conversation: ConversationDto }> {
  return api.request('POST', '/api/v1/groups', body);
}

/** Changes who can find the group and what later members read (owners and admins). */
export function setAccess(
  api: RestApi,
  id: string,
  access: GroupAccess,
): Promise<{ conversation: ConversationDto }> {
  return api.request('PUT', `${conversationPath(id)}/access`, access);
}

/** Mutes a member for `minutes`; they cannot send until it ends. */
export function muteMember(
  api: RestApi,
  id: string,
  username: string,
  minutes: number,
): Promise<unknown> {
  return api.request(
    'PUT',
    `${conversationPath(id)}/members/${encodeURIComponent(username)}/mute`,
    {
      minutes,
    },
  );
}

/** Lets a muted member write again. */
export function unmuteMember(api: RestApi, id: string, username: string): Promise<unknown> {
  return api.request(
    'DELETE',
    `${conversationPath(id)}/members/${encodeURIComponent(username)}/mute`,
  );
}

/** The durations a moderator picks from (the node takes 1 to 43 200 minutes). */
export const MUTE_DURATIONS: readonly { minutes: number; label: string }[] = [
  { minutes: 15, label: '15 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 8 * 60, label: '8 hours' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '1 week' },
  { minutes: 30 * 24 * 60, label: '30 days' },
];

/** A member row as the web reads it: `mutedUntil` when the node says it. */
export type ModeratedMember = MemberDto & { mutedUntil?: number | null };

/** When a member's mute ends, if they are muted at `now`; null otherwise. */
export function mutedUntilOf(member: ModeratedMember | undefined, now = Date.now()): number | null {
  const until = member?.mutedUntil ?? null;
  return until !== null && until > now ? until : null;
}

const RANK: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/**
 * True if `actor` may remove `sender`'s message or mute them (rule PG8): a server admin
 * anyone's, the owner anyone else's, an admin a plain member's (or a former member's). One's
 * own messages are deleted, not removed.
 */
export function canModerate(
  actor: { userId: string; role: Role | null; serverAdmin: boolean },
  target: { userId: string; role: Role | null },
): boolean {
  if (actor.userId === target.userId) return false;
  if (actor.serverAdmin) return true;
  if (actor.role !== 'owner' && actor.role !== 'admin') return false;
  return actor.role === 'owner' || RANK[target.role ?? 'member'] > RANK[actor.role];
}

/** "until 14:05" today, "until Tue 14:05" this week, else the date. */
export function untilText(until: number, now = Date.now()): string {
  const at = new Date(until);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (new Date(now).toDateString() === at.toDateString()) return time;
  if (until - now < 6 * 86_400_000)
    return `${at.toLocaleDateString(undefined, { weekday: 'short' })} ${time}`;
  return at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Longest wait a browser timer takes (about 24.8 days); longer ones fire early and re-arm. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
