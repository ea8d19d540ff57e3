import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { adminApi, navigate } from '../../lib/admin-api.js';
import { describeError } from '../../lib/errors.js';
import type { ChatStore } from '../../state/chat-store.js';
import { Logo } from '../icons.js';
import { AuditPanel } from './audit-panel.js';
import { RegistrationPanel } from './registration-panel.js';
import { UsersPanel } from './users-panel.js';

const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'registration', label: 'Registration & invites' },
  { id: 'audit', label: 'Audit log' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/**
 * The admin page (/admin, rule UIA1): users, registration and invites, the audit log, as
 * tabs. The chat's session stays connected meanwhile, so a suspension of this admin or a
 * logout elsewhere ends this page too. Others are told the page is not theirs.
 */
export function AdminPage({ store }: { store: ChatStore }) {
  const api = useMemo(() => adminApi(store.client.api), [store]);
  const [allowed, setAllowed] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('users');
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});

  useEffect(() => {
    let live = true;
    api.me().then(
      (me) => live && setAllowed(me.admin === true),
      (err: unknown) => {
        if (!live) return;
        setError(describeError(err));
        setAllowed(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  useEffect(() => {
    document.title = 'Administration · Parley';
    return () => {
      document.title = 'Parley';
    };
  }, []);

  const onTabKey = (e: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab);
    let next = -1;
    if (e.key === 'ArrowRight') next = (at + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (at - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const id = TABS[next]!.id;
    setTab(id);
    tabRefs.current[id]?.focus();
  };

  return (
    <div class="admin-page">
      <header class="admin-header">
        <a
          class="admin-back"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          <Logo size={28} />
          <span>Back to chat</span>
        </a>
        <h1>Administration</h1>
        <span class="admin-me">Signed in as {store.me.username}</span>
      </header>
      <main class="admin-main">
        {allowed === null ? (
          <p class="field-hint" aria-busy="true">
            Loading…
          </p>
        ) : !allowed ? (
          <div class="admin-denied">
            <p role="alert" class="form-error">
              {error ?? 'This page is for the administrators of this server.'}
            </p>
          </div>
        ) : (
          <>
            <div class="admin-tabs" role="tablist" aria-label="Administration" onKeyDown={onTabKey}>
              {TABS.map((t) => (
                <button
                  key={t.id}
                  ref={(el) => {
                    tabRefs.current[t.id] = el;
                  }}
                  type="button"
                  role="tab"
                  id={`admin-tab-${t.id}`}
                  aria-selected={tab === t.id}
                  aria-controls={`admin-panel-${t.id}`}
                  tabIndex={tab === t.id ? 0 : -1}
                  class="admin-tab"
                  onClick={() => setTab(t.id)}
                >
                  {t.label}
                </button>
              ))}
            </div>
            <section
              class="admin-panel"
              role="tabpanel"
              id={`admin-panel-${tab}`}
              aria-labelledby={`admin-tab-${tab}`}
            >
              {tab === 'users' && <UsersPanel api={api} me={store.me.id} />}
              {tab === 'registration' && <RegistrationPanel api={api} />}
              {tab === 'audit' && <AuditPanel api={api} />}
            </section>
          </>
        )}
      </main>
    </div>
  );
}
