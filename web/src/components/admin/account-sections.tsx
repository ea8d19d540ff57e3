import { useEffect, useMemo, useState } from 'preact/hooks';
import { ErrorCode } from '../../../../src/client/index.js';
import { adminApi, navigate } from '../../lib/admin-api.js';
import { describeError, errorCode } from '../../lib/errors.js';
import type { ChatStore } from '../../state/chat-store.js';
import { InviteCreator } from './invite-creator.js';

/** What the account dialog learns once about the user's rights: admin, may invite. */
export function useAccountRights(store: ChatStore) {
  const api = useMemo(() => adminApi(store.client.api), [store]);
  const [rights, setRights] = useState<{ admin: boolean; canInvite: boolean } | null>(null);
  useEffect(() => {
    let live = true;
    void Promise.all([
      api.me().catch(() => ({ admin: false })),
      api.registration().catch(() => null),
    ]).then(([me, registration]) => {
      if (!live) return;
      const admin = me.admin === true;
      setRights({ admin, canInvite: admin || registration?.membersCanInvite === true });
    });
    return () => {
      live = false;
    };
  }, [api]);
  return { api, rights };
}

/** The link to the admin page, for admins. */
export function AdminLink({ onClose }: { onClose: () => void }) {
  return (
    <section class="settings-section" aria-labelledby="account-admin">
      <h3 id="account-admin">Administration</h3>
      <p class="field-hint">Users, registration, invites and the audit log of this server.</p>
      <a
        class="button"
        href="/admin"
        onClick={(e) => {
          e.preventDefault();
          onClose();
          navigate('/admin');
        }}
      >
        Open the admin page
      </a>
    </section>
  );
}

/**
 * The user's own data as a JSON archive (rule EX7): a plain same-origin download, so the
 * session cookie goes with it and the browser saves the file the node names.
 */
export function DataSection() {
  return (
    <section class="settings-section" aria-labelledby="account-data">
      <h3 id="account-data">Your data</h3>
      <p class="field-hint">
        Your account, settings, conversations and the messages you can read, as one JSON file.
      </p>
      <a class="button" href="/api/v1/me/export" download>
        Download my data
      </a>
    </section>
  );
}

/** Invite links, for members when the server lets them invite (and for admins). */
export function InviteSection({ store }: { store: ChatStore }) {
  const api = useMemo(() => adminApi(store.client.api), [store]);
  return (
    <section class="settings-section" aria-labelledby="account-invite">
      <h3 id="account-invite">Invite people</h3>
      <p class="field-hint">A link that lets someone create an account on this server.</p>
      <InviteCreator api={api} />
    </section>
  );
}

/** Change password: the current one confirms it; the user's other sessions end (rule RG6). */
export function PasswordSection({ store }: { store: ChatStore }) {
  const api = useMemo(() => adminApi(store.client.api), [store]);
  const [open, setOpen] = useState(false);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!current) return setError('Enter your current password.');
    const length = [...next].length;
    if (length < 8) return setError('Passwords need at least 8 characters.');
    if (length > 128) return setError('Passwords are at most 128 characters.');
    if (next !== repeat) return setError('The two new passwords differ.');
    setBusy(true);
    setError(null);
    try {
      await api.changePassword(current, next);
      setDone(true);
      setOpen(false);
      setCurrent('');
      setNext('');
      setRepeat('');
    } catch (err) {
      setError(
        errorCode(err) === ErrorCode.Forbidden
          ? 'Your current password is not right.'
          : describeError(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="account-password">
      <h3 id="account-password">Password</h3>
      {done && (
        <p class="form-notice" role="status">
          Password changed. Your other devices are logged out.
        </p>
      )}
      {!open ? (
        <button
          type="button"
          class="button"
          onClick={() => {
            setOpen(true);
            setDone(false);
          }}
        >
          Change password…
        </button>
      ) : (
        <form class="form" onSubmit={(e) => void submit(e)} noValidate>
          <div class="field">
            <label for="password-current">Current password</label>
            <input
              id="password-current"
              type="password"
              autocomplete="current-password"
              autoFocus
              value={current}
              onInput={(e) => setCurrent(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="password-new">New password</label>
            <input
              id="password-new"
              type="password"
              autocomplete="new-password"
              maxLength={128}
              value={next}
              aria-describedby="password-new-hint"
              onInput={(e) => setNext(e.currentTarget.value)}
            />
            <p class="field-hint" id="password-new-hint">
              At least 8 characters. Your other devices are logged out.
            </p>
          </div>
          <div class="field">
            <label for="password-repeat">Repeat the new password</label>
            <input
              id="password-repeat"
              type="password"
              autocomplete="new-password"
              maxLength={128}
              value={repeat}
              onInput={(e) => setRepeat(e.currentTarget.value)}
            />
          </div>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <div class="danger-actions">
            <button
              type="button"
              class="button"
              onClick={() => {
                setOpen(false);
                setError(null);
              }}
            >
              Cancel
            </button>
            <button type="submit" class="button button-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Change password'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** The email address for password resets: private (only the user and admins see it). */
export function EmailSection({ store }: { store: ChatStore }) {
  const [email, setEmail] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    store.client.api.settings().then(
      ({ settings }) => {
        if (!live) return;
        const value = settings.email ?? '';
        setEmail(value);
        setDraft(value);
      },
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, [store]);

  const save = async (e: Event) => {
    e.preventDefault();
    const value = draft.trim();
    if (value && !/^[^\s@]+@[^\s@]+$/.test(value))
      return setError('Enter an email address like name@example.org, or leave it empty.');
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const { settings } = await store.client.api.updateSettings({ email: value || null });
      const stored = settings.email ?? '';
      setEmail(stored);
      setDraft(stored);
      setSaved(true);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="account-email">
      <h3 id="account-email">Email</h3>
      <form class="form" onSubmit={(e) => void save(e)} noValidate>
        <div class="field">
          <label for="account-email-input">Email address</label>
          <div class="copy-row">
            <input
              id="account-email-input"
              type="email"
              autocomplete="email"
              maxLength={254}
              disabled={email === null}
              value={draft}
              aria-describedby="account-email-hint"
              onInput={(e) => {
                setDraft(e.currentTarget.value);
                setSaved(false);
              }}
            />
            <button
              type="submit"
              class="button"
              disabled={busy || email === null || draft.trim() === email}
            >
              Save email
            </button>
          </div>
          <p class="field-hint" id="account-email-hint" aria-live="polite">
            {saved
              ? 'Email saved.'
              : 'Only you and the administrators see it. Used to send you a password reset link.'}
          </p>
        </div>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
