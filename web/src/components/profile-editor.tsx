import { useEffect, useRef, useState } from 'preact/hooks';
import type { ProfileDto } from '../../../src/client/index.js';
import { describeError } from '../lib/errors.js';
import { codePoints } from '../lib/format.js';
import {
  AVATAR_MAX_BYTES,
  DISPLAY_NAME_MAX,
  presenceLine,
  STATUS_TEXT_MAX,
} from '../lib/profiles.js';
import type { ChatStore } from '../state/chat-store.js';
import { pageProfiles } from '../state/profiles.js';
import { Avatar } from './avatar.js';

/**
 * The user's own profile (rules PR1-PR5), a section of the account dialog: display name and
 * status (saved together), the picture (upload, replace, remove) and whether others see when
 * they were last online.
 */
export function ProfileEditor({ store }: { store: ChatStore }) {
  const me = store.me;
  const [profile, setProfile] = useState<ProfileDto | null>(null);
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');
  const [shareLastSeen, setShareLastSeen] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const file = useRef<HTMLInputElement>(null);

  const show = (p: ProfileDto) => {
    setProfile(p);
    setName(p.displayName ?? '');
    setStatus(p.statusText ?? '');
    pageProfiles.cache.put([p]);
  };

  useEffect(() => {
    pageProfiles.api.get(me.username).then(show, (err: unknown) => setError(describeError(err)));
    store.client.api.settings().then(
      ({ settings }) => setShareLastSeen(settings.shareLastSeen),
      () => undefined,
    );
  }, [me.username]);

  const run = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await work());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const save = (e: Event) => {
    e.preventDefault();
    if (codePoints(name.trim()) > DISPLAY_NAME_MAX)
      return setError(`A display name has at most ${DISPLAY_NAME_MAX} characters.`);
    if (codePoints(status.trim()) > STATUS_TEXT_MAX)
      return setError(`A status has at most ${STATUS_TEXT_MAX} characters.`);
    void run(async () => {
      show(await pageProfiles.api.update({ displayName: name, statusText: status }));
      return 'Profile saved.';
    });
  };

  const upload = (picked: File | undefined) => {
    if (!picked) return;
    if (picked.size > AVATAR_MAX_BYTES) return setError('A picture is at most 5 MB.');
    void run(async () => {
      show(await pageProfiles.api.setAvatar(picked));
      return 'Picture updated.';
    });
  };

  const toggleLastSeen = (next: boolean) =>
    void run(async () => {
      const { settings } = await store.client.api.updateSettings({ shareLastSeen: next });
      setShareLastSeen(settings.shareLastSeen);
      return null;
    });

  const seen = profile ? presenceLine(profile) : null;
  return (
    <section class="settings-section" aria-labelledby="account-profile">
      <h3 id="account-profile">Profile</h3>
      <div class="profile-editor-avatar">
        <Avatar name={me.username} size="lg" src={profile?.avatarUrl ?? null} />
        <input
          ref={file}
          id="profile-avatar-file"
          type="file"
          accept="image/jpeg,image/png,image/webp,image/gif"
          class="sr-only"
          onChange={(e) => {
            upload(e.currentTarget.files?.[0]);
            e.currentTarget.value = '';
          }}
        />
        <button type="button" class="button" disabled={busy} onClick={() => file.current?.click()}>
          {profile?.avatarUrl ? 'Change picture…' : 'Upload picture…'}
        </button>
        {profile?.avatarUrl && (
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                show(await pageProfiles.api.removeAvatar());
                return 'Picture removed.';
              })
            }
          >
            Remove picture
          </button>
        )}
      </div>
      <form class="form" onSubmit={save} noValidate>
        <div class="field">
          <label for="profile-display-name">Display name</label>
          <input
            id="profile-display-name"
            type="text"
            autocomplete="name"
            placeholder={me.username}
            value={name}
            aria-describedby="profile-display-name-hint"
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <p class="field-hint" id="profile-display-name-hint">
            Shown instead of @{me.username}; at most {DISPLAY_NAME_MAX} characters. Leave empty to
            use your username.
          </p>
        </div>
        <div class="field">
          <label for="profile-status">Status</label>
          <input
            id="profile-status"
            type="text"
            value={status}
            placeholder="What are you up to?"
            onInput={(e) => setStatus(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save profile'}
        </button>
      </form>
      <label class="switch-row">
        <input
          type="checkbox"
          role="switch"
          class="switch"
          checked={shareLastSeen ?? true}
          disabled={busy || shareLastSeen === null}
          onChange={(e) => toggleLastSeen(e.currentTarget.checked)}
        />
        <span>Show others when I was last online</span>
      </label>
      {seen && <p class="field-hint">{seen}</p>}
      {notice && (
        <p class="form-notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
