import { plainText } from '../../../src/format/markdown.js';
import type { RestApi } from '../../../src/client/index.js';
import type { ConversationDto, MessageDto } from '../../../src/protocol/schemas.js';

/** Characters of a message a notification shows (the push payload's preview is as long). */
const PREVIEW_CHARS = 140;

/** Why a message notifies the user, if it does. */
export type NotifyKind = 'dm' | 'mention';

/**
 * Whether a new message notifies the user (rule N2, computed in the page for UI7): a DM to
 * them or a message that mentions them (by id or @all), not their own, not deleted, in a
 * conversation they did not mute, while no do-not-disturb is on.
 */
export function notifyKind(
  m: MessageDto,
  c: ConversationDto | undefined,
  options: { me: string; dndUntil: number | null; now: number },
): NotifyKind | null {
  if (!c || m.sender === options.me || m.deletedAt !== null || c.muted) return null;
  if (options.dndUntil !== null && options.dndUntil > options.now) return null;
  if (c.kind === 'dm') return 'dm';
  return m.mentionsAll || m.mentions.includes(options.me) ? 'mention' : null;
}

/** Title and body as the push payload has them: the sender (in the group), and a preview. */
export function notificationText(
  m: MessageDto,
  c: ConversationDto,
  kind: NotifyKind,
): { title: string; body: string } {
  const title = kind === 'dm' ? m.senderName : `${m.senderName} in ${c.name ?? 'a group'}`;
  const text = plainText(m.body).replace(/\s+/g, ' ').trim();
  const file = m.attachments[0];
  const body = text === '' && file ? `📎 ${file.name}` : text;
  const chars = [...body];
  return {
    title,
    body: chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…` : body,
  };
}

/** The page's address of a conversation (what a notification click opens). */
export function conversationUrl(conversationId: string): string {
  return `/c/${encodeURIComponent(conversationId)}`;
}

/** "Do not disturb until 14:30" (or "until Tue 08:00", or "until you turn it off"). */
export function dndText(until: number | null): string {
  if (until === null) return 'Do not disturb is off';
  if (until >= FOREVER) return 'Do not disturb until you turn it off';
  const date = new Date(until);
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const day = sameDay ? '' : `${date.toLocaleDateString(undefined, { weekday: 'short' })} `;
  return `Do not disturb until ${day}${time}`;
}

/** The do-not-disturb "until turned off": a date no one reaches (year 9999). */
export const FOREVER = 253_402_300_799_000;

/** What the browser allows: `unsupported` when it has no Notification API at all. */
export type Permission = NotificationPermission | 'unsupported';

export function notificationPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Desktop notifications of this page (UI7): raised for new messages while the tab is hidden
 * (a visible tab shows them itself), one per message (`tag` = `<conversation>:<seq>`, the same
 * as a push of it, so the browser shows it once), a click focuses the page and opens the
 * conversation at the message.
 */
export class DesktopNotifier {
  readonly #open: (conversationId: string, seq: number) => void;
  readonly #shown = new Set<Notification>();

  constructor(options: { open: (conversationId: string, seq: number) => void }) {
    this.#open = options.open;
  }

  /** Raises the notification of a message if the page is hidden and the browser allows it. */
  show(m: MessageDto, c: ConversationDto, kind: NotifyKind): void {
    if (document.visibilityState !== 'hidden' || notificationPermission() !== 'granted') return;
    const { title, body } = notificationText(m, c, kind);
    const url = conversationUrl(m.conversationId);
    const tag = `${m.conversationId}:${m.seq}`;
    const n = new Notification(title, { body, tag, data: { url } });
    this.#shown.add(n);
    n.onclick = () => {
      window.focus();
      this.#open(m.conversationId, m.seq);
      n.close();
    };
    n.onclose = () => this.#shown.delete(n);
  }

  /** Closes what this page raised (the session ended: nothing of it stays on screen). */
  dispose(): void {
    for (const n of this.#shown) n.close();
    this.#shown.clear();
  }
}

/** The service worker's address and scope (served by the node at the root, UI1). */
const WORKER_URL = '/sw.js';

/** Whether this browser can receive Web Push at all (a secure context with both APIs). */
export function pushSupported(): boolean {
  return (
    window.isSecureContext &&
    'serviceWorker' in navigator &&
    typeof PushManager !== 'undefined' &&
    notificationPermission() !== 'unsupported'
  );
}

/**
 * Web Push for this device (UI7, rules N6-N7): registers the service worker, subscribes with
 * the node's VAPID key and stores the subscription for this session; on logout removes it.
 */
export class PushSubscriptions {
  readonly #api: RestApi;

  constructor(api: RestApi) {
    this.#api = api;
  }

  /**
   * Subscribes (or re-sends the existing subscription, which the node then files under this
   * session). Needs the notification permission granted; throws what failed.
   */
  async subscribe(): Promise<void> {
    if (!pushSupported() || notificationPermission() !== 'granted') return;
    await navigator.serviceWorker.register(WORKER_URL, { scope: '/' });
    const registration = await navigator.serviceWorker.ready;
    const { publicKey } = await this.#api.request<{ publicKey: string }>('GET', '/api/v1/push/key');
    const key = base64UrlBytes(publicKey);
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
      // Subscribed with another deployment's key: that subscription cannot reach us.
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key,
    });
    await this.#api.request('POST', '/api/v1/push/subscriptions', subscription.toJSON());
  }

  /** Removes this device's subscription here and on the node (best effort; never throws). */
  async unsubscribe(): Promise<void> {
    if (!pushSupported()) return;
    try {
      const registration = await navigator.serviceWorker.getRegistration('/');
      const subscription = await registration?.pushManager.getSubscription();
      if (!subscription) return;
      await this.#api
        .request('DELETE', '/api/v1/push/subscriptions', { endpoint: subscription.endpoint })
        .catch(() => undefined);
      await subscription.unsubscribe();
    } catch {
      // The node deletes the session's subscriptions on logout anyway (rule N6).
    }
  }
}

function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function sameKey(current: ArrayBuffer | null, key: Uint8Array): boolean {
  if (!current) return false;
  const a = new Uint8Array(current);
  return a.length === key.length && a.every((b, i) => b === key[i]);
}
