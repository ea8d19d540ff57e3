/** What a server admin sees of an account (rule AD3). */
export interface AdminUserRecord {
  id: string;
  username: string;
  createdAt: number;
  deletedAt: number | null;
  admin: boolean;
  suspendedAt: number | null;
  suspendedReason: string | null;
  /** The latest activity known: the user's last-seen time or their sessions' last use. */
  lastSeenAt: number | null;
  email: string | null;
}

/** The status filter of the admin's user list. */
export type AdminUserStatus = 'active' | 'suspended' | 'deleted';

export interface AdminUserQuery {
  /** A LIKE pattern (see patternToLike), or null for every user. */
  like: string | null;
  /** Users after this (username, id) in that order, or from the first. */
  after: { username: string; id: string } | null;
  status: AdminUserStatus | null;
  limit: number;
}

/** One line of the audit log as stored, with the names of the users it refers to. */
export interface AuditRecord {
  id: string;
  at: number;
  actorId: string | null;
  actorUsername: string | null;
  action: string;
  targetUserId: string | null;
  targetUsername: string | null;
  targetConversationId: string | null;
  /** A JSON object. */
  data: string;
}

/** What the audit log stores of an entry. */
export interface AuditInsert {
  id: string;
  at: number;
  actorId: string | null;
  action: string;
  targetUserId: string | null;
  targetConversationId: string | null;
  data: string;
}

/** Server admins, suspension and the audit log (rules AD1-AD9). */
export interface AdminStore {
  /** A page of accounts (deleted ones too, unless filtered), by username then id. */
  listAdminUsers(query: AdminUserQuery): Promise<AdminUserRecord[]>;
  /** One account by id (deleted ones too); null if there is none. */
  getAdminUser(id: string): Promise<AdminUserRecord | null>;
  /** Sets or clears (`at` null) the account's suspension and its reason. */
  setUserSuspended(id: string, at: number | null, reason: string | null): Promise<void>;
  /** Grants or revokes the server admin role. */
  setUserAdmin(id: string, admin: boolean): Promise<void>;
  /**
   * The ids of the live (not deleted) admins; inside a transaction on a row-locking engine
   * their rows are locked, so two revocations cannot both leave the other as the last admin.
   */
  lockAdminIds(): Promise<string[]>;
  insertAuditEntry(entry: AuditInsert): Promise<void>;
  /** Entries older than `before` (an entry id), newest first. */
  listAuditEntries(before: string | null, limit: number): Promise<AuditRecord[]>;
  /** Up to `limit` of the user's messages not yet deleted, oldest first. */
  listUndeletedMessagesOf(
    userId: string,
    limit: number,
  ): Promise<Array<{ conversationId: string; seq: number }>>;
  /** Records who removed a message when it was not its sender. */
  setMessageDeletedBy(conversationId: string, seq: number, by: string): Promise<void>;
}
