import type { ChatStore } from '../state/chat-store.js';
import { WifiOffIcon } from './icons.js';

/**
 * Says when live delivery is not working: no network, reconnecting, or catching up on what
 * was missed. Silent while connected; the "busy" states fade in late (CSS), so a quick
 * connection never flashes a banner.
 */
export function ConnectionBanner({ store }: { store: ChatStore }) {
  const c = store.connectivity;
  if (c.originDown && c.state !== 'online' && !c.browserOffline)
    return (
      <div class="banner-region" role="status" aria-live="polite">
        <OriginDown store={store} />
      </div>
    );
  const text = bannerText(store);
  return (
    <div class="banner-region" role="status" aria-live="polite">
      {text && (
        <div class={`banner banner-${text.tone}`} data-connection={store.connectivity.state}>
          {text.tone === 'offline' && <WifiOffIcon size={16} />}
          {text.tone !== 'offline' && <span class="spinner" aria-hidden="true" />}
          <span>{text.message}</span>
        </div>
      )}
    </div>
  );
}

/**
 * The page's node does not answer at all (UI17): what happened, that nothing written is lost,
 * and what to do: wait (the page keeps trying and recovers by itself), try at once, or open
 * another node of the cluster (a session is per node: log in there).
 */
function OriginDown({ store }: { store: ChatStore }) {
  const others = store.connectivity.otherNodes;
  return (
    <div class="banner banner-offline banner-down" data-connection="down">
      <WifiOffIcon size={16} />
      <span>
        The server at {location.origin} is not answering. Your unsent messages are kept and go out
        when it is back; this page keeps trying.
        {others.length > 0 && (
          <>
            {' '}
            Or open another node:{' '}
            {others.slice(0, 3).map((url, i) => (
              <span key={url}>
                {i > 0 && ', '}
                <a href={url}>{new URL(url).host}</a>
              </span>
            ))}
            .
          </>
        )}
      </span>
      <button type="button" class="button" onClick={() => store.connectivity.retryNow()}>
        Try again
      </button>
    </div>
  );
}

function bannerText(store: ChatStore): { tone: 'offline' | 'busy'; message: string } | null {
  if (store.connectivity.browserOffline)
    return {
      tone: 'offline',
      message: "You're offline. Messages you write will be sent when you're back.",
    };
  switch (store.connectivity.state) {
    case 'online':
      return null;
    case 'syncing':
      return store.connectivity.everOnline
        ? { tone: 'busy', message: 'Catching up on new messages…' }
        : null;
    case 'connecting':
      return {
        tone: 'busy',
        message: store.connectivity.everOnline ? 'Reconnecting…' : 'Connecting…',
      };
    case 'offline':
      return store.connectivity.everOnline
        ? { tone: 'offline', message: 'Connection lost. Reconnecting…' }
        : { tone: 'busy', message: 'Connecting…' };
  }
}
