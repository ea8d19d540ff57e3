/** Password hashing port (argon2id in production; see adapters/argon2). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
