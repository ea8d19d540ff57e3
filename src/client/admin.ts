import type { AdminUserDto, AdminUserStatusDto, AuditEntryDto } from '../protocol/admin-schemas.js';
import type { RestApi } from './rest.js';

export type { AdminUserDto, AdminUserStatusDto, AuditEntryDto } from '../protocol/admin-schemas.js';

/** The server admin routes (/api/v1/admin, rules AD3-AD8), over a node's RestApi. */
export class AdminApi {
  readonly #api: RestApi;

  constructor(api: RestApi) {
    this.#api = api;
  }

  /** A page of accounts by username; `after` is the previous page's `next`. */
  users(
    options: { q?: string; status?: AdminUserStatusDto; limit?: number; after?: string } = {},
  ): Promise<{ users: AdminUserDto[]; next: string | null }> {
    const params = new URLSearchParams();
    if (options.q) params.set('q', options.q);
    if (options.status) params.set('status', options.status);
    if (options.limit) params.set('limit', String(options.limit));
    if (options.after) params.set('after', options.after);
    return this.#api.request('GET', `/api/v1/admin/users?${params}`);
  }

  user(id: string): Promise<{ user: AdminUserDto }> {
    return this.#api.request('GET', `/api/v1/admin/users/${encodeURIComponent(id)}`);
  }

  suspend(id: string, reason?: string): Promise<{ user: AdminUserDto }> {
    return this.#api.request(
      'POST',
      `/api/v1/admin/users/${encodeURIComponent(id)}/suspend`,
      reason === undefined ? {} : { reason },
    );
  }

  unsuspend(id: string): Promise<{ user: AdminUserDto }> {
    return this.#api.request('POST', `/api/v1/admin/users/${encodeURIComponent(id)}/unsuspend`);
  }

  /** Deletes the account; `erase` also erases each of its messages (rule AD6). */
  deleteUser(id: string, messages: 'keep' | 'erase' = 'keep'): Promise<void> {
    return this.#api.request(
      'DELETE',
      `/api/v1/admin/users/${encodeURIComponent(id)}?messages=${messages}`,
    );
  }

  grantAdmin(id: string): Promise<{ user: AdminUserDto }> {
    return this.#api.request('PUT', `/api/v1/admin/users/${encodeURIComponent(id)}/admin`);
  }

  revokeAdmin(id: string): Promise<{ user: AdminUserDto }> {
    return this.#api.request('DELETE', `/api/v1/admin/users/${encodeURIComponent(id)}/admin`);
  }

  /** A page of the audit log, newest first; `before` is the previous page's `nextBefore`. */
  audit(
    options: { before?: string; limit?: number } = {},
  ): Promise<{ entries: AuditEntryDto[]; nextBefore: string | null }> {
    const params = new URLSearchParams();
    if (options.before) params.set('before', options.before);
    if (options.limit) params.set('limit', String(options.limit));
    return this.#api.request('GET', `/api/v1/admin/audit?${params}`);
  }

  /** The live account named `username` (searched exactly), or null. */
  async findUser(username: string): Promise<AdminUserDto | null> {
    const wanted = username.trim().toLowerCase();
    const { users } = await this.users({ q: wanted, status: undefined, limit: 100 });
    return users.find((u) => u.username === wanted && u.deletedAt === null) ?? null;
  }
}
