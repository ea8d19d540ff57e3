import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, type ParleyClient } from '../../src/client/index.js';
import type { UserDto } from '../../src/protocol/schemas.js';
import { AuthScreen } from './components/auth-screen.js';
import { ChatScreen } from './components/chat-screen.js';
import { Logo } from './components/icons.js';
import { describeError } from './lib/errors.js';
import { newClient, readLimits } from './session.js';
import { ChatStore } from './state/chat-store.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'signed-out'; notice: string | null; tone: 'info' | 'error' }
  | { kind: 'signed-in'; store: ChatStore };

/** The page: restores the session from the cookie, else shows login; then the chat. */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const signedIn = useCallback((client: ParleyClient, me: UserDto) => {
    const store = new ChatStore({
      client,
      me,
      limits: readLimits(),
      onEnd: (reason) => setPhase({ kind: 'signed-out', notice: reason, tone: 'info' }),
    });
    store.start();
    setPhase({ kind: 'signed-in', store });
  }, []);

  useEffect(() => {
    const client = newClient();
    client.api.me().then(
      ({ user }) => signedIn(client, user),
      (err: unknown) => {
        const expected = err instanceof ApiError && err.status === 401;
        if (location.pathname !== '/') history.replaceState(null, '', '/');
        setPhase({
          kind: 'signed-out',
          notice: expected ? null : describeError(err),
          tone: 'error',
        });
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
      return <AuthScreen notice={phase.notice} tone={phase.tone} onSignedIn={signedIn} />;
    case 'signed-in':
      return <ChatScreen store={phase.store} />;
  }
}
