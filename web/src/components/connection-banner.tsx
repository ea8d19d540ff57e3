import type { ChatStore } from '../state/chat-store.js';
import { WifiOffIcon } from './icons.js';

/**
 * Says when live delivery is not working: no network, reconnecting, or catching up on what
 * was missed. Silent while connected; the "busy" states fade in late (CSS), so a quick
 * connection never flashes a banner.
 */
export function ConnectionBanner({ store }: { store: ChatStore }) {
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
