import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AdminApi, AuditEntry } from '../../lib/admin-api.js';
import { formatWhen } from '../../lib/admin-api.js';
import { describeError } from '../../lib/errors.js';

const PAGE = 50;

/** Words for the audit actions the node records; others show as their dotted name. */
const ACTIONS: Record<string, string> = {
  'user.suspended': 'suspended',
  'user.unsuspended': 'unsuspended',
  'user.deleted': 'deleted',
  'admin.granted': 'made admin',
  'admin.revoked': 'revoked admin from',
  'message.removed': 'removed a message of',
  'registration.changed': 'changed registration',
  'invite.created': 'created an invite',
  'invite.revoked': 'revoked an invite',
  'password.reset_issued': 'issued a password reset link for',
};

function target(entry: AuditEntry): string {
  const t = entry.targetUser;
  if (t === null || t === undefined) return '';
  return typeof t === 'string' ? t : t.username;
}

function details(entry: AuditEntry): string {
  if (!entry.data) return '';
  return Object.entries(entry.data)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** The audit log of admin actions, newest first, a page at a time ("Older entries"). */
export function AuditPanel({ api }: { api: AdminApi }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [before, setBefore] = useState<string | number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (from?: string | number) => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.audit({ before: from, limit: PAGE });
        setEntries((prev) =>
          from !== undefined && prev ? [...prev, ...page.entries] : page.entries,
        );
        setBefore(page.nextBefore);
      } catch (err) {
        setError(describeError(err));
      } finally {
        setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div class="admin-audit">
      <div class="admin-toolbar">
        <h2>Audit log</h2>
        <button
          type="button"
          class="button button-small"
          disabled={loading}
          onClick={() => void load()}
        >
          Refresh
        </button>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {entries !== null && entries.length === 0 && <p class="field-hint">Nothing recorded yet.</p>}
      {entries !== null && entries.length > 0 && (
        <table class="admin-table" aria-label="Audit log" aria-busy={loading}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id} data-action={entry.action}>
                <th scope="row" data-label="When">
                  {formatWhen(entry.at)}
                </th>
                <td data-label="Who">{entry.actor?.username ?? 'server host'}</td>
                <td data-label="Action">
                  <span title={entry.action}>{ACTIONS[entry.action] ?? entry.action}</span>
                </td>
                <td data-label="Target">
                  {target(entry)}
                  {entry.targetConversationId
                    ? ` (conversation ${entry.targetConversationId})`
                    : ''}
                </td>
                <td data-label="Details" class="admin-details">
                  {details(entry)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {before !== null && before !== undefined && (
        <button type="button" class="button" disabled={loading} onClick={() => void load(before)}>
          {loading ? 'Loading…' : 'Older entries'}
        </button>
      )}
    </div>
  );
}
