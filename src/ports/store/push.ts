/** A browser's Web Push subscription (rule N6), bound to the login session that made it. */
export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  sessionId: string;
  /** The push service URL the browser gave (unique: one endpoint is one browser profile). */
  endpoint: string;
  /** The browser's P-256 public key (uncompressed point) and auth secret, base64url. */
  p256dh: string;
  auth: string;
  createdAt: number;
}

/**
 * Web Push subscriptions and the deployment's shared secrets (rules N5, N6). An endpoint is
 * stored once: saving it again moves it to the new user and session with the new keys.
 */
export interface PushStore {
  /**
   * Stores the subscription, replacing the row of the same endpoint (whoever it belonged to),
   * then deletes the user's oldest subscriptions beyond `maxPerUser`.
   */
  savePushSubscription(subscription: PushSubscriptionRecord, maxPerUser: number): Promise<void>;
  /** The subscriptions of these users whose session is still live at `now`, oldest first. */
  listPushSubscriptions(userIds: string[], now: number): Promise<PushSubscriptionRecord[]>;
  /** Deletes the endpoint's subscription (only if it is `userId`'s, when given); true if one was. */
  deletePushSubscription(endpoint: string, userId?: string): Promise<boolean>;
  /** Deletes every subscription made by the session (logout); returns how many. */
  deleteSessionPushSubscriptions(sessionId: string): Promise<number>;
  /** Deletes every subscription of the user (account deletion); returns how many. */
  deleteUserPushSubscriptions(userId: string): Promise<number>;
  /** Deletes the subscriptions whose session no longer exists (purged expired); returns how many. */
  deleteOrphanPushSubscriptions(): Promise<number>;
  /**
   * Stores `value` as the secret `name` unless one is stored already, and answers the stored
   * one: of nodes racing to create a secret, all read back the first writer's.
   */
  ensureServerSecret(name: string, value: string, at: number): Promise<string>;
}
