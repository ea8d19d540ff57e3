import type {
  AllMentionsPolicyDto,
  AttachmentDto,
  ConversationDto,
  MemberDto,
  MentionsPageDto,
  MessageDto,
  ReactionGroupDto,
  SearchPageDto,
  ThreadPageDto,
  UserSettingsDto,
  TimelineItemDto,
  TimelinePageDto,
  UserDto,
} from '../protocol/schemas.js';
import { ApiError } from './api-error.js';
import { ClientErrorCode } from './error-codes.js';
import { upload, type StorageDto, type UploadBody, type UploadOptions } from './uploads.js';

export { ApiError } from './api-error.js';
export {
  checkUpload,
  formatBytes,
  type StorageDto,
  type UploadBody,
  type UploadOptions,
} from './uploads.js';

/** A user as listed by search. */
export type ListedUser = Pick<UserDto, 'id' | 'username' | 'createdAt'> & { online: boolean };

/**
 * Typed REST calls against one node. Network failures raise ApiError with code
 * `unreachable` (status 0), so callers handle one error type.
 */
export class RestApi {
  baseUrl: string;
  token: string | null;
  readonly #fetch: typeof fetch;
  readonly #cookieSession: boolean;

  constructor(options: {
    baseUrl: string;
    token?: string | null;
    fetch?: typeof fetch;
    /**
     * Browser pages: the node's HttpOnly session cookie authenticates every call, so `login`
     * does not keep the token it returns and requests go with same-origin credentials.
     */
    cookieSession?: boolean;
  }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token ?? null;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#cookieSession = options.cookieSession ?? false;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.call<T>(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /**
   * One call with the session's credentials and a body of any kind (an upload's bytes); the
   * answer's JSON, or an ApiError.
   */
  async call<T>(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<T> {
    if (this.token) init.headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await this.#fetch(this.baseUrl + path, {
        ...init,
        ...(this.#cookieSession ? { credentials: 'same-origin' as const } : {}),
      });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new ApiError(
        0,
        ClientErrorCode.Unreachable,
        `cannot reach ${this.baseUrl}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ApiError(
          res.status,
          ClientErrorCode.InvalidResponse,
          `unexpected response from ${this.baseUrl} (${res.status})`,
        );
      }
    }
    if (!res.ok) {
      const error = (
        parsed as
          | { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
          | undefined
      )?.error;
      throw new ApiError(
        res.status,
        error?.code ?? ClientErrorCode.HttpError,
        error?.message ?? `HTTP ${res.status}`,
        error?.details ?? {},
      );
    }
    return parsed as T;
  }

  /** Creates an account; `invite` is the code an invite-only node asks for (rule RG2). */
  register(username: string, password: string, invite?: string): Promise<{ user: UserDto }> {
    return this.request('POST', '/api/v1/auth/register', {
      username,
      password,
      ...(invite === undefined ? {} : { invite }),
    });
  }

  async login(username: string, password: string): Promise<{ token: string; user: UserDto }> {
    const result = await this.request<{ token: string; user: UserDto }>(
      'POST',
      '/api/v1/auth/login',
      { username, password },
    );
    if (!this.#cookieSession) this.token = result.token;
    return result;
  }

  async logout(): Promise<void> {
    await this.request('POST', '/api/v1/auth/logout');
    this.token = null;
  }

  /** The current user, and whether they are a server admin (rule AD9). */
  me(): Promise<{ user: UserDto; admin: boolean }> {
    return this.request('GET', '/api/v1/me');
  }

  deleteAccount(password: string): Promise<void> {
    return this.request('DELETE', '/api/v1/me', { password });
  }

  users(
    q = '',
    options: { limit?: number; after?: string } = {},
  ): Promise<{ users: ListedUser[]; next: string | null }> {
    const params = new URLSearchParams({ q });
    if (options.limit) params.set('limit', String(options.limit));
    if (options.after) params.set('after', options.after);
    return this.request('GET', `/api/v1/users?${params}`);
  }

  user(username: string): Promise<{ user: ListedUser }> {
    return this.request('GET', `/api/v1/users/${encodeURIComponent(username)}`);
  }

  conversations(): Promise<{ conversations: ConversationDto[] }> {
    return this.request('GET', '/api/v1/conversations');
  }

  conversation(id: string): Promise<{ conversation: ConversationDto }> {
    return this.request('GET', `/api/v1/conversations/${encodeURIComponent(id)}`);
  }

  dm(username: string): Promise<{ conversation: ConversationDto }> {
    return this.request('POST', '/api/v1/conversations/dm', { username });
  }

  createGroup(name: string, members: string[]): Promise<{ conversation: ConversationDto }> {
    return this.request('POST', '/api/v1/groups', { name, members });
  }

  renameGroup(id: string, name: string): Promise<{ conversation: ConversationDto }> {
    return this.request('PATCH', `/api/v1/conversations/${encodeURIComponent(id)}`, { name });
  }

  deleteGroup(id: string): Promise<void> {
    return this.request('DELETE', `/api/v1/conversations/${encodeURIComponent(id)}`);
  }

  members(id: string): Promise<{ members: MemberDto[] }> {
    return this.request('GET', `/api/v1/conversations/${encodeURIComponent(id)}/members`);
  }

  addMember(id: string, username: string): Promise<{ member: MemberDto }> {
    return this.request('POST', `/api/v1/conversations/${encodeURIComponent(id)}/members`, {
      username,
    });
  }

  removeMember(id: string, username: string): Promise<void> {
    return this.request(
      'DELETE',
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(username)}`,
    );
  }

