import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AdminApi, AdminUser, UserStatus } from '../../lib/admin-api.js';
import { formatWhen, statusOf } from '../../lib/admin-api.js';
import { describeError } from '../../lib/errors.js';
import { UserDialog } from './user-dialog.js';

const PAGE = 50;

const STATUS_LABEL: Record<UserStatus, string> = {
  active: 'Active',
  suspended: 'Suspended',
  deleted: 'Deleted',
};

/** The users table: search by name, filter by status, paged ("More users"); Manage opens one. */
export function UsersPanel({ api, me }: { api: AdminApi; me: string }) {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<UserStatus | ''>('');
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [open, setOpen] = useState<AdminUser | null>(null);

  // Typing settles for a moment before the node is asked.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(q.trim()), 250);
    return () => clearTimeout(timer);
  }, [q]);

  const load = useCallback(
    async (after?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.users({ q: query, status, after, limit: PAGE });
        setUsers((prev) => (after && prev ? [...prev, ...page.users] : page.users));
        setNext(page.next);
      } catch (err) {
        setError(describeError(err));
      } finally {
        setLoading(false);
      }
    },
    [api, query, status],
  );

  useEffect(() => {
    void load();
  }, [load]);

  /** A user changed in the dialog (it stays open on them), or was deleted (null: reload). */
  const changed = (user: AdminUser | null) => {
    if (!user) {
      setOpen(null);
      return void load();
    }
    setUsers((prev) => prev && prev.map((u) => (u.id === user.id ? user : u)));
    setOpen(user);
  };

  return (
    <div class="admin-users">
      <div class="admin-filters" role="search">
        <div class="field">
          <label for="admin-user-search">Search users</label>
          <input
            id="admin-user-search"
            type="search"
            autocomplete="off"
            spellcheck={false}
            placeholder="Username or email"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="admin-user-status">Status</label>
          <select
            id="admin-user-status"
            value={status}
            onChange={(e) => setStatus(e.currentTarget.value as UserStatus | '')}
          >
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="suspended">Suspended</option>
            <option value="deleted">Deleted</option>
          </select>
        </div>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {users !== null && users.length === 0 && !loading && (
        <p class="field-hint" role="status">
          No users match.
        </p>
      )}
      {users !== null && users.length > 0 && (
        <table class="admin-table" aria-label="Users" aria-busy={loading}>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => {
              const s = statusOf(user);
              return (
                <tr key={user.id} data-username={user.username}>
                  <th scope="row" data-label="User">
                    <span class="admin-username">{user.username}</span>
                    {user.admin && <span class="admin-badge admin-badge-admin">Admin</span>}
                    {user.id === me && <span class="admin-badge">You</span>}
                    {user.email && <span class="admin-email">{user.email}</span>}
                  </th>
                  <td data-label="Status">
                    <span class={`status status-${s}`}>{STATUS_LABEL[s]}</span>
                    {s === 'suspended' && user.suspendedReason && (
                      <span class="admin-reason">{user.suspendedReason}</span>
                    )}
                  </td>
                  <td data-label="Created">{formatWhen(user.createdAt)}</td>
                  <td data-label="Last seen">{formatWhen(user.lastSeenAt)}</td>
                  <td class="admin-actions">
                    <button
                      type="button"
                      class="button button-small"
                      aria-label={`Manage ${user.username}`}
                      onClick={() => setOpen(user)}
                    >
                      Manage
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="button" disabled={loading} onClick={() => void load(next)}>
          {loading ? 'Loading…' : 'More users'}
        </button>
      )}
      {open && (
        <UserDialog
          api={api}
          user={open}
          self={open.id === me}
          onChanged={changed}
          onClose={() => setOpen(null)}
        />
      )}
    </div>
  );
}
