import { useState } from 'preact/hooks';
import type { AdminApi, NewInvite } from '../../lib/admin-api.js';
import { formatWhen } from '../../lib/admin-api.js';
import { describeError } from '../../lib/errors.js';
import { CopyField } from './copy-field.js';

const EXPIRY_CHOICES = [
  { hours: 24, label: '1 day' },
  { hours: 168, label: '7 days' },
  { hours: 720, label: '30 days' },
];
const USE_CHOICES = [1, 5, 10, 25, 100];

/**
 * Creates an invite link (expiry, number of uses) and shows it once with a Copy button: the
 * node keeps only a hash of the code, so the link cannot be shown again.
 */
export function InviteCreator(props: { api: AdminApi; onCreated?: (invite: NewInvite) => void }) {
  const [hours, setHours] = useState(168);
  const [uses, setUses] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<NewInvite | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { invite } = await props.api.createInvite({ expiresInHours: hours, maxUses: uses });
      setCreated(invite);
      props.onCreated?.(invite);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form invite-creator" onSubmit={(e) => void create(e)}>
      <div class="inline-fields">
        <div class="field">
          <label for="invite-expiry">Expires after</label>
          <select
            id="invite-expiry"
            value={String(hours)}
            onChange={(e) => setHours(Number(e.currentTarget.value))}
          >
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.hours} value={String(c.hours)}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="invite-uses">Uses</label>
          <select
            id="invite-uses"
            value={String(uses)}
            onChange={(e) => setUses(Number(e.currentTarget.value))}
          >
            {USE_CHOICES.map((n) => (
              <option key={n} value={String(n)}>
                {n === 1 ? '1 person' : `${n} people`}
              </option>
            ))}
          </select>
        </div>
      </div>
      <button type="submit" class="button button-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create invite link'}
      </button>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {created && (
        <CopyField
          label="Invite link"
          value={created.url}
          hint={`Shown only now. Valid until ${formatWhen(created.expiresAt)}, for ${
            created.maxUses === 1 ? 'one person' : `${created.maxUses} people`
          }.`}
        />
      )}
    </form>
  );
}
