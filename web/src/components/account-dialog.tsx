import { useEffect, useState } from 'preact/hooks';
import { ErrorCode } from '../../../src/client/index.js';
import { describeError, errorCode } from '../lib/errors.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';
import { LogOutIcon } from './icons.js';

const joinedFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

/** The account: who you are, log out, delete the account (password and a second click). */
export function AccountDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [password, setPassword] = useState('');
  const [confirmed, setConfirmed] = useState(false);

  const logout = async () => {
    setBusy(true);
    try {
      await store.logout();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const deleteAccount = async (e: Event) => {
    e.preventDefault();
    if (!password) return setError('Enter your password to confirm.');
    if (!confirmed)
      return setError('Tick the box to confirm that you want to delete your account.');
    setBusy(true);
    setError(null);
    try {
      await store.deleteAccount(password);
    } catch (err) {
      setError(
        errorCode(err) === ErrorCode.Forbidden ? 'That password is not right.' : describeError(err),
      );
      setBusy(false);
    }
  };

  return (
    <Dialog title="Account" onClose={onClose} size="sm">
      <div class="account-card">
        <Avatar name={store.me.username} size="lg" />
        <div>
          <p class="account-username">{store.me.username}</p>
          <p class="field-hint">Member since {joinedFormat.format(store.me.createdAt)}</p>
        </div>
      </div>
      <button
        type="button"
        class="button button-block"
        disabled={busy}
        onClick={() => void logout()}
      >
        <LogOutIcon size={18} /> Log out
      </button>
      {error && !deleting && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <PrivacySettings store={store} />
      <section class="settings-section settings-danger" aria-labelledby="account-delete">
        <h3 id="account-delete">Delete account</h3>
        {!deleting ? (
          <>
            <p class="field-hint">
              Your messages stay in their conversations, shown as from “[deleted]”. Groups you own
              pass to another member. Your username becomes free.
            </p>
            <button type="button" class="button button-danger" onClick={() => setDeleting(true)}>
              Delete account…
            </button>
          </>
        ) : (
          <form class="form" onSubmit={(e) => void deleteAccount(e)}>
            <p class="field-hint">This can't be undone. Enter your password to confirm.</p>
            <div class="field">
              <label for="delete-password">Password</label>
              <input
                id="delete-password"
                type="password"
                autocomplete="current-password"
                autoFocus
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </div>
            <label class="checkbox">
              <input
                type="checkbox"
                checked={confirmed}
                onChange={(e) => setConfirmed(e.currentTarget.checked)}
              />
              I understand that my account will be deleted for good.
            </label>
            {error && (
              <p class="form-error" role="alert">
                {error}
              </p>
            )}
            <div class="danger-actions">
              <button type="button" class="button" onClick={() => setDeleting(false)}>
                Cancel
              </button>
              <button type="submit" class="button button-danger" disabled={busy}>
                Delete my account
              </button>
            </div>
          </form>
        )}
      </section>
    </Dialog>
  );
}

/**
 * Whether others see how far the user has read (rule R9): off, the node sends no receipts of
 * theirs and shows them to no one; they still see the other members'.
 */
function PrivacySettings({ store }: { store: ChatStore }) {
  const [share, setShare] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    store.client.api.settings().then(
      ({ settings }) => live && setShare(settings.shareReadMarkers),
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, [store]);

  const change = async (next: boolean) => {
    setBusy(true);
    setError(null);
    setShare(next);
    try {
      const { settings } = await store.client.api.updateSettings({ shareReadMarkers: next });
      setShare(settings.shareReadMarkers);
    } catch (err) {
      setShare(!next);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="account-privacy">
      <h3 id="account-privacy">Privacy</h3>
      <label class="switch-row">
        <input
          type="checkbox"
          role="switch"
          class="switch"
          checked={share ?? false}
          disabled={share === null || busy}
          aria-describedby="read-receipts-hint"
          onChange={(e) => void change(e.currentTarget.checked)}
        />
        <span>Share read receipts</span>
      </label>
      <p class="field-hint" id="read-receipts-hint">
        {share === false
          ? 'Others don’t see when you have read their messages. You still see when they have read yours.'
          : 'Others see when you have read their messages (“Seen”).'}
      </p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
