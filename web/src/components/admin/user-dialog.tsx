import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorCode } from '../../../../src/client/index.js';
import type { AdminApi, AdminUser } from '../../lib/admin-api.js';
import { formatWhen, statusOf } from '../../lib/admin-api.js';
import { describeError, errorCode } from '../../lib/errors.js';
import { Dialog } from '../dialog.js';
import { CopyField } from './copy-field.js';

const REASON_MAX = 500;

/**
 * One user's admin actions: suspend (with a reason) or unsuspend, make or revoke admin, a
 * one-time password reset link (shown with Copy, optionally emailed), delete (messages kept
 * as "[deleted]" or erased, confirmed with a tick).
 */
export function UserDialog(props: {
  api: AdminApi;
  user: AdminUser;
  /** The admin looking at their own account: no suspend or delete here. */
  self: boolean;
  onChanged: (user: AdminUser | null) => void;
  onClose: () => void;
}) {
  const { api, user, self } = props;
  const status = statusOf(user);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [reset, setReset] = useState<{ url: string; expiresAt: number; sent: boolean } | null>(
    null,
  );
  const [sendReset, setSendReset] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [messages, setMessages] = useState<'keep' | 'erase'>('keep');
  const [confirmed, setConfirmed] = useState(false);

  // After a suspend or unsuspend the pressed control is gone: focus goes to its opposite.
  const refocus = useRef(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const unsuspendRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!refocus.current || busy) return;
    refocus.current = false;
    (status === 'suspended' ? unsuspendRef : reasonRef).current?.focus();
  }, [status, busy]);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(
        errorCode(err) === ErrorCode.Conflict
          ? `${describeError(err)} (A server keeps at least one admin.)`
          : describeError(err),
      );
    } finally {
      setBusy(false);
    }
  };

  const suspend = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const { user: next } = await api.suspend(user.id, reason.trim());
      setReason('');
      refocus.current = true;
      props.onChanged(next);
    });
  };

  const unsuspend = () =>
    void run(async () => {
      const { user: next } = await api.unsuspend(user.id);
      refocus.current = true;
      props.onChanged(next);
    });

  const setAdmin = (admin: boolean) =>
    void run(async () => {
      await api.setAdmin(user.id, admin);
      props.onChanged({ ...user, admin });
    });

  const issueReset = () =>
    void run(async () => {
      setReset(await api.issueReset(user.id, sendReset));
    });

  const remove = (e: Event) => {
    e.preventDefault();
    if (!confirmed) return setError(`Tick the box to confirm deleting ${user.username}.`);
    void run(async () => {
      await api.deleteUser(user.id, messages);
      props.onChanged(null);
    });
  };

  return (
    <Dialog
      title={user.username}
      subtitle={`${status === 'active' ? 'Active' : status === 'suspended' ? 'Suspended' : 'Deleted'}${
        user.admin ? ' · Admin' : ''
      } · created ${formatWhen(user.createdAt)}`}
      onClose={props.onClose}
      size="sm"
    >
      <dl class="admin-facts">
        <dt>Last seen</dt>
        <dd>{formatWhen(user.lastSeenAt)}</dd>
        <dt>Email</dt>
        <dd>{user.email ?? '—'}</dd>
        {status === 'suspended' && (
          <>
            <dt>Suspended</dt>
            <dd>
              {formatWhen(user.suspendedAt)}
              {user.suspendedReason ? `: ${user.suspendedReason}` : ''}
            </dd>
          </>
        )}
      </dl>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {status === 'deleted' ? (
        <p class="field-hint">
          This account was deleted{user.deletedAt ? ` on ${formatWhen(user.deletedAt)}` : ''}.
        </p>
      ) : (
        <>
          {!self && status === 'active' && (
            <section class="settings-section" aria-labelledby="admin-suspend">
              <h3 id="admin-suspend">Suspend</h3>
              <form class="form" onSubmit={suspend}>
                <div class="field">
                  <label for="admin-suspend-reason">Reason (the user sees it)</label>
                  <textarea
                    ref={reasonRef}
                    id="admin-suspend-reason"
                    rows={2}
                    maxLength={REASON_MAX}
                    value={reason}
                    onInput={(e) => setReason(e.currentTarget.value)}
                  />
                  <p class="field-hint">
                    They are logged out at once on every device and cannot log in until you
                    unsuspend them.
                  </p>
                </div>
                <button type="submit" class="button button-danger" disabled={busy}>
                  Suspend {user.username}
                </button>
              </form>
            </section>
          )}
          {status === 'suspended' && (
            <section class="settings-section" aria-labelledby="admin-unsuspend">
              <h3 id="admin-unsuspend">Suspended</h3>
              <button
                ref={unsuspendRef}
                type="button"
                class="button"
                disabled={busy}
                onClick={unsuspend}
              >
                Unsuspend {user.username}
              </button>
            </section>
          )}
          <section class="settings-section" aria-labelledby="admin-role">
            <h3 id="admin-role">Admin role</h3>
            <p class="field-hint">
              {user.admin
                ? 'Admins manage users, registration and invites, and delete any message.'
                : 'Not an admin.'}
            </p>
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() => setAdmin(!user.admin)}
            >
              {user.admin ? 'Revoke admin' : 'Make admin'}
            </button>
          </section>
          <section class="settings-section" aria-labelledby="admin-reset">
            <h3 id="admin-reset">Password reset</h3>
            {reset ? (
              <CopyField
                label="Reset link"
                value={reset.url}
                hint={`${reset.sent ? 'Emailed to them, and shown' : 'Shown'} only now. Works once, until ${formatWhen(reset.expiresAt)}.`}
              />
            ) : (
              <>
                <p class="field-hint">
                  A link that sets a new password, once, within an hour. Give it to them.
                </p>
                {user.email && (
                  <label class="checkbox">
                    <input
                      type="checkbox"
                      checked={sendReset}
                      onChange={(e) => setSendReset(e.currentTarget.checked)}
                    />
                    Also email it to {user.email}
                  </label>
                )}
                <button type="button" class="button" disabled={busy} onClick={issueReset}>
                  Create reset link
                </button>
              </>
            )}
          </section>
          {!self && (
            <section class="settings-section settings-danger" aria-labelledby="admin-delete">
              <h3 id="admin-delete">Delete user</h3>
              {!deleting ? (
                <button
                  type="button"
                  class="button button-danger"
                  onClick={() => setDeleting(true)}
                >
                  Delete {user.username}…
                </button>
              ) : (
                <form class="form" onSubmit={remove}>
                  <fieldset class="radio-group">
                    <legend>Their messages</legend>
                    <label class="radio">
                      <input
                        type="radio"
                        name="admin-delete-messages"
                        checked={messages === 'keep'}
                        onChange={() => setMessages('keep')}
                      />
                      Keep them, shown as from “[deleted]”
                    </label>
                    <label class="radio">
                      <input
                        type="radio"
                        name="admin-delete-messages"
                        checked={messages === 'erase'}
                        onChange={() => setMessages('erase')}
                      />
                      Erase them everywhere
                    </label>
                  </fieldset>
                  <label class="checkbox">
                    <input
                      type="checkbox"
                      checked={confirmed}
                      onChange={(e) => setConfirmed(e.currentTarget.checked)}
                    />
                    I understand that {user.username}’s account is deleted for good.
                  </label>
                  <div class="danger-actions">
                    <button type="button" class="button" onClick={() => setDeleting(false)}>
                      Cancel
                    </button>
                    <button type="submit" class="button button-danger" disabled={busy}>
                      Delete user
                    </button>
                  </div>
                </form>
              )}
            </section>
          )}
        </>
      )}
    </Dialog>
  );
}