  setRole(
    id: string,
    username: string,
    role: 'owner' | 'admin' | 'member',
  ): Promise<{ member: MemberDto }> {
    return this.request(
      'PATCH',
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(username)}`,
      { role },
    );
  }

  leave(id: string): Promise<void> {
    return this.request('POST', `/api/v1/conversations/${encodeURIComponent(id)}/leave`);
  }

  history(
    id: string,
    query: { before?: number; after?: number; limit?: number } = {},
  ): Promise<{ messages: MessageDto[] }> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.request(
      'GET',
      `/api/v1/conversations/${encodeURIComponent(id)}/messages?${params}`,
    );
  }

  /** One page of the whole timeline, messages and events, with seq > `after` (rule M6). */
  timeline(id: string, query: { after?: number; limit?: number } = {}): Promise<TimelinePageDto> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.request(
      'GET',
      `/api/v1/conversations/${encodeURIComponent(id)}/timeline?${params}`,
    );
  }

  /**
   * The whole timeline from seq 1, paging with `nextAfter` until the end (rule M6); entries
   * committed while it pages may be included. `limit` is the page size.
   */
  async fullTimeline(id: string, options: { limit?: number } = {}): Promise<TimelineItemDto[]> {
    const entries: TimelineItemDto[] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page = await this.timeline(id, { after, limit: options.limit });
      entries.push(...page.entries);
      after = page.nextAfter;
    }
    return entries;
  }

  editMessage(id: string, seq: number, body: string): Promise<{ message: MessageDto }> {
    return this.request(
      'PATCH',
      `/api/v1/conversations/${encodeURIComponent(id)}/messages/${seq}`,
      { body },
    );
  }

  deleteMessage(id: string, seq: number): Promise<void> {
    return this.request(
      'DELETE',
      `/api/v1/conversations/${encodeURIComponent(id)}/messages/${seq}`,
    );
  }

  markRead(id: string, seq: number): Promise<{ lastReadSeq: number }> {
    return this.request('POST', `/api/v1/conversations/${encodeURIComponent(id)}/read`, { seq });
  }

  /** One message by its seq, with its reply preview, reply count and reactions. */
  message(id: string, seq: number): Promise<{ message: MessageDto }> {
    return this.request('GET', `/api/v1/conversations/${encodeURIComponent(id)}/messages/${seq}`);
  }

  /** A page of a thread (rule R3): its root and the replies with seq > `after`. */
  thread(
    id: string,
    seq: number,
    query: { after?: number; limit?: number } = {},
  ): Promise<ThreadPageDto> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.request(
      'GET',
      `/api/v1/conversations/${encodeURIComponent(id)}/messages/${seq}/thread?${params}`,
    );
  }

  /** Adds the user's reaction (idempotent, rule R4); answers the message's reactions. */
  react(id: string, seq: number, emoji: string): Promise<{ reactions: ReactionGroupDto[] }> {
    return this.request('PUT', reactionPath(id, seq, emoji));
  }

  /** Removes the user's reaction (idempotent, rule R4); answers the message's reactions. */
  unreact(id: string, seq: number, emoji: string): Promise<{ reactions: ReactionGroupDto[] }> {
    return this.request('DELETE', reactionPath(id, seq, emoji));
  }

  /** Messages that mention the user, newest first (rule R8); page on with `nextBefore`. */
  mentions(query: { before?: string; limit?: number } = {}): Promise<MentionsPageDto> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.request('GET', `/api/v1/mentions?${params}`);
  }

  /** Who may mention @all in a group (owners and admins, rule R7). */
  setGroupSettings(
    id: string,
    settings: { allMentions: AllMentionsPolicyDto },
  ): Promise<{ conversation: ConversationDto }> {
    return this.request(
      'PUT',
      `/api/v1/conversations/${encodeURIComponent(id)}/settings`,
      settings,
    );
  }

  /** The user's own settings (rule R9). */
  settings(): Promise<{ settings: UserSettingsDto }> {
    return this.request('GET', '/api/v1/me/settings');
  }

  updateSettings(patch: Partial<UserSettingsDto>): Promise<{ settings: UserSettingsDto }> {
    return this.request('PATCH', '/api/v1/me/settings', patch);
  }

  /**
   * Do-not-disturb (rule N4): no notification of any kind until `until` (epoch ms); null
   * turns it off.
   */
  setDoNotDisturb(until: number | null): Promise<{ settings: UserSettingsDto }> {
    return this.updateSettings({ doNotDisturbUntil: until });
  }

  /** Mutes or unmutes a conversation for the user (rule N3): no bell, no notification. */
  setMuted(conversationId: string, muted: boolean): Promise<{ muted: boolean }> {
    return this.request('PUT', `/api/v1/conversations/${encodeURIComponent(conversationId)}/mute`, {
      muted,
    });
  }

  /**
   * Full-text search over the user's conversations (rules Q1-Q4), newest first unless
   * `order: 'relevance'`; `conversation` and `sender` (a username) narrow it, `cursor` (a
   * page's `nextCursor`) pages on.
   */
  search(
    q: string,
    filters: {
      conversation?: string;
      sender?: string;
      order?: 'newest' | 'relevance';
      cursor?: string;
      limit?: number;
    } = {},
  ): Promise<SearchPageDto> {
    const params = new URLSearchParams({ q });
    for (const [k, v] of Object.entries(filters)) if (v !== undefined) params.set(k, String(v));
    return this.request('GET', `/api/v1/search?${params}`);
  }

  /** The user's storage figures (rule F1), so an oversize file is refused before it is sent. */
  storage(): Promise<StorageDto> {
    return this.request('GET', '/api/v1/me/storage');
  }

  /**
   * Uploads one file (rule F1) as the raw request body, streamed when `body` is a stream;
   * answers the unattached upload, whose id a send then attaches (rule F3). Refused before a
   * byte is sent, with the code the server would answer, when the file is empty
   * (`invalid_request`), larger than the node's `maxUploadBytes` (`payload_too_large`) or past
   * the user's quota (`quota_exceeded`).
   */
  uploadFile(body: UploadBody, name: string, options: UploadOptions = {}): Promise<AttachmentDto> {
    return upload(this, body, name, options);
  }

  /** Removes an upload not attached to any message (rule F7). */
  deleteUpload(fileId: string): Promise<void> {
    return this.request('DELETE', `/api/v1/files/${encodeURIComponent(fileId)}`);
  }

  /** A file's absolute URL on this node (rule F4); `download` asks for `attachment`. */
  fileUrl(fileId: string, options: { download?: boolean } = {}): string {
    return `${this.baseUrl}/api/v1/files/${encodeURIComponent(fileId)}${options.download ? '?download=1' : ''}`;
  }
}

function reactionPath(id: string, seq: number, emoji: string): string {
  return `/api/v1/conversations/${encodeURIComponent(id)}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;
}
