/**
 * The service worker (`/sw.js`, scope `/`; UI7): shows the Web Push notifications the node
 * sends while no tab of Parley is open or in front (rule N7), and opens the conversation when
 * one is clicked. It imports nothing, so the build emits it as one file.
 *
 * The web UI is typed against the DOM library; the few worker APIs used here are declared
 * below rather than pulling in the WebWorker library, which clashes with the DOM one.
 */

interface PushPayload {
  v: number;
  kind: 'dm' | 'mention';
  conversationId: string;
  seq: number;
  title: string;
  body: string;
  tag: string;
  url: string;
}

interface WindowClientLike {
  url: string;
  focused: boolean;
  visibilityState: DocumentVisibilityState;
  focus(): Promise<WindowClientLike>;
  postMessage(message: unknown): void;
}

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown } | null;
}

interface NotificationEventLike extends ExtendableEventLike {
  notification: Notification;
}

interface WorkerScope {
  location: Location;
  registration: ServiceWorkerRegistration;
  clients: {
    matchAll(options: {
      type: 'window';
      includeUncontrolled: boolean;
    }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<WindowClientLike | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEventLike) => void): void;
  addEventListener(type: 'push', listener: (e: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', listener: (e: NotificationEventLike) => void): void;
}

const worker = self as unknown as WorkerScope;

// A new version takes over at once: it has no cache to migrate.
worker.addEventListener('install', (e) => e.waitUntil(worker.skipWaiting()));
worker.addEventListener('activate', (e) => e.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (e) => {
  const payload = parse(e.data);
  if (payload) e.waitUntil(show(payload));
});

worker.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const url = sameOrigin((e.notification.data as { url?: unknown } | null)?.url);
  e.waitUntil(open(url));
});

/** The payload of rule N7, or null for anything else (a push is never trusted blindly). */
function parse(data: PushEventLike['data']): PushPayload | null {
  let value: unknown;
  try {
    value = data?.json();
  } catch {
    return null;
  }
  const p = value as Partial<PushPayload> | null;
  if (
    !p ||
    p.v !== 1 ||
    typeof p.title !== 'string' ||
    typeof p.body !== 'string' ||
    typeof p.tag !== 'string' ||
    typeof p.url !== 'string'
  )
    return null;
  return p as PushPayload;
}

/** Shows a push unless a tab of Parley is focused (that tab shows the message itself). */
async function show(p: PushPayload): Promise<void> {
  const tabs = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (tabs.some((t) => t.focused && t.visibilityState === 'visible')) return;
  await worker.registration.showNotification(p.title, {
    body: p.body,
    tag: p.tag,
    data: { url: sameOrigin(p.url) },
  });
}

/**
 * Focuses a tab of Parley and asks it to open `url` (the page routes it itself: a navigation
 * would reload it and lose what it has not sent yet), or opens a new tab at `url`.
 */
async function open(url: string): Promise<void> {
  const tabs = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs.find((t) => new URL(t.url).pathname === new URL(url).pathname) ?? tabs[0];
  if (!tab) {
    await worker.clients.openWindow(url);
    return;
  }
  await tab.focus();
  tab.postMessage({ type: 'parley.open', url });
}

/** An address of this origin only: a payload cannot send the user elsewhere. */
function sameOrigin(value: unknown): string {
  const base = worker.location.origin;
  try {
    const url = new URL(typeof value === 'string' ? value : '/', base);
    return url.origin === base ? url.href : `${base}/`;
  } catch {
    return `${base}/`;
  }
}
