import type { RestApi } from '../../../src/client/index.js';

/**
 * The issue-16 routes the web UI calls (administration, registration, invites, passwords),
 * typed here as the contract gives them and called through the client's `request`, so the
 * page needs nothing more from the client library than its session and its errors.
 */

export type RegistrationMode = 'open' | 'invite' | 'closed';
export type UserStatus = 'active' | 'suspended' | 'deleted';

export interface AdminUser {
  id: string;
  username: string;
  createdAt: number;
  deletedAt: number | null;
  admin: boolean;
  suspendedAt: number | null;
  suspendedReason: string | null;
  lastSeenAt: number | null;
  email: string | null;
}

/** A user's status: deleted, suspended, or active. */
export function statusOf(user: AdminUser): UserStatus {
  if (user.deletedAt !== null) return 'deleted';
  if (user.suspendedAt !== null) return 'suspended';
  return 'active';
}

export interface UserRef {
  userId: string;
  username: string;
}

export interface Invite {
  id: string;
  createdBy: UserRef;
  createdAt: number;
  expiresAt: number;
  maxUses: number;
  uses: number;
  revokedAt: number | null;
}

export interface NewInvite extends Invite {
  code: string;
  url: string;
}

export interface AuditEntry {
  id: string | number;
  at: number;
  actor: UserRef | null;
  action: string;
  targetUser: UserRef | string | null;
  targetConversationId: string | null;
  data: Record<string, unknown> | null;
}

export interface RegistrationSettings {
  mode: RegistrationMode;
  membersCanInvite?: boolean;
}

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== '',
  );
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

const user = (id: string) => `/api/v1/admin/users/${encodeURIComponent(id)}`;

/** The calls, on one node's REST API (the page's client's `api`). */
export function adminApi(api: RestApi) {
  return {
    /** GET /api/v1/me with the extra `admin` field. */
    me: () => api.request<{ admin?: boolean }>('GET', '/api/v1/me'),

    users: (p: { q?: string; status?: UserStatus | ''; after?: string; limit?: number }) =>
      api.request<{ users: AdminUser[]; next: string | null }>(
        'GET',
        `/api/v1/admin/users${query(p)}`,
      ),
    suspend: (id: string, reason: string) =>
      api.request<{ user: AdminUser }>('POST', `${user(id)}/suspend`, reason ? { reason } : {}),
    unsuspend: (id: string) => api.request<{ user: AdminUser }>('POST', `${user(id)}/unsuspend`),
    deleteUser: (id: string, messages: 'keep' | 'erase') =>
      api.request<unknown>('DELETE', `${user(id)}${query({ messages })}`),
    setAdmin: (id: string, admin: boolean) =>
      api.request<unknown>(admin ? 'PUT' : 'DELETE', `${user(id)}/admin`),
    issueReset: (id: string, send = false) =>
      api.request<{ url: string; expiresAt: number; sent: boolean }>(
        'POST',
        `${user(id)}/password-reset`,
        { send },
      ),
    audit: (p: { before?: string | number; limit?: number }) =>
      api.request<{ entries: AuditEntry[]; nextBefore: string | number | null }>(
        'GET',
        `/api/v1/admin/audit${query({ before: p.before, limit: p.limit })}`,
      ),

    registration: () => api.request<RegistrationSettings>('GET', '/api/v1/auth/registration'),
    setRegistration: (s: { mode?: RegistrationMode; membersCanInvite?: boolean }) =>
      api.request<RegistrationSettings>('PUT', '/api/v1/admin/registration', s),

    invites: () => api.request<{ invites: Invite[] }>('GET', '/api/v1/invites'),
    createInvite: (p: { expiresInHours: number; maxUses: number }) =>
      api.request<{ invite: NewInvite }>('POST', '/api/v1/invites', p),
    revokeInvite: (id: string) =>
      api.request<unknown>('DELETE', `/api/v1/invites/${encodeURIComponent(id)}`),
    checkInvite: (code: string) =>
      api.request<{ valid: boolean; expiresAt: number }>(
        'GET',
        `/api/v1/invites/check${query({ code })}`,
      ),

    register: (username: string, password: string, invite?: string) =>
      api.request<unknown>('POST', '/api/v1/auth/register', {
        username,
        password,
        ...(invite ? { invite } : {}),
      }),
    changePassword: (currentPassword: string, newPassword: string) =>
      api.request<unknown>('POST', '/api/v1/me/password', { currentPassword, newPassword }),
    forgot: (username: string) => api.request<unknown>('POST', '/api/v1/auth/forgot', { username }),
    resetPassword: (token: string, password: string) =>
      api.request<unknown>('POST', '/api/v1/auth/password-reset', { token, password }),
  };
}

export type AdminApi = ReturnType<typeof adminApi>;

/** The client-side routes of the page beside the chat (`/`, `/c/<id>`). */
export type Route =
  | { kind: 'chat' }
  | { kind: 'admin' }
  | { kind: 'invite'; code: string }
  | { kind: 'reset'; token: string };

export function routeOf(pathname: string): Route {
  if (pathname === '/admin' || pathname === '/admin/') return { kind: 'admin' };
  const invite = /^\/invite\/([^/]+)$/.exec(pathname);
  if (invite) return { kind: 'invite', code: decodeURIComponent(invite[1]!) };
  const reset = /^\/reset\/([^/]+)$/.exec(pathname);
  if (reset) return { kind: 'reset', token: decodeURIComponent(reset[1]!) };
  return { kind: 'chat' };
}

/** Goes to `path` in this page (no reload); everyone watching `popstate` follows. */
export function navigate(path: string): void {
  if (location.pathname === path) return;
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A timestamp for tables: "12 Mar 2026, 14:05", or the dash for none. */
export function formatWhen(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : dateTime.format(ms);
}

/** Copies text; false when the browser refuses (the text stays selectable on screen). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
