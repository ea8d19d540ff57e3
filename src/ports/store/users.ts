import type { AccountStatus, User, UserSettings, UserWithSecret } from '../../domain/model.js';

/** Keyset page request over users, ordered by username. */
export interface UserQuery {
  /** SQL LIKE pattern (already escaped with `\`), lowercase. */
  like: string | null;
  afterUsername: string | null;
  limit: number;
}

/** Accounts: created, looked up, searched, marked deleted (rules A1, A6, A7). */
export interface UsersStore {
  /** Rejects with `DuplicateKeyError` (key `username`) if a live account has the name. */
  createUser(user: UserWithSecret): Promise<User>;
  getUserById(id: string): Promise<User | null>;
  /** Whether the account is a server admin or suspended; null for an unknown id. */
  getAccountStatus(id: string): Promise<AccountStatus | null>;
  /** The live account of that (lowercase) name; deleted accounts are not found. */
  getUserByUsername(username: string): Promise<User | null>;
  getUserSecretByUsername(username: string): Promise<UserWithSecret | null>;
  getUserSecretById(id: string): Promise<UserWithSecret | null>;
  searchUsers(query: UserQuery): Promise<User[]>;
  markUserDeleted(id: string, at: number): Promise<void>;
  /** The user's own settings (rule R9); null for an unknown id. */
  getUserSettings(id: string): Promise<UserSettings | null>;
  /** Changes the given settings, leaves the others; answers them all, null for an unknown id. */
  updateUserSettings(id: string, patch: Partial<UserSettings>): Promise<UserSettings | null>;
  /** Of these users, those whose do-not-disturb lasts past `now` (rule N4). */
  usersInDoNotDisturb(ids: string[], now: number): Promise<Set<string>>;
  /** Of these users, those who do not share their read markers (rule R9). */
  usersHidingReadMarkers(ids: string[]): Promise<Set<string>>;
}
