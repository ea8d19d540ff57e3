/** The address of a conversation (or of the list, for null). */
export function conversationPath(id: string | null): string {
  return id ? `/c/${encodeURIComponent(id)}` : '/';
}

/** The conversation the address bar names, if any. */
export function conversationInLocation(): string | null {
  const match = /^\/c\/([^/]+)$/.exec(location.pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}

/**
 * Follows what the browser says: network on or off, back/forward navigation, and the page
 * about to close (`hasUnsent` true asks the browser to confirm). Returns the unsubscribe.
 */
export function watchBrowser(handlers: {
  network: (online: boolean) => void;
  navigated: () => void;
  hasUnsent: () => boolean;
}): () => void {
  const offline = () => handlers.network(false);
  const online = () => handlers.network(true);
  const popstate = () => handlers.navigated();
  const beforeunload = (e: BeforeUnloadEvent) => {
    if (handlers.hasUnsent()) e.preventDefault();
  };
  window.addEventListener('offline', offline);
  window.addEventListener('online', online);
  window.addEventListener('popstate', popstate);
  window.addEventListener('beforeunload', beforeunload);
  return () => {
    window.removeEventListener('offline', offline);
    window.removeEventListener('online', online);
    window.removeEventListener('popstate', popstate);
    window.removeEventListener('beforeunload', beforeunload);
  };
}
