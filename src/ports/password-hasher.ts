/**
 * Password hashing port (argon2id in production; see adapters/argon2). An implementation that
 * bounds its work rejects with `AppError('unavailable')` when it is full, rather than queueing
 * without end (rule A2).
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
