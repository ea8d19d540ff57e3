import { useState } from 'preact/hooks';
import type { ParleyClient } from '../../../src/client/index.js';
import type { UserDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { newClient } from '../session.js';
import { Logo } from './icons.js';

type Mode = 'login' | 'register';

/** Log in or create an account; errors say what to fix. */
export function AuthScreen(props: {
  notice: string | null;
  tone: 'info' | 'error';
  onSignedIn: (client: ParleyClient, me: UserDto) => void;
}) {
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const registering = mode === 'register';

  const submit = async (e: Event) => {
    e.preventDefault();
    const name = username.trim();
    const problem = registering ? checkNewAccount(name, password) : checkLogin(name, password);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    const client = newClient();
    try {
      if (registering) await client.register(name, password);
      const user = await client.login(name, password);
      props.onSignedIn(client, user);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const switchMode = () => {
    setMode(registering ? 'login' : 'register');
    setError(null);
  };

  return (
    <main class="auth">
      <div class="auth-card">
        <div class="auth-brand">
          <Logo size={44} />
          <span class="auth-wordmark">Parley</span>
        </div>
        <h1 class="auth-title">{registering ? 'Create your account' : 'Welcome back'}</h1>
        <p class="auth-lead">
          {registering
            ? 'Pick a username and a password to start chatting.'
            : 'Log in to pick up your conversations where you left them.'}
        </p>
        {props.notice && !error && (
          <p class={props.tone === 'error' ? 'form-error' : 'form-notice'} role="status">
            {props.notice}
          </p>
        )}
        <form
          class="form"
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-describedby="auth-error"
        >
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
              aria-invalid={error ? true : undefined}
              aria-describedby={registering ? 'auth-username-hint' : undefined}
            />
            {registering && (
              <p id="auth-username-hint" class="field-hint">
                3–32 characters: letters, digits, <code>_</code> <code>.</code> <code>-</code>
              </p>
            )}
          </div>
          <div class="field">
            <label for="auth-password">Password</label>
            <input
              id="auth-password"
              name="password"
              type="password"
              autocomplete={registering ? 'new-password' : 'current-password'}
              required
              maxLength={128}
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={registering ? 'auth-password-hint' : undefined}
            />
            {registering && (
              <p id="auth-password-hint" class="field-hint">
                At least 8 characters.
              </p>
            )}
          </div>
          <div id="auth-error" aria-live="assertive">
            {error && (
              <p class="form-error" role="alert">
                {error}
              </p>
            )}
          </div>
          <button type="submit" class="button button-primary button-block" disabled={busy}>
            {busy
              ? registering
                ? 'Creating account…'
                : 'Logging in…'
              : registering
                ? 'Create account'
                : 'Log in'}
          </button>
        </form>
        <p class="auth-switch">
          {registering ? 'Already have an account?' : 'New to Parley?'}{' '}
          <button type="button" class="link-button" onClick={switchMode}>
            {registering ? 'Log in' : 'Create an account'}
          </button>
        </p>
      </div>
    </main>
  );
}

function checkLogin(username: string, password: string): string | null {
  if (!username) return 'Enter your username.';
  if (!password) return 'Enter your password.';
  return null;
}

/** The node's rules (A1, A2), checked here first so the answer is instant. */
function checkNewAccount(username: string, password: string): string | null {
  const name = username.toLowerCase();
  if (name.length < 3 || name.length > 32) return 'Usernames are 3 to 32 characters long.';
  if (!/^[a-z0-9_.-]+$/.test(name))
    return 'Usernames use only letters, digits, underscores, dots and dashes.';
  if ([...password].length < 8) return 'Passwords need at least 8 characters.';
  if ([...password].length > 128) return 'Passwords are at most 128 characters.';
  return null;
}
