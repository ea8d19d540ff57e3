import type { PublicGroupPageDto } from '../protocol/group-schemas.js';
import type { ConversationDto, MemberDto } from '../protocol/schemas.js';
import type { RestApi } from './rest.js';

type GroupVisibility = ConversationDto['visibility'];
type HistoryVisibility = ConversationDto['history'];

export type { PublicGroupDto, PublicGroupPageDto } from '../protocol/group-schemas.js';

/** Public groups and moderation (rules PG1-PG11), over a node's RestApi. */
export class GroupsApi {
  readonly #api: RestApi;

  constructor(api: RestApi) {
    this.#api = api;
  }

  /** Creates a group, public or private, with its history setting (PG1). */
  create(
    name: string,
    members: string[],
    access: { visibility?: GroupVisibility; history?: HistoryVisibility } = {},
  ): Promise<{ conversation: ConversationDto }> {
    return this.#api.request('POST', '/api/v1/groups', { name, members, ...access });
  }

  /** Public groups whose name contains `q`, by name; `after` is a previous page's `next` (PG2). */
  listPublic(
    options: { q?: string; after?: string; limit?: number } = {},
  ): Promise<PublicGroupPageDto> {
    const params = new URLSearchParams();
    if (options.q) params.set('q', options.q);
    if (options.after) params.set('after', options.after);
    if (options.limit) params.set('limit', String(options.limit));
    return this.#api.request('GET', `/api/v1/groups/public?${params}`);
  }

  /** Joins a public group (PG4); a member joining again gets the same answer. */
  join(id: string): Promise<{ conversation: ConversationDto }> {
    return this.#api.request('POST', `${path(id)}/join`);
  }

  /** Sets a group's visibility and history setting (PG3). */
  setAccess(
    id: string,
    access: { visibility?: GroupVisibility; history?: HistoryVisibility },
  ): Promise<{ conversation: ConversationDto }> {
    return this.#api.request('PUT', `${path(id)}/access`, access);
  }

  /** Mutes a member for `minutes` (1-43200, PG10). */
  mute(id: string, username: string, minutes: number): Promise<{ member: MemberDto }> {
    return this.#api.request('PUT', `${path(id)}/members/${encodeURIComponent(username)}/mute`, {
      minutes,
    });
  }

  unmute(id: string, username: string): Promise<{ member: MemberDto }> {
    return this.#api.request('DELETE', `${path(id)}/members/${encodeURIComponent(username)}/mute`);
  }
}

function path(id: string): string {
  return `/api/v1/conversations/${encodeURIComponent(id)}`;
}
