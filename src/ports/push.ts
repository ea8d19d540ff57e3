/** A VAPID key pair (RFC 8292): P-256, both halves base64url (public: the uncompressed point). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** One Web Push message to one subscription, as the push transport sends it. */
export interface PushMessage {
  endpoint: string;
  /** The subscription's P-256 public key and 16-byte auth secret, base64url (RFC 8291). */
  keys: { p256dh: string; auth: string };
  /** The plaintext, encrypted by the transport for this subscription alone (aes128gcm). */
  payload: string;
  vapid: VapidKeys & { subject: string };
  /** How long the push service keeps an undelivered message (the TTL header), in seconds. */
  ttlSeconds: number;
  /** At most this long for the push service's answer; then the send rejects. */
  timeoutMs: number;
}

/** Why a push did not reach its push service. */
export type PushFailure = 'timeout' | 'network' | 'blocked';

/** A push that never got an HTTP answer from its push service. */
export class PushSendError extends Error {
  override readonly name = 'PushSendError';
  constructor(
    readonly reason: PushFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The Web Push port (RFC 8030 with RFC 8291 encryption and RFC 8292 VAPID): key generation and
 * one encrypted POST per message. `send` answers the push service's HTTP status, or rejects
 * with {@link PushSendError}: timed out, unreachable, or refused before connecting because
 * the endpoint resolves to an address the node must not call (rule N7).
 */
export interface PushTransport {
  generateVapidKeys(): VapidKeys;
  send(message: PushMessage): Promise<number>;
}
