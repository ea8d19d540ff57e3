import type { ParleyClient, RestApi } from '../../../src/client/index.js';
import type { ConversationDto, MessageDto, UserDto } from '../../../src/protocol/schemas.js';
import { DesktopNotifier, notifyKind, PushSubscriptions } from '../lib/notifications.js';

/** What Alerts reads of the page's store (ChatStore), and how it opens a conversation. */
export interface AlertsHost {
  readonly client: ParleyClient;
  readonly me: UserDto;
  conversation(id: string): ConversationDto | undefined;
  readonly histories: { message(id: string, seq: number): MessageDto | undefined };
  jumpTo(id: string, seq: number): Promise<void>;
  select(id: string): void;
}

/**
 * What tells the user about messages while they look elsewhere (UI7, UI8): desktop
 * notifications of this page, this device's Web Push subscription, the service worker's
 * clicks, per-conversation mute and the user's do-not-disturb.
 */
export class Alerts {
  #push: PushSubscriptions | null = null;
  /**
   * Until when the user's do-not-disturb holds (epoch ms), null when off, undefined until the
   * settings are read.
   */
  dndUntil: number | null | undefined = undefined;
  readonly #store: AlertsHost;
  readonly #changed: () => void;
  readonly #notifier: DesktopNotifier;

  /**
   * For `store`'s page: its client, conversations, history and navigation (read when used:
   * the store makes this first).
   */
  constructor(store: AlertsHost, changed: () => void) {
    this.#store = store;
    this.#changed = changed;
    this.#notifier = new DesktopNotifier({ open: (id, seq) => void store.jumpTo(id, seq) });
  }

  /** This device's Web Push subscription. */
  get push(): PushSubscriptions {
    return (this.#push ??= new PushSubscriptions(this.#store.client.api));
  }

  /**
   * Reads the settings, follows the service worker, and (when notifications were allowed
   * before) files this device's subscription under this session. Returns the stop.
   */
  start(): () => void {
    void this.#loadSettings();
    this.push.subscribe().catch(() => undefined);
    return this.#followWorker();
  }

  /** Closes what this page raised. */
  stop(): void {
    this.#notifier.dispose();
  }

  /** Logs out, removing this device's subscription first (while the session authorizes it). */
  async loggingOut(api: RestApi): Promise<void> {
    await this.push.unsubscribe();
    await api.logout();
  }

  /**
   * A live message, before the page merges it: a desktop notification when it is for the user
   * and new to the page (one it had already, as a resync may replay, was notified of then).
   */
  message(m: MessageDto): void {
    const store = this.#store;
    const c = store.conversation(m.conversationId);
    if (!c || store.histories.message(m.conversationId, m.seq)) return;
    const me = store.me.id;
    const kind = notifyKind(m, c, { me, dndUntil: this.dndUntil ?? null, now: Date.now() });
    if (kind) this.#notifier.show(m, c, kind);
  }

  /** Mutes or unmutes a conversation (rule N3): no notification, no push, a muted icon. */
  async setMuted(id: string, muted: boolean): Promise<void> {
    const { client } = this.#store;
    const answer = await client.api.setMuted(id, muted);
    // The `conversation.muted` side event says the same to every device; this one need not wait.
    client.conversations.setMuted(id, answer.muted);
    this.#changed();
  }

  /** Sets (epoch ms) or ends (null) the user's do-not-disturb. */
  async setDoNotDisturb(until: number | null): Promise<void> {
    const { settings } = await this.#store.client.api.setDoNotDisturb(until);
    this.dndUntil = settings.doNotDisturbUntil;
    this.#changed();
  }

  /** Whether do-not-disturb holds now. */
  dndActive(now = Date.now()): boolean {
    return this.dndUntil !== null && this.dndUntil !== undefined && this.dndUntil > now;
  }

  async #loadSettings(): Promise<void> {
    try {
      const { settings } = await this.#store.client.api.settings();
      this.dndUntil = settings.doNotDisturbUntil;
    } catch {
      this.dndUntil = null;
    }
    this.#changed();
  }

  /** A click on a push notification: the service worker asks this tab to open its address. */
  #followWorker(): () => void {
    if (!('serviceWorker' in navigator)) return () => undefined;
    const onMessage = (e: MessageEvent) => {
      const data = e.data as { type?: unknown; url?: unknown } | null;
      if (data?.type !== 'parley.open' || typeof data.url !== 'string') return;
      const path = new URL(data.url, location.origin).pathname;
      const id = /^\/c\/([^/]+)$/.exec(path)?.[1];
      if (id) this.#store.select(decodeURIComponent(id));
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    return () => navigator.serviceWorker.removeEventListener('message', onMessage);
  }
}
