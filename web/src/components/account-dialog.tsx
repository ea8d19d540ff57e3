import { useEffect, useState } from 'preact/hooks';
import { ErrorCode } from '../../../src/client/index.js';
import { describeError, errorCode } from '../lib/errors.js';
import {
  dndText,
  FOREVER,
  notificationPermission,
  pushSupported,
  type Permission,
} from '../lib/notifications.js';
import type { ChatStore } from '../state/chat-store.js';
import {
  AdminLink,
  DataSection,
  EmailSection,
  InviteSection,
  PasswordSection,
  useAccountRights,
} from './admin/account-sections.js';
import { AppearanceSettings } from './appearance.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';
import { ProfileEditor } from './profile-editor.js';
import { BellIcon, LogOutIcon } from './icons.js';

const joinedFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

/**
 * The account: who you are, log out, password and email, invites (when allowed), the admin
 * page (admins), notifications and privacy, delete the account (password and a second click).
 */
export function AccountDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const { rights } = useAccountRights(store);
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
        <Avatar name={store.me.username} userId={store.me.id} size="lg" />
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
      <ProfileEditor store={store} />
      <AppearanceSettings />
      {rights?.admin && <AdminLink onClose={onClose} />}
      <PasswordSection store={store} />
      <EmailSection store={store} />
      <DataSection />
      {rights?.canInvite && <InviteSection store={store} />}
      <NotificationSettings store={store} />
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

/** The do-not-disturb choices (UI8): how long from now, as an epoch ms, or null for off. */
const DND_CHOICES: ReadonlyArray<{
  id: string;
  label: string;
  until: (now: Date) => number | null;
}> = [
  { id: 'off', label: 'Off', until: () => null },
  { id: 'hour', label: 'For 1 hour', until: (now) => now.getTime() + 3_600_000 },
  {
    id: 'morning',
    label: 'Until tomorrow, 8:00',
    until: (now) =>
      new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 8, 0, 0, 0).getTime(),
  },
  { id: 'forever', label: 'Until I turn it off', until: () => FOREVER },
];

/**
 * Desktop notifications (UI7): asked for only from the button (a user action), then this
 * device subscribes to Web Push; and do-not-disturb (UI8), which silences both everywhere.
 */
function NotificationSettings({ store }: { store: ChatStore }) {
  const [permission, setPermission] = useState<Permission>(notificationPermission);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dnd = store.alerts.dndActive() ? (store.alerts.dndUntil ?? null) : null;

  const enable = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await Notification.requestPermission();
      setPermission(answer);
      if (answer === 'granted') await store.alerts.push.subscribe();
    } catch (err) {
      setError(
        `Notifications are on in this tab, but not when it is closed: ${describeError(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  const setDnd = async (id: string) => {
    const choice = DND_CHOICES.find((c) => c.id === id);
    if (!choice) return;
    setBusy(true);
    setError(null);
    try {
      await store.alerts.setDoNotDisturb(choice.until(new Date()));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="account-notifications">
      <h3 id="account-notifications">Notifications</h3>
      {permission === 'granted' ? (
        <p class="field-hint" id="notifications-state">
          On in this browser: direct messages and mentions of you show as notifications while Parley
          is in the background{pushSupported() ? ' or closed' : ''}.
        </p>
      ) : permission === 'denied' ? (
        <p class="field-hint" id="notifications-state">
          Blocked in this browser. Allow notifications for this site in the browser’s settings.
        </p>
      ) : permission === 'unsupported' ? (
        <p class="field-hint" id="notifications-state">
          This browser can’t show notifications.
        </p>
      ) : (
        <>
          <p class="field-hint" id="notifications-state">
            Get a notification for direct messages and mentions of you while Parley is in the
            background.
          </p>
          <button type="button" class="button" disabled={busy} onClick={() => void enable()}>
            <BellIcon size={18} /> Turn on notifications
          </button>
        </>
      )}
      <div class="field dnd-field">
        <label for="dnd-choice">Do not disturb</label>
        <select
          id="dnd-choice"
          disabled={busy || store.alerts.dndUntil === undefined}
          value=""
          aria-describedby="dnd-state"
          onChange={(e) => void setDnd(e.currentTarget.value)}
        >
          <option value="" disabled>
            {dnd === null ? 'Choose…' : 'Change…'}
          </option>
          {DND_CHOICES.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
        <p class={`field-hint${dnd !== null ? ' dnd-on' : ''}`} id="dnd-state">
          {dnd === null
            ? 'Off: notifications arrive as usual.'
            : `${dndText(dnd)}: no notifications or pushes on any device.`}
        </p>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
