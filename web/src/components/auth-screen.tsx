import { useEffect, useState } from 'preact/hooks';
import { ErrorCode, type ParleyClient } from '../../../src/client/index.js';
import type { UserDto } from '../../../src/protocol/schemas.js';
import { adminApi, formatWhen, type RegistrationMode, type Route } from '../lib/admin-api.js';
import {
  authError,
  checkLogin,
  checkNewAccount,
  checkPassword,
  type Fault,
  type Field,
} from '../lib/auth-problems.js';
import { describeError, errorCode } from '../lib/errors.js';
import { newClient } from '../session.js';
import { Logo } from './icons.js';

type Mode = 'login' | 'register' | 'forgot' | 'reset';

/** What the node said about an invite link's code: not asked yet, valid until, or not valid. */
type InviteState =
  | { kind: 'none' }
  | { kind: 'checking' }
  | { kind: 'valid'; expiresAt: number }
  | { kind: 'invalid' };

/** A pasted invite link or a bare code: the code. */
function inviteCode(text: string): string {
  const trimmed = text.trim();
  const match = /\/invite\/([^/?#\s]+)/.exec(trimmed);
  return match ? decodeURIComponent(match[1]!) : trimmed;
}

/**
 * Log in or create an account (as the node's registration mode allows: open, by invite, or
 * closed); an invite link opens the sign-up with its code, a reset link the new-password form;
 * "Forgot password?" asks for a link. Errors say what to fix.
 */
export function AuthScreen(props: {
  notice: string | null;
  tone: 'info' | 'error';
  route: Route;
  onSignedIn: (client: ParleyClient, me: UserDto) => void;
}) {
  const { route } = props;
  const [mode, setMode] = useState<Mode>(
    route.kind === 'invite' ? 'register' : route.kind === 'reset' ? 'reset' : 'login',
  );
  const [registration, setRegistration] = useState<RegistrationMode | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [invite, setInvite] = useState(route.kind === 'invite' ? route.code : '');
  const [inviteState, setInviteState] = useState<InviteState>({ kind: 'none' });
  const [error, setErrorText] = useState<string | null>(null);
  /** The field the error is about (marked invalid), 'all' when it cannot say, null for none. */
  const [fault, setFault] = useState<Fault>(null);
  const setError = (text: string | null, field: Fault = 'all') => {
    setErrorText(text);
    setFault(text ? field : null);
  };
  const invalid = (field: Field) => (error && (fault === 'all' || fault === field)) || undefined;
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const registering = mode === 'register';
  const fromInviteLink = route.kind === 'invite';

  useEffect(() => {
    let live = true;
    adminApi(newClient().api)
      .registration()
      .then(
        (r) => live && setRegistration(r.mode),
        // A node without the setting (or unreachable for now) is treated as open.
        () => live && setRegistration('open'),
      );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (route.kind !== 'invite') return;
    let live = true;
    setInviteState({ kind: 'checking' });
    adminApi(newClient().api)
      .checkInvite(route.code)
      .then(
        (r) => live && setInviteState({ kind: 'valid', expiresAt: r.expiresAt }),
        () => live && setInviteState({ kind: 'invalid' }),
      );
    return () => {
      live = false;
    };
  }, [route]);

  const needsInvite = registration === 'invite' || fromInviteLink;
  const closed = registration === 'closed' && !fromInviteLink;

  const go = (next: Mode) => {
    setMode(next);
    setError(null);
    setNotice(null);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const name = username.trim();
    if (mode === 'forgot') return forgot(name);
    if (mode === 'reset') return reset();
    const problem = registering ? checkNewAccount(name, password) : checkLogin(name, password);
    if (problem) return setError(...problem);
    const code = inviteCode(invite);
    if (registering && needsInvite && !code)
      return setError('Enter the invite code or link you were given.', 'invite');
    setBusy(true);
    setError(null);
    const client = newClient();
    try {
      if (registering) await adminApi(client.api).register(name, password, code || undefined);
      const user = await client.login(name, password);
      props.onSignedIn(client, user);
    } catch (err) {
      setError(...authError(err, needsInvite && !fromInviteLink));
      setBusy(false);
    }
  };

  const forgot = async (name: string) => {
    if (!name) return setError('Enter your username.', 'username');
    setBusy(true);
    setError(null);
    try {
      await adminApi(newClient().api).forgot(name);
      setNotice(
        'If this account has an email address, a reset link is on its way. If it has none, ask an administrator for a reset link.',
      );
    } catch (err) {
      setError(describeError(err), null);
    } finally {
      setBusy(false);
    }
  };

  const reset = async () => {
    if (route.kind !== 'reset') return;
    const problem =
      checkPassword(password) ??
      (password !== repeat ? (['The two passwords differ.', 'repeat'] as const) : null);
    if (problem) return setError(...problem);
    setBusy(true);
    setError(null);
    try {
      await adminApi(newClient().api).resetPassword(route.token, password);
      history.replaceState(null, '', '/');
      window.dispatchEvent(new PopStateEvent('popstate'));
      setPassword('');
      setRepeat('');
      go('login');
      setNotice('Your password was changed. Log in with the new one.');
    } catch (err) {
      setError(
        errorCode(err) === ErrorCode.ResetInvalid
          ? 'This reset link is not valid any more: it was used, it expired, or it is unknown. Ask for a new one.'
          : describeError(err),
        null,
      );
    } finally {
      setBusy(false);
    }
  };

  const title = {
    login: 'Welcome back',
    register: 'Create your account',
    forgot: 'Forgot your password?',
    reset: 'Choose a new password',
  }[mode];
  const lead = {
    login: 'Log in to pick up your conversations where you left them.',
    register: fromInviteLink
      ? 'You were invited to Parley. Pick a username and a password to start chatting.'
      : 'Pick a username and a password to start chatting.',
    forgot: 'Enter your username. If your account has an email address, we send it a reset link.',
    reset: 'Enter the new password for your account. Every device signed in to it is logged out.',
  }[mode];
  const submitLabel = {
    login: busy ? 'Logging in…' : 'Log in',
    register: busy ? 'Creating account…' : 'Create account',
    forgot: busy ? 'Sending…' : 'Send reset link',
    reset: busy ? 'Saving…' : 'Set new password',
  }[mode];
  const shownNotice = notice ?? (mode === 'login' ? props.notice : null);
  const noticeTone = notice ? 'info' : props.tone;

  return (
    <main class="auth">
      <div class="auth-card">
        <div class="auth-brand">
          <Logo size={44} />
          <span class="auth-wordmark">Parley</span>
        </div>
        <h1 class="auth-title">{title}</h1>
        <p class="auth-lead">{lead}</p>
        {shownNotice && !error && (
          <p class={noticeTone === 'error' ? 'form-error' : 'form-notice'} role="status">
            {shownNotice}
          </p>
        )}
        {registering && fromInviteLink && (
          <p
            class={inviteState.kind === 'invalid' ? 'form-error' : 'form-notice'}
            role="status"
            id="auth-invite-state"
          >
            {inviteState.kind === 'valid'
              ? `Your invite is valid until ${formatWhen(inviteState.expiresAt)}.`
              : inviteState.kind === 'invalid'
                ? 'This invite link is not valid: it expired, was used up, or was revoked. Ask for a new one.'
                : 'Checking your invite…'}
          </p>
        )}
        <form
          class="form"
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-describedby="auth-error"
        >
          {mode !== 'reset' && (
            <div class="field">
              <label for="auth-username">Username</label>
              <input
                id="auth-username"
                name="username"
                autocomplete="username"
                autocapitalize="none"
                spellcheck={false}
                required
                maxLength={32}
                value={username}
                onInput={(e) => setUsername(e.currentTarget.value)}
                aria-invalid={invalid('username')}
                aria-describedby={registering ? 'auth-username-hint' : undefined}
              />
              {registering && (
                <p id="auth-username-hint" class="field-hint">
                  3–32 characters: letters, digits, <code>_</code> <code>.</code> <code>-</code>
                </p>
              )}
            </div>
          )}
          {mode !== 'forgot' && (
            <div class="field">
              <label for="auth-password">{mode === 'reset' ? 'New password' : 'Password'}</label>
              <input
                id="auth-password"
                name="password"
                type="password"
                autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
                required
                maxLength={128}
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                aria-invalid={invalid('password')}
                aria-describedby={mode === 'login' ? undefined : 'auth-password-hint'}
              />
              {mode !== 'login' && (
                <p id="auth-password-hint" class="field-hint">
                  At least 8 characters.
                </p>
              )}
            </div>
          )}
          {mode === 'reset' && (
            <div class="field">
              <label for="auth-repeat">Repeat the new password</label>
              <input
                id="auth-repeat"
                type="password"
                autocomplete="new-password"
                required
                maxLength={128}
                value={repeat}
                onInput={(e) => setRepeat(e.currentTarget.value)}
                aria-invalid={invalid('repeat')}
              />
            </div>
          )}
          {registering && needsInvite && !fromInviteLink && (
            <div class="field">
              <label for="auth-invite">Invite code or link</label>
              <input
                id="auth-invite"
                autocomplete="off"
                spellcheck={false}
                value={invite}
                onInput={(e) => setInvite(e.currentTarget.value)}
                aria-invalid={invalid('invite')}
                aria-describedby="auth-invite-hint"
              />
              <p id="auth-invite-hint" class="field-hint">
                This server is invite-only: paste the invite you were given.
              </p>
            </div>
          )}
          <div id="auth-error" aria-live="assertive">
            {error && (
              <p class="form-error" role="alert">
                {error}
              </p>
            )}
          </div>
          <button
            type="submit"
            class="button button-primary button-block"
            disabled={busy || (registering && fromInviteLink && inviteState.kind === 'invalid')}
          >
            {submitLabel}
          </button>
        </form>
        {mode === 'login' && (
          <p class="auth-switch">
            <button type="button" class="link-button" onClick={() => go('forgot')}>
              Forgot password?
            </button>
          </p>
        )}
        {mode === 'login' || mode === 'register' ? (
          closed && mode === 'login' ? (
            <p class="auth-switch" id="auth-closed">
              Registration is closed on this server. Ask an administrator for an account.
            </p>
          ) : (
            <p class="auth-switch">
              {registering ? 'Already have an account?' : 'New to Parley?'}{' '}
              <button
                type="button"
                class="link-button"
                onClick={() => go(registering ? 'login' : 'register')}
              >
                {registering ? 'Log in' : 'Create an account'}
              </button>
            </p>
          )
        ) : (
          <p class="auth-switch">
            <button type="button" class="link-button" onClick={() => go('login')}>
              Back to log in
            </button>
          </p>
        )}
      </div>
    </main>
  );
}
