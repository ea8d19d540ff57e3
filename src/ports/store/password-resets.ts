/** A one-time password reset link as the store keeps it (rule RG8): the token's SHA-256. */
export interface PasswordResetRecord {
  tokenHash: string;
  userId: string;
  /** The admin who issued it; null when mailed on the user's own request. */
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
}

/** Passwords: changes, the sessions they end, and one-time reset links (rules RG6-RG9). */
export interface PasswordsStore {
  /** Sets the user's password hash and when it changed. */
  setPasswordHash(userId: string, passwordHash: string, at: number): Promise<void>;
  /**
   * Deletes the user's sessions but `keepSessionId` (null: all of them) and the push
   * subscriptions they made; answers the ids of the sessions deleted.
   */
  deleteSessionsExcept(userId: string, keepSessionId: string | null): Promise<string[]>;
  createPasswordReset(reset: PasswordResetRecord): Promise<void>;
  /**
   * Marks the reset used at `now` in a single conditional update if it is unused and not
   * expired, and answers its user id; null otherwise (two uses cannot both succeed).
   */
  takePasswordReset(tokenHash: string, now: number): Promise<string | null>;
  /** How many mailed (self-service) resets the user got since `since` (the forgot-password limit). */
  countPasswordResets(userId: string, since: number): Promise<number>;
  /** Deletes resets that expired before `before`; returns how many. */
  deleteExpiredPasswordResets(before: number): Promise<number>;
}
