import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AdminApi, Invite, RegistrationMode } from '../../lib/admin-api.js';
import { formatWhen } from '../../lib/admin-api.js';
import { describeError } from '../../lib/errors.js';
import { InviteCreator } from './invite-creator.js';

const MODES: ReadonlyArray<{ mode: RegistrationMode; label: string; hint: string }> = [
  { mode: 'open', label: 'Open', hint: 'Anyone who reaches this server can create an account.' },
  { mode: 'invite', label: 'Invite only', hint: 'A new account needs an invite link.' },
  { mode: 'closed', label: 'Closed', hint: 'Nobody can create an account.' },
];

/** An invite's state for the list: revoked, expired, used up, or open with uses left. */
function inviteState(invite: Invite, now: number): string {
  if (invite.revokedAt !== null) return 'Revoked';
  if (invite.expiresAt <= now) return 'Expired';
  if (invite.uses >= invite.maxUses) return 'Used up';
  return 'Active';
}

/** Registration mode, whether members may invite, and the invites (create, list, revoke). */
export function RegistrationPanel({ api }: { api: AdminApi }) {
  const [mode, setMode] = useState<RegistrationMode | null>(null);
  const [membersCanInvite, setMembersCanInvite] = useState(false);
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const loadInvites = useCallback(async () => {
    try {
      setInvites((await api.invites()).invites);
    } catch (err) {
      setError(describeError(err));
    }
  }, [api]);

  useEffect(() => {
    let live = true;
    api.registration().then(
      (r) => {
        if (!live) return;
        setMode(r.mode);
        setMembersCanInvite(r.membersCanInvite === true);
      },
      (err: unknown) => live && setError(describeError(err)),
    );
    void loadInvites();
    return () => {
      live = false;
    };
  }, [api, loadInvites]);

  const save = async (patch: { mode?: RegistrationMode; membersCanInvite?: boolean }) => {
    const before = { mode, membersCanInvite };
    // Shown at once; put back if the node refuses.
    if (patch.mode) setMode(patch.mode);
    if (patch.membersCanInvite !== undefined) setMembersCanInvite(patch.membersCanInvite);
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const r = await api.setRegistration(patch);
      setMode(r.mode);
      setMembersCanInvite(r.membersCanInvite === true);
      setSaved('Saved.');
    } catch (err) {
      setMode(before.mode);
      setMembersCanInvite(before.membersCanInvite);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (invite: Invite) => {
    setError(null);
    try {
      await api.revokeInvite(invite.id);
      await loadInvites();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const now = Date.now();
  return (
    <div class="admin-registration">
      <section class="settings-section" aria-labelledby="admin-registration">
        <h2 id="admin-registration">Registration</h2>
        <fieldset class="radio-group" disabled={mode === null || busy}>
          <legend>Who can create an account</legend>
          {MODES.map((m) => (
            <label key={m.mode} class="radio-card">
              <input
                type="radio"
                name="registration-mode"
                value={m.mode}
                checked={mode === m.mode}
                onChange={() => void save({ mode: m.mode })}
              />
              <span>
                <strong>{m.label}</strong>
                <span class="field-hint">{m.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label class="switch-row">
          <input
            type="checkbox"
            role="switch"
            class="switch"
            checked={membersCanInvite}
            disabled={mode === null || busy}
            onChange={(e) => void save({ membersCanInvite: e.currentTarget.checked })}
          />
          <span>Members can create invite links</span>
        </label>
        <p class="field-hint" aria-live="polite">
          {saved ?? 'Admins can always create invite links.'}
        </p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
      </section>
      <section class="settings-section" aria-labelledby="admin-invites">
        <h2 id="admin-invites">Invites</h2>
        <InviteCreator api={api} onCreated={() => void loadInvites()} />
        {invites !== null && invites.length === 0 && <p class="field-hint">No invites yet.</p>}
        {invites !== null && invites.length > 0 && (
          <table class="admin-table" aria-label="Invites">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">By</th>
                <th scope="col">Expires</th>
                <th scope="col">Uses</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invites.map((invite) => {
                const state = inviteState(invite, now);
                return (
                  <tr key={invite.id}>
                    <th scope="row" data-label="Created">
                      {formatWhen(invite.createdAt)}
                    </th>
                    <td data-label="By">{invite.createdBy.username}</td>
                    <td data-label="Expires">{formatWhen(invite.expiresAt)}</td>
                    <td data-label="Uses">
                      {invite.uses} of {invite.maxUses}
                    </td>
                    <td data-label="State">
                      <span class={`status status-${state.toLowerCase().replace(' ', '-')}`}>
                        {state}
                      </span>
                    </td>
                    <td class="admin-actions">
                      {state === 'Active' && (
                        <button
                          type="button"
                          class="button button-small"
                          aria-label={`Revoke the invite created ${formatWhen(invite.createdAt)}`}
                          onClick={() => void revoke(invite)}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
