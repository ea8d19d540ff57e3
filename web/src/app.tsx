import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, CloseCode, type ParleyClient } from '../../src/client/index.js';
import type { UserDto } from '../../src/protocol/schemas.js';
import { AdminPage } from './components/admin/admin-page.js';
import { AuthScreen } from './components/auth-screen.js';
import { ChatScreen } from './components/chat-screen.js';
import { Logo } from './components/icons.js';
import { routeOf, type Route } from './lib/admin-api.js';
import { describeError } from './lib/errors.js';
import { newClient, readLimits, sessionHint, suspendedNotice } from './session.js';
import { ChatStore } from './state/chat-store.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'signed-out'; notice: string | null; tone: 'info' | 'error' }
  | { kind: 'signed-in'; store: ChatStore };

/** The route in the address bar, followed on back/forward and in-page navigation. */
function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeOf(location.pathname));
  useEffect(() => {
    const follow = () => setRoute(routeOf(location.pathname));
    window.addEventListener('popstate', follow);
    return () => window.removeEventListener('popstate', follow);
  }, []);
  return route;
}

/**
 * The page: restores the session from the cookie, else shows login (or the invite sign-up,
 * or the password reset, when the address names one); then the chat, or the admin page.
 */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const route = useRoute();

  const signedIn = useCallback((client: ParleyClient, me: UserDto) => {
    sessionHint.set(true);
    // Registered before the store's own listener, so the close is known when it ends.
    let closed: { code: number; reason: string } | null = null;
    client.on('session.ended', (e) => {
      closed = e;
    });
    const store = new ChatStore({
      client,
      me,
      limits: readLimits(),
      onEnd: (reason) => {
        sessionHint.set(false);
        const suspended =
          closed?.code === CloseCode.SessionRevoked ? suspendedNotice(closed.reason) : null;
        setPhase({
          kind: 'signed-out',
          notice: suspended ?? reason,
          tone: suspended ? 'error' : 'info',
        });
        // The store put `/` in the address bar; the route follows it.
        window.dispatchEvent(new PopStateEvent('popstate'));
      },
    });
    const at = routeOf(location.pathname).kind;
    if (at === 'invite' || at === 'reset') {
      // Signed in from an invite or reset link: on to the chat.
      history.replaceState(null, '', '/');
      window.dispatchEvent(new PopStateEvent('popstate'));
    }
    store.start();
    setPhase({ kind: 'signed-in', store });
  }, []);

  useEffect(() => {
    const signedOut = (notice: string | null) => {
      const at = routeOf(location.pathname).kind;
      if (at !== 'invite' && at !== 'reset' && location.pathname !== '/')
        history.replaceState(null, '', '/');
      setPhase({ kind: 'signed-out', notice, tone: 'error' });
    };
    // No session known to this browser: the login screen, without asking the node (a 401).
    if (!sessionHint.get()) return signedOut(null);
    const client = newClient();
    client.api.me().then(
      ({ user }) => signedIn(client, user),
      (err: unknown) => {
        const expected = err instanceof ApiError && err.status === 401;
        if (expected) sessionHint.set(false);
        signedOut(expected ? null : describeError(err));
      },
    );
  }, [signedIn]);

  useEffect(() => {
    const store = phase.kind === 'signed-in' ? phase.store : null;
    return () => store?.end(null);
  }, [phase]);

  switch (phase.kind) {
    case 'loading':
      return (
        <div class="splash" aria-busy="true" aria-label="Loading Parley">
          <Logo size={48} />
        </div>
      );
    case 'signed-out':
      return (
        <AuthScreen notice={phase.notice} tone={phase.tone} route={route} onSignedIn={signedIn} />
      );
    case 'signed-in':
      return route.kind === 'admin' ? (
        <AdminPage store={phase.store} />
      ) : (
        <ChatScreen store={phase.store} />
      );
  }
}
